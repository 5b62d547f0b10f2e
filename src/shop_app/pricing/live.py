"""The live promotions of this process: a :class:`~shop_domain.pricing.live.PromotionIndex` of
every promotion that holds goods (scheduled or paused), kept in step with the database in every
process (ADR 0034).

A quote asks :meth:`LivePromotions.candidates` and reads no promotion from the database. The
index is kept current from a *feed* (:class:`LivePromotionSource`): a number that moves on with
every committed change of a promotion, in any process, and the promotions each number was for.

- **At start** (:meth:`LivePromotions.start`, a start-up step of the runtime): the number is
  read first, then every promotion that holds goods — so a change committed in between is
  applied again later, never missed.
- **Before a quote**, when the last check began ``max_lag`` seconds ago or more, the number is
  read again (one single-row read; concurrent quotes share it, each joining a read that begins
  after it arrived). The same number: nothing changed, nothing else is read. A new one: the
  promotions changed since are read again by id and put in the index — or taken out, when they
  no longer hold goods (ended, or gone). A hole in the numbers (changes dropped, a TRUNCATE, a
  feed reset by hand) loads everything again.
- **Staleness bound.** A quote sees every promotion change committed before the start of a
  check that began at most ``max_lag`` seconds before the quote (default 0.1 s; 0: every quote
  checks). A promotion starting or stopping with its window needs no change at all: the index
  reads :meth:`~shop_domain.pricing.promotion.Promotion.status_at` at the quote's moment.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Callable, Collection, Iterable
from typing import Protocol

from shop_domain.pricing.conflicts import HOLDING
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.live import PromotionIndex
from shop_domain.pricing.promotion import Promotion
from shop_domain.pricing.terms import Channel


class LivePromotionSource(Protocol):
    """The promotions as stored, read outside any unit of work (no lock taken)."""

    async def stamp(self) -> int | None:
        """The feed's number: it moves on by one with every committed change of a promotion
        (``None`` when the store keeps none yet)."""
        ...

    async def changes(self, after: int) -> list[tuple[int, uuid.UUID]]:
        """``(number, promotion id)`` of every change numbered above ``after`` still kept, in
        order (a promotion changed twice comes twice)."""
        ...

    async def holding(self) -> list[Promotion]:
        """Every promotion whose stored status holds goods (scheduled or paused), by id."""
        ...

    async def of(self, ids: Collection[uuid.UUID]) -> list[Promotion]:
        """The promotions of ``ids`` that exist, whatever their status."""
        ...


class LivePromotions:
    def __init__(
        self,
        source: LivePromotionSource,
        *,
        max_lag: float = 0.1,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_lag < 0:
            raise ValueError("max_lag is zero or more seconds")
        self._source = source
        self.max_lag = max_lag
        self._monotonic = monotonic
        self._index = PromotionIndex()
        self._seq: int | None = None
        self._loaded = False
        self._checked_at: float | None = None  # when the last check that succeeded began
        self._next: asyncio.Future[None] | None = None
        self._runner: asyncio.Task[None] | None = None
        self.reloads = 0
        """How many times everything was loaded (at start, and after a hole in the feed)."""

    # --- reading ------------------------------------------------------------------------------
    async def candidates(
        self, items: Iterable[ItemFacts], at: dt.datetime, channel: Channel
    ) -> list[Promotion]:
        """The promotions active at ``at`` on ``channel`` that cover one of ``items`` at least,
        by id (:meth:`PromotionIndex.candidates`), from an index at most ``max_lag`` behind."""
        return (await self.current()).candidates(items, at, channel)

    async def current(self) -> PromotionIndex:
        """The index, checked against the feed first if the last check is ``max_lag`` old.
        Treat it as read-only."""
        checked = self._checked_at
        if checked is None or self._monotonic() - checked >= self.max_lag:
            await self.refresh()
        return self._index

    @property
    def source(self) -> LivePromotionSource:
        """Where the index is kept current from (for tests and diagnostics)."""
        return self._source

    @property
    def index(self) -> PromotionIndex:
        """The index as it is, unchecked (for tests and diagnostics)."""
        return self._index

    # --- keeping it current -------------------------------------------------------------------
    async def start(self) -> None:
        """Load the index now (the runtime's start step): the first quote then finds it
        ready, and a database that cannot be read stops the start."""
        await self.refresh()

    async def refresh(self) -> None:
        """Check the feed now: join the next check, one that begins after this call."""
        loop = asyncio.get_running_loop()
        if self._next is None:
            self._next = loop.create_future()
        answer = self._next
        if self._runner is None or self._runner.done():
            self._runner = loop.create_task(self._run())
        await asyncio.shield(answer)  # a quote that goes away does not cancel the others'

    async def _run(self) -> None:
        while self._next is not None:
            answer, self._next = self._next, None
            began = self._monotonic()
            try:
                await self._check()
            except Exception as exc:
                answer.set_exception(exc)
                answer.exception()  # retrieved: waiters that went away leave no warning
            else:
                self._checked_at = began
                answer.set_result(None)

    async def _check(self) -> None:
        if not self._loaded:
            await self._reload()
            return
        seq = await self._source.stamp()
        if seq == self._seq:
            return
        if seq is None or self._seq is None or seq < self._seq:
            await self._reload()
            return
        changes = await self._source.changes(self._seq)
        expected = self._seq + 1
        for number, _ in changes:
            if number != expected:
                break
            expected += 1
        if expected <= seq or len(changes) != expected - self._seq - 1:
            await self._reload()  # a hole: changes were dropped, or the feed was reset
            return
        changed = {promotion_id for _, promotion_id in changes}
        found = {promotion.id: promotion for promotion in await self._source.of(changed)}
        for promotion_id in changed:
            promotion = found.get(promotion_id)
            if promotion is not None and promotion.status in HOLDING:
                self._index.put(promotion)
            else:
                self._index.remove(promotion_id)
        self._seq = expected - 1

    async def _reload(self) -> None:
        seq = await self._source.stamp()  # first: a change made while loading is seen again
        self._index = PromotionIndex(await self._source.holding())
        self._seq = seq
        self._loaded = True
        self.reloads += 1


__all__ = ["LivePromotionSource", "LivePromotions"]
