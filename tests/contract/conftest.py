"""Fixtures of the contract suites: one backend per adapter. The suites themselves ship in the
testing kit (:mod:`shop_testing.contracts`); the modules here run them on ``memory://``, a SQLite
file and PostgreSQL by subclassing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from shop_testing.contracts import SqlBackend


@pytest_asyncio.fixture
async def memory_backend() -> AsyncIterator[SqlBackend]:
    """The SQL adapters on a ``memory://`` database (a SQLite database of its own)."""
    backend = SqlBackend()
    yield backend
    await backend.close()


@pytest_asyncio.fixture
async def sqlite_backend(sqlite_url: str) -> AsyncIterator[SqlBackend]:
    backend = SqlBackend(sqlite_url)
    yield backend
    await backend.close()


@pytest_asyncio.fixture
async def postgres_backend(postgres_url: str) -> AsyncIterator[SqlBackend]:
    backend = SqlBackend(postgres_url)
    yield backend
    await backend.close()
