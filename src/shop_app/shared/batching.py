"""Batching of hot commands as a bus middleware.

Some commands queue behind one lock whatever we do: every claim of a coupon template locks the
template row (that is what keeps the total exact). One transaction per command then spends most
of its time waiting for the row. :class:`Batching` queues such commands per lock inside the
process and lets one worker per lock send whatever has queued up — up to ``max_batch`` commands —
as one *batch command* through the bus: one lock, one commit, many commands. Under light load a
batch holds one command and nothing waits; under heavy load batches fill up and throughput grows
with them.

A :class:`BatchRule` says, for one command type, which lock a command queues for (``key``), how
queued commands become the batch command (``batch``), and how the batch's answer splits back
into one answer per command (``split``: a result, or an exception to raise to that caller).
The batch command is an ordinary command with its own handler, sent without an actor: it passes
through the middlewares its own type opts into.

A command sent with an idempotency key or by an operator (audited) is not batched: it goes to
its own handler, which must decide it alone exactly as a batch of one would be decided.

Exactness does not depend on the batching: several processes may each batch, and the lock (or
the version check) still serialises their batches. A batch that meets a concurrency conflict is
sent again (``retries`` times, with a short backoff); any other failure of the whole batch is
every queued command's answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable, Sequence
from typing import Any, Protocol

import attrs

from shop_app.shared.audit import is_audited
from shop_app.shared.middleware import Call, Dispatcher, Middleware, Proceed
from shop_domain.shared.errors import ConcurrencyConflict, DomainError

log = logging.getLogger(__name__)


class BatchRule(Protocol):
    """How commands of :attr:`command_type` are batched."""

    @property
    def command_type(self) -> type: ...

    def key(self, command: Any) -> Hashable:
        """What ``command`` queues for (commands with equal keys share a batch)."""
        ...

    def batch(self, key: Any, commands: Sequence[Any]) -> object:
        """The batch command deciding ``commands`` (all queued for ``key``), in order."""
        ...

    def split(self, result: Any) -> Sequence[Any | BaseException]:
        """One answer per command of the batch, in order: a result, or an exception."""
        ...


@attrs.define
class _Pending:
    command: Any
    answer: asyncio.Future[Any]


class Batching(Middleware):
    """Batches the commands of one :class:`BatchRule` (see the module documentation)."""

    def __init__(self, rule: BatchRule, *, max_batch: int = 200, retries: int = 5) -> None:
        if max_batch < 1:
            raise ValueError("max_batch is at least 1")
        self._rule = rule
        self._max_batch = max_batch
        self._retries = retries
        self._queues: dict[Hashable, list[_Pending]] = {}
        self._workers: dict[Hashable, asyncio.Task[None]] = {}

    def applies_to(self, command_type: type) -> bool:
        return command_type is self._rule.command_type

    async def outside(self, call: Call, proceed: Proceed) -> Any:
        if call.idempotency_key or (call.actor is not None and is_audited(call.actor)):
            return await proceed(call)
        key = self._rule.key(call.message)
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(key, []).append(_Pending(call.message, answer))
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(
                self._drain(call.bus, key), name=f"batch:{self._rule.command_type.__name__}:{key}"
            )
        return await answer

    async def _drain(self, bus: Dispatcher, key: Hashable) -> None:
        try:
            while queue := self._queues.get(key):
                batch = queue[: self._max_batch]
                del queue[: len(batch)]
                await self._decide(bus, key, batch)
        finally:
            self._queues.pop(key, None)
            self._workers.pop(key, None)

    async def _decide(self, bus: Dispatcher, key: Hashable, batch: list[_Pending]) -> None:
        command = self._rule.batch(key, [pending.command for pending in batch])
        for attempt in range(self._retries + 1):
            try:
                result = await bus.handle(command)
                break
            except ConcurrencyConflict:
                if attempt == self._retries:
                    return self._fail(batch, ConcurrencyConflict("the batch could not be decided"))
                await asyncio.sleep(0.005 * 2**attempt)
            except Exception as exc:  # the whole batch failed: every command gets the error
                if not isinstance(exc, DomainError):
                    log.exception("a batch of %s failed", type(command).__name__)
                return self._fail(batch, exc)
        for pending, answer in zip(batch, self._rule.split(result), strict=True):
            if pending.answer.done():  # its caller went away
                continue
            if isinstance(answer, BaseException):
                pending.answer.set_exception(answer)
            else:
                pending.answer.set_result(answer)
        return None

    @staticmethod
    def _fail(batch: list[_Pending], error: BaseException) -> None:
        for pending in batch:
            if not pending.answer.done():
                pending.answer.set_exception(error)


__all__ = ["BatchRule", "Batching"]
