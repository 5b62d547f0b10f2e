"""LivePromotions against a feed of the test's own: changes applied one by one, a hole loads
everything again, a failed check fails the quote and the next one checks again, the lag is
honoured."""

from __future__ import annotations

import uuid
from collections.abc import Collection

import pytest
from tests.unit.pricing.promotion_builders import APRIL, DAY_BEFORE, item, promotion

from shop_app.pricing.live import LivePromotions
from shop_app.shared.errors import StorageUnavailable
from shop_domain.pricing.promotion import Promotion
from shop_domain.pricing.terms import Channel, TargetKind, Targets

INSIDE = APRIL.replace(day=10)


class Feed:
    def __init__(self) -> None:
        self.stored: dict[uuid.UUID, Promotion] = {}
        self.seq = 100
        self.log: list[tuple[int, uuid.UUID]] = []
        self.reads: list[str] = []
        self.down = False

    def write(self, made: Promotion) -> None:
        self.stored[made.id] = made
        self.seq += 1
        self.log.append((self.seq, made.id))

    async def stamp(self) -> int | None:
        if self.down:
            raise StorageUnavailable("down")
        self.reads.append("stamp")
        return self.seq

    async def changes(self, after: int) -> list[tuple[int, uuid.UUID]]:
        self.reads.append("changes")
        return [change for change in self.log if change[0] > after]

    async def holding(self) -> list[Promotion]:
        self.reads.append("holding")
        return [p for p in self.stored.values() if p.status.value in ("scheduled", "paused")]

    async def of(self, ids: Collection[uuid.UUID]) -> list[Promotion]:
        self.reads.append("of")
        return [self.stored[i] for i in ids if i in self.stored]


def on_sku(n: int, sku: int) -> Promotion:
    made = promotion(n, targets=Targets(TargetKind.SKU, frozenset({item(sku).sku_id})))
    made.schedule(DAY_BEFORE, clashes=[])
    return made


async def ids(live: LivePromotions, *skus: int) -> list[uuid.UUID]:
    return [p.id for p in await live.candidates([item(s) for s in skus], INSIDE, Channel.APP)]


async def test_changes_are_applied_one_by_one_and_a_hole_loads_everything() -> None:
    feed = Feed()
    first = on_sku(1, 1)
    feed.write(first)
    live = LivePromotions(feed, max_lag=0)
    await live.start()
    assert feed.reads == ["stamp", "holding"]
    second = on_sku(2, 2)
    feed.write(second)
    assert await ids(live, 1, 2) == [first.id, second.id]
    assert feed.reads[2:] == ["stamp", "changes", "of"]
    first.end(INSIDE, ended_by="op")
    feed.write(first)
    assert await ids(live, 1, 2) == [second.id]
    assert live.reloads == 1
    dropped = on_sku(4, 4)
    feed.write(dropped)
    del feed.log[-1]  # its change is gone (dropped, long ago): a hole before the next
    third = on_sku(3, 3)
    feed.write(third)
    assert await ids(live, 1, 2, 3, 4) == [second.id, third.id, dropped.id]
    assert live.reloads == 2


async def test_a_failed_check_fails_the_quote_and_the_next_one_checks_again() -> None:
    feed = Feed()
    live = LivePromotions(feed, max_lag=0)
    await live.start()
    made = on_sku(1, 1)
    feed.write(made)
    feed.down = True
    with pytest.raises(StorageUnavailable):
        await ids(live, 1)
    feed.down = False
    assert await ids(live, 1) == [made.id]


async def test_within_the_lag_nothing_is_read() -> None:
    now = [0.0]
    feed = Feed()
    live = LivePromotions(feed, max_lag=0.5, monotonic=lambda: now[0])
    await live.start()
    made = on_sku(1, 1)
    feed.write(made)
    now[0] = 0.49
    assert await ids(live, 1) == []
    assert feed.reads == ["stamp", "holding"]
    now[0] = 0.5
    assert await ids(live, 1) == [made.id]


def test_a_negative_lag_is_refused() -> None:
    with pytest.raises(ValueError, match="max_lag"):
        LivePromotions(Feed(), max_lag=-1)
