"""Persistence errors become our own errors in one place: :func:`translate`.

What a driver or SQLAlchemy raises says nothing to a caller of the bus, and an HTTP adapter can
only answer it with a 500. :func:`translate` maps each kind of failure to a
:class:`~shop_domain.shared.errors.DomainError` with a stable code:

- a serialization failure or a deadlock
  (SQLSTATE class 40) → ``ConcurrencyConflict`` (409);
- a constraint violation (``IntegrityError``, class 23) or a change our append-only triggers
  refuse (P0001) → ``persistence.conflict`` (409);
- a value the column cannot hold (``DataError``, class 22: a NUL byte in text, a numeric or
  int64 overflow, a datetime out of range; SQLite's ``OverflowError``) →
  ``persistence.invalid_value`` (422);
- the database cannot be reached or used (a refused, reset or terminated connection, a server
  shutting down, SQLite's "unable to open database file" or "database is locked": classes 08,
  53, 58, 57P0x, a disconnect) → ``storage.unavailable`` (503 with ``Retry-After``), logged as
  a warning;
- no pooled connection came free within the pool's wait (``SHOP_DATABASE_POOL_WAIT``: the
  service is saturated) → ``storage.busy`` (503 with a shorter ``Retry-After``), logged as a
  warning.

Anything else (a bug in a statement) is left alone and stays a 500.

The translation is applied where the errors arise, so that every caller — the bus, its
middleware, the read side, the job store, the relay — only ever sees ours, however early the
flush happens:

- :func:`install` hooks the engine's ``handle_error`` event: every statement and every DBAPI
  connect error of any connection of the engine (units of work, stores, queries);
- the write path's driver calls (:mod:`shop_adapters.sql.driver`), which hand what the
  driver raises to :func:`translate` too;
- :class:`TranslatingPool` translates what getting a connection raises outside the DBAPI: a
  pool timeout, or the ``OSError`` with which asyncpg reports a refused connection. It hands
  connections out first come, first served (:class:`~shop_adapters.sql.pool.FairQueue`).
"""

from __future__ import annotations

import logging
from typing import Any, Final

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.util.queue import QueueCommon

from shop_adapters.sql.pool import FairQueue
from shop_app.shared.errors import (
    PersistenceConflict,
    PersistenceInvalidValue,
    StorageBusy,
    StorageUnavailable,
)
from shop_domain.shared.errors import ConcurrencyConflict, DomainError

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS: Final = 5
"""What a client is told to wait (``Retry-After``) when the database cannot be reached."""
RETRY_BUSY_SECONDS: Final = 2
"""What a client is told to wait when every connection stayed busy (the service is saturated:
a short wait, so that the client comes back soon but not at once)."""

STALE_MESSAGE: Final = "the data was changed by someone else since it was read; reload and retry"


# SQLSTATE classes and codes (PostgreSQL; SQLite reports none)
_CONFLICT_CLASS: Final = "23"
_REFUSED_BY_TRIGGER: Final = "P0001"  # our append-only guards (SQLite: a constraint error)
_INVALID_CLASS: Final = "22"
_ROLLBACK_CLASS: Final = "40"  # serialization failure, deadlock detected
_UNAVAILABLE_CLASSES: Final = frozenset({"08", "53", "58"})  # connection, resources, system
_UNAVAILABLE_CODES: Final = frozenset({"57P01", "57P02", "57P03", "25006"})  # shutdowns, standby


def _unavailable(cause: BaseException) -> StorageUnavailable:
    log.warning("the database is unavailable: %s: %s", type(cause).__name__, cause)
    return StorageUnavailable(
        "the database cannot be reached right now; nothing was done, retry later",
        details={"retry_after_seconds": RETRY_AFTER_SECONDS},
    )


def _busy(cause: sa_exc.TimeoutError) -> StorageBusy:
    log.warning("no database connection came free in time: %s", cause)
    return StorageBusy(
        "the service is busy: no database connection came free in time; nothing was done, "
        "retry shortly",
        details={"retry_after_seconds": RETRY_BUSY_SECONDS},
    )


def _sqlstate(error: sa_exc.DBAPIError) -> str:
    for source in (error.orig, getattr(error.orig, "__cause__", None)):
        state = getattr(source, "sqlstate", None) or getattr(source, "pgcode", None)
        if isinstance(state, str) and len(state) == 5:
            return state
    return ""


def _from_dbapi(error: sa_exc.DBAPIError) -> DomainError | None:
    if error.connection_invalidated:
        return _unavailable(error.orig or error)
    state = _sqlstate(error)
    if state:
        category = state[:2]
        if category == _CONFLICT_CLASS or state == _REFUSED_BY_TRIGGER:
            return PersistenceConflict("the change clashes with existing data")
        if category == _INVALID_CLASS:
            return PersistenceInvalidValue("a value cannot be stored: out of range or malformed")
        if category == _ROLLBACK_CLASS:
            return ConcurrencyConflict(STALE_MESSAGE)
        if category in _UNAVAILABLE_CLASSES or state in _UNAVAILABLE_CODES:
            return _unavailable(error.orig or error)
        return None
    # no SQLSTATE (SQLite): the DBAPI's exception class says it
    if isinstance(error, sa_exc.IntegrityError):
        return PersistenceConflict("the change clashes with existing data")
    if isinstance(error, sa_exc.DataError):
        return PersistenceInvalidValue("a value cannot be stored: out of range or malformed")
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return _unavailable(error.orig or error)
    return None


def translate(error: BaseException) -> DomainError | None:
    """Our error for a persistence failure, or ``None`` when ``error`` is not one we know (it
    is then raised as it is). The one table of the module documentation."""
    if isinstance(error, DomainError):
        return None
    if isinstance(error, sa_exc.DBAPIError):
        return _from_dbapi(error)
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return _busy(error)
    if isinstance(error, OSError):  # a refused or reset connection, a connect timeout
        return _unavailable(error)
    if isinstance(error, OverflowError):  # SQLite's driver: an integer beyond 64 bits
        return PersistenceInvalidValue("a value cannot be stored: out of range or malformed")
    return None


def _on_error(context: ExceptionContext) -> BaseException | None:
    if context.is_pre_ping:  # the pool handles a failed ping by reconnecting
        return None
    return translate(context.sqlalchemy_exception or context.original_exception)


def install(engine: AsyncEngine) -> AsyncEngine:
    """Translate every statement and DBAPI connect error of ``engine``'s connections."""
    event.listen(engine.sync_engine, "handle_error", _on_error, retval=True)
    return engine


class TranslatingPool(AsyncAdaptedQueuePool):
    """A queue pool that hands connections out first come, first served, and whose checkout
    raises our errors: a pool timeout, a refused connection."""

    _queue_class: type[QueueCommon[ConnectionPoolEntry]] = FairQueue[ConnectionPoolEntry]

    def connect(self) -> Any:
        try:
            return super().connect()
        except Exception as exc:
            translated = translate(exc)
            if translated is None:
                raise
            raise translated from exc


__all__ = [
    "RETRY_AFTER_SECONDS",
    "RETRY_BUSY_SECONDS",
    "PersistenceConflict",
    "PersistenceInvalidValue",
    "TranslatingPool",
    "install",
    "translate",
]
