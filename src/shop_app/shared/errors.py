"""Errors raised by the application layer (the domain's errors pass through unchanged)."""

from __future__ import annotations

from shop_domain.shared.errors import Conflict, DomainError, Forbidden


class IdempotencyKeyReused(Conflict):
    """The same idempotency key came back with a different request (SEC-5)."""

    code = "idempotency.key_reused"


class IdempotencyKeyInUse(Conflict):
    """Another transaction stored an outcome for this key first (a concurrent retry)."""

    code = "idempotency.in_progress"


class PermissionRequired(Forbidden):
    code = "auth.permission_required"


class StorageUnavailable(DomainError):
    """The database cannot be reached right now (a lost connection, a server down): nothing was
    done, and the same request may succeed later. An HTTP adapter answers 503 with
    ``Retry-After`` (``details["retry_after_seconds"]``)."""

    code = "storage.unavailable"
    kind = "unavailable"
