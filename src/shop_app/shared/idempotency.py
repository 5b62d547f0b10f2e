"""Idempotency keys (SEC-5) as a bus middleware: a retried command answers its first outcome.

``bus.handle(command, idempotency_key=key, idempotency_owner=owner)``: the first attempt runs the
handler and stores its encoded result under ``(command type : owner, key)`` in the command's own
transaction, so the record exists exactly when the command committed; a retry finds the record,
runs nothing and answers the stored result (the first attempt's answer is decoded from what was
stored too, so both are the same). The same key with a different command (by fingerprint) is
refused, ``idempotency.key_reused``. Two attempts racing with one key: the one that stores second
fails on the store's unique key, rolls back and answers the winner's outcome.

Every command takes a key unless its type says ``idempotent: ClassVar[bool] = False`` (a command
whose handler works in stores of its own and keeps no transaction open, such as a request for a
one-time code); such a command given a key is refused, ``idempotency.not_supported``, rather than
silently not protected.

This is the *request* level of idempotency. Business keys that the aggregates keep themselves — a
claim's acquisition key, a sale reference, a restore key, a spend per order, a campaign key —
are the other level, decided by the aggregates under their own locks (see decision 0027).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shop_app.shared import codec
from shop_app.shared.errors import (
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    IdempotencyNotSupported,
)
from shop_app.shared.middleware import Call, Middleware, Proceed, ProceedInside
from shop_app.shared.ports import StoredOutcome

if TYPE_CHECKING:
    from shop_app.shared.unit_of_work import UnitOfWork


def takes_idempotency_key(command_type: type) -> bool:
    """``False`` for a command type that declares ``idempotent = False``."""
    return getattr(command_type, "idempotent", True) is not False


def _scope(call: Call) -> str:
    return f"{type(call.message).__qualname__}:{call.idempotency_owner}"


def _replay(stored: StoredOutcome, digest: str) -> Any:
    if stored.fingerprint != digest:
        raise IdempotencyKeyReused("this idempotency key was already used for a different request")
    return codec.decode(stored.result)


class Idempotency(Middleware):
    """SEC-5 for every command that takes a key (see the module documentation). The bus puts it
    innermost outside the transaction, so that the checks before it (limits, codes) run on
    every attempt, retries included, as they did before a key was ever seen."""

    async def outside(self, call: Call, proceed: Proceed) -> Any:
        if not call.idempotency_key:
            return await proceed(call)
        if not takes_idempotency_key(type(call.message)):
            raise IdempotencyNotSupported(
                f"{type(call.message).__name__} does not take an idempotency key"
            )
        try:
            return await proceed(call)
        except IdempotencyKeyInUse:
            # a concurrent attempt with the same key committed first: answer with its outcome
            async with call.bus.unit_of_work() as again:
                stored = await again.idempotency.get(_scope(call), call.idempotency_key)
            if stored is None:  # pragma: no cover - the winner's row is committed by now
                raise
            call.replayed = True
            return _replay(stored, codec.fingerprint(call.message))

    async def inside(self, call: Call, uow: UnitOfWork, proceed: ProceedInside) -> Any:
        key = call.idempotency_key
        if not key:
            return await proceed(call, uow)
        scope = _scope(call)
        digest = codec.fingerprint(call.message)
        stored = await uow.idempotency.get(scope, key)
        if stored is not None:
            call.replayed = True
            return _replay(stored, digest)
        result = await proceed(call, uow)
        encoded = codec.encode(result)
        await uow.idempotency.put(scope, key, StoredOutcome(digest, encoded, uow.clock.now()))
        return codec.decode(encoded)  # answer exactly what a retry will get back


__all__ = ["Idempotency", "takes_idempotency_key"]
