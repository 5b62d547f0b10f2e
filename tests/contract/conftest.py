"""Fixtures of the contract suites: one backend per adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.contract.backends import Backend, SqlBackend


@pytest.fixture
async def memory_backend() -> AsyncIterator[Backend]:
    """The SQL adapters on a ``memory://`` database (in-memory SQLite)."""
    backend = SqlBackend()
    yield backend
    await backend.close()


@pytest.fixture
async def sqlite_backend(sqlite_url: str) -> AsyncIterator[Backend]:
    backend = SqlBackend(sqlite_url)
    yield backend
    await backend.close()


@pytest.fixture
async def postgres_backend(postgres_url: str) -> AsyncIterator[Backend]:
    backend = SqlBackend(postgres_url)
    yield backend
    await backend.close()
