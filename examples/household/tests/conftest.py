"""The kit's pytest plugin gives every test a fresh `shop` runtime (``shop``), its clock, tokens
and an HTTP client; this service only says which contexts that runtime has: ours."""

import pytest

from household.app import SERVICE_CONTEXTS


@pytest.fixture
def shop_contexts():
    return SERVICE_CONTEXTS
