"""The participation commands (PRO-7) through the bus of a ``memory://`` runtime: all or
nothing per order, idempotent per (order, promotion), released entries count no more, and a
promotion that is not active is refused by name."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tests.unit.pricing.participation_support import DAY, active_promotion, read_books

from shop_adapters.shared.system import FixedClock
from shop_app.pricing.participation import (
    MAX_PROMOTIONS,
    ParticipationRecorded,
    ParticipationReleased,
    RecordParticipation,
    ReleaseParticipation,
)
from shop_app.pricing.participation_ports import ParticipationFilter, ParticipationQueries
from shop_app.shared.paging import PageRequest
from shop_domain.pricing.errors import PromotionNotFound
from shop_domain.pricing.terms import PromotionLimits
from shop_domain.shared.errors import DomainError, InvalidValue
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC)
ALICE, BOB = uuid.UUID(int=0xA11CE), uuid.UUID(int=0xB0B)

pytestmark = pytest.mark.rule("PRO-7")


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(clock=FixedClock(NOW))
    yield made
    await made.close()


async def record(
    shop: MemoryShop, user: uuid.UUID, *promotions: uuid.UUID, order: uuid.UUID | None = None
) -> Any:
    command = RecordParticipation(
        order_id=order or uuid.uuid4(), user_id=user, promotion_ids=tuple(promotions)
    )
    return await shop.runtime.bus.handle(command)


async def refused(
    shop: MemoryShop, user: uuid.UUID, *promotions: uuid.UUID, order: uuid.UUID | None = None
) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await record(shop, user, *promotions, order=order)
    return caught.value


async def test_the_per_user_limit_refuses_the_second_order_and_names_the_promotion(
    shop: MemoryShop,
) -> None:
    gift = await active_promotion(shop.uow, NOW, PromotionLimits(per_user=1))
    first = await record(shop, ALICE, gift)
    assert isinstance(first, ParticipationRecorded)
    assert first.recorded == (gift,)
    assert first.already == ()
    error = await refused(shop, ALICE, gift)
    assert error.code == "promotion.per_user_limit"
    assert error.details["promotion_id"] == str(gift)
    await record(shop, BOB, gift)  # another member still gets it
    books = await read_books(shop.engine)
    assert books.counting[gift] == 2
    assert books.user_counts == {(gift, ALICE): 1, (gift, BOB): 1}


async def test_an_order_is_recorded_all_or_nothing(shop: MemoryShop) -> None:
    free = await active_promotion(shop.uow, NOW, PromotionLimits())
    scarce = await active_promotion(shop.uow, NOW, PromotionLimits(total=1))
    await record(shop, BOB, scarce)
    order = uuid.uuid4()
    error = await refused(shop, ALICE, free, scarce, order=order)
    assert error.code == "promotion.total_limit"
    assert error.details == {"promotion_id": str(scarce), "limit": 1}
    books = await read_books(shop.engine)
    assert books.counting[free] == 0  # the other promotion of the order was not kept
    async with shop.uow() as uow:
        assert await uow.promotion_participations.of_order(order) == []


async def test_recording_an_order_again_changes_nothing(shop: MemoryShop) -> None:
    gift = await active_promotion(shop.uow, NOW, PromotionLimits(per_user=1, total=5))
    other = await active_promotion(shop.uow, NOW, PromotionLimits(total=5))
    order = uuid.uuid4()
    await record(shop, ALICE, gift, order=order)
    again = await record(shop, ALICE, gift, other, gift, order=order)
    assert again.recorded == (other,)
    assert again.already == (gift,)
    third = await record(shop, ALICE, other, gift, order=order)
    assert third.recorded == ()
    assert third.already == tuple(sorted((gift, other)))
    books = await read_books(shop.engine)
    assert books.totals == {gift: 1, other: 1}
    error = await refused(shop, BOB, gift, order=order)  # the order is Alice's
    assert error.code == "promotion.participation_conflict"


async def test_a_released_order_counts_no_more_and_releasing_again_releases_nothing(
    shop: MemoryShop,
) -> None:
    gift = await active_promotion(shop.uow, NOW, PromotionLimits(per_user=1, total=1))
    order = uuid.uuid4()
    await record(shop, ALICE, gift, order=order)
    assert (await refused(shop, BOB, gift)).code == "promotion.total_limit"
    released = await shop.runtime.bus.handle(ReleaseParticipation(order_id=order))
    assert released == ParticipationReleased(order_id=order, released=(gift,))
    again = await shop.runtime.bus.handle(ReleaseParticipation(order_id=order))
    assert again.released == ()
    assert (await refused(shop, ALICE, gift, order=order)).code == (
        "promotion.participation_conflict"
    )  # a cancelled order is not recorded again
    await record(shop, ALICE, gift)  # her new order takes the place back
    books = await read_books(shop.engine)
    assert books.counting[gift] == 1
    assert books.released[gift] == 1
    assert books.totals == {gift: 1}
    assert books.user_counts == {(gift, ALICE): 1}
    queries = shop.runtime.get(ParticipationQueries)
    counts = await queries.counts(gift, ALICE)
    assert (counts.taken, counts.released, counts.users, counts.user_taken) == (1, 1, 1, 1)
    page = await queries.log(gift, ParticipationFilter(), PageRequest(1, 10))
    assert page.total == 2
    assert [entry.counts for entry in page.items].count(False) == 1


async def test_a_promotion_not_active_is_refused_by_name(shop: MemoryShop) -> None:
    later = await active_promotion(shop.uow, NOW + 3 * DAY, PromotionLimits())  # not begun
    now_on = await active_promotion(shop.uow, NOW, PromotionLimits())
    error = await refused(shop, ALICE, now_on, later)
    assert error.code == "promotion.not_active"
    assert error.details["promotion_id"] == str(later)
    missing = uuid.uuid4()
    with pytest.raises(PromotionNotFound):
        await record(shop, ALICE, now_on, missing)
    assert (await read_books(shop.engine)).counting[now_on] == 0


@pytest.mark.parametrize("count", [0, MAX_PROMOTIONS + 1])
async def test_an_order_records_a_bounded_number_of_promotions(
    shop: MemoryShop, count: int
) -> None:
    with pytest.raises(InvalidValue):
        await record(shop, ALICE, *(uuid.uuid4() for _ in range(count)))
