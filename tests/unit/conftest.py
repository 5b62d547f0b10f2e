"""Fixtures of the unit tests: the kit's ``shop`` fixture (a ``memory://`` shop, from the
``shop_testing`` pytest plugin) on a clock the test moves — a module or a context's
``conftest.py`` sets its own ``clock`` where it needs another moment."""

from __future__ import annotations

import pytest

from shop_adapters.shared.system import FixedClock


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def shop_clock(clock: FixedClock) -> FixedClock:
    """The plugin's ``shop`` runs on this module's ``clock``."""
    return clock
