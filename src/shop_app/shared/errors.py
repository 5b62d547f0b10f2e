"""Errors raised by the application layer (the domain's errors pass through unchanged)."""

from __future__ import annotations

from shop_domain.shared.errors import Conflict, DomainError, Forbidden, InvalidValue


class IdempotencyKeyReused(Conflict):
    """The same idempotency key came back with a different request (SEC-5)."""

    code = "idempotency.key_reused"


class IdempotencyKeyInUse(Conflict):
    """Another transaction stored an outcome for this key first (a concurrent retry)."""

    code = "idempotency.in_progress"


class IdempotencyNotSupported(InvalidValue):
    """An idempotency key came with a command whose type takes none (``idempotent = False``)."""

    code = "idempotency.not_supported"


class PermissionRequired(Forbidden):
    code = "auth.permission_required"


class StorageUnavailable(DomainError):
    """The database cannot be reached right now (a lost connection, a server down): nothing was
    done, and the same request may succeed later. An HTTP adapter answers 503 with
    ``Retry-After`` (``details["retry_after_seconds"]``)."""

    code = "storage.unavailable"
    kind = "unavailable"


class StorageBusy(DomainError):
    """Every database connection stayed in use for longer than the request may wait for one
    (``SHOP_DATABASE_POOL_WAIT``): the service is saturated, nothing was done, and the same
    request may succeed a moment later. An HTTP adapter answers 503 with ``Retry-After``
    (``details["retry_after_seconds"]``)."""

    code = "storage.busy"
    kind = "unavailable"


class PersistenceConflict(Conflict):
    """The change clashes with data already stored (a unique or foreign key constraint, or an
    append-only table refusing a change)."""

    code = "persistence.conflict"


class PersistenceInvalidValue(InvalidValue):
    """A value is out of what the database can store (its range, size or characters). The
    HTTP edge validates these first; this is the defence behind it."""

    code = "persistence.invalid_value"
