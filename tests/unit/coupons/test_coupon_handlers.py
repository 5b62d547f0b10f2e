"""The order-facing and acquisition handlers through the bus, on a ``memory://`` runtime."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from tests.unit.coupons.coupon_builders import NOW, cash, definition

from shop_adapters.shared.system import FixedClock
from shop_app.coupons import commands as c
from shop_app.coupons.claiming import ClaimRefused, claim_batching
from shop_app.coupons.handlers import coupon_command_handlers
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.results import Acquired, Refused
from shop_app.coupons.segments import parse_segment
from shop_app.shared.messagebus import MessageBus
from shop_domain.coupons import CouponState, CouponTerms, Limits
from shop_domain.shared.errors import DomainError
from shop_testing.harness import MemoryShop, memory_shop

USER = uuid.UUID("00000000-0000-7000-8000-0000000000f1")


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    shop = memory_shop(clock=FixedClock(NOW))
    yield shop
    await shop.close()


@pytest.fixture
def bus(shop: MemoryShop) -> MessageBus:
    return MessageBus(shop.uow, coupon_command_handlers(CouponPolicy()))


async def _template(bus: MessageBus, *, stackable: bool) -> uuid.UUID:
    template_id: uuid.UUID = await bus.handle(
        c.CreateTemplate(
            definition=definition(
                terms=CouponTerms(benefit=cash(), stackable=stackable),
                limits=Limits(10, per_user=None, per_user_per_day=None),
            ),
            created_by="op",
        )
    )
    await bus.handle(c.ActivateTemplate(template_id=template_id))
    return template_id


async def _coupon(bus: MessageBus, *, stackable: bool) -> uuid.UUID:
    template_id = await _template(bus, stackable=stackable)
    [answer] = await bus.handle(
        c.ClaimBatch(
            template_id=template_id,
            claims=(c.ClaimCoupon(template_id=template_id, user_id=USER),),
        )
    )
    assert isinstance(answer, Acquired)
    return answer.coupon_id


async def _states(shop: MemoryShop, ids: list[uuid.UUID]) -> list[str]:
    async with shop.uow() as uow:
        return [(await uow.coupons.get(i)).state.value for i in ids]


async def _refusal(bus: MessageBus, command: object) -> str:
    with pytest.raises(DomainError) as refused:
        await bus.handle(command)
    return refused.value.code


@pytest.mark.rule("CPN-8")
async def test_a_non_stackable_coupon_goes_on_an_order_alone(
    shop: MemoryShop, bus: MessageBus
) -> None:
    alone, other = await _coupon(bus, stackable=False), await _coupon(bus, stackable=True)
    lock = c.LockCoupons(order_id=uuid.uuid4(), user_id=USER, coupon_ids=(alone, other))
    assert await _refusal(bus, lock) == "coupon.not_stackable"
    assert await _states(shop, [alone, other]) == ["available", "available"]
    alone_lock = c.LockCoupons(order_id=uuid.uuid4(), user_id=USER, coupon_ids=(alone,))
    assert (await bus.handle(alone_lock)).coupons[0].coupon_id == alone


@pytest.mark.rule("CPN-8")
async def test_stackable_coupons_combine(shop: MemoryShop, bus: MessageBus) -> None:
    first, second = await _coupon(bus, stackable=True), await _coupon(bus, stackable=True)
    order = uuid.uuid4()
    await bus.handle(c.LockCoupons(order_id=order, user_id=USER, coupon_ids=(first, second)))
    assert await _states(shop, [first, second]) == ["locked", "locked"]


@pytest.mark.rule("CPN-5")
async def test_locking_is_all_or_nothing(shop: MemoryShop, bus: MessageBus) -> None:
    good, used = await _coupon(bus, stackable=True), await _coupon(bus, stackable=True)
    await bus.handle(c.LockCoupons(order_id=uuid.uuid4(), user_id=USER, coupon_ids=(used,)))
    lock = c.LockCoupons(order_id=uuid.uuid4(), user_id=USER, coupon_ids=(good, used))
    assert await _refusal(bus, lock) == "coupon.not_available"
    assert await _states(shop, [good, used]) == ["available", "locked"]
    missing = c.LockCoupons(order_id=uuid.uuid4(), user_id=USER, coupon_ids=(good, uuid.uuid4()))
    assert await _refusal(bus, missing) == "coupon.not_found"
    assert await _states(shop, [good]) == [CouponState.AVAILABLE.value]


@pytest.mark.rule("CPN-5")
async def test_an_order_holding_other_coupons_locks_no_more_until_they_are_released(
    shop: MemoryShop, bus: MessageBus
) -> None:
    held, more = await _coupon(bus, stackable=True), await _coupon(bus, stackable=True)
    order = uuid.uuid4()
    await bus.handle(c.LockCoupons(order_id=order, user_id=USER, coupon_ids=(held,)))
    other = c.LockCoupons(order_id=order, user_id=USER, coupon_ids=(more,))
    assert await _refusal(bus, other) == "coupon.order_conflict"
    assert await _states(shop, [held, more]) == ["locked", "available"]
    both = c.LockCoupons(order_id=order, user_id=USER, coupon_ids=(held, more))
    answer = await bus.handle(both)  # the held one asked for again, with another
    assert [o.coupon_id for o in answer.coupons] == [held, more]
    assert await _states(shop, [held, more]) == ["locked", "locked"]


@pytest.mark.rule("CPN-2")
async def test_a_bad_key_refuses_its_own_claim_only(bus: MessageBus) -> None:
    template_id = await _template(bus, stackable=True)
    answers = await bus.handle(
        c.ClaimBatch(
            template_id=template_id,
            claims=(
                c.ClaimCoupon(template_id=template_id, user_id=USER, key="k" * 101),
                c.ClaimCoupon(template_id=template_id, user_id=USER, key="ok"),
                c.ClaimCoupon(template_id=template_id, user_id=USER, key="ok"),
            ),
        )
    )
    assert isinstance(answers[0], Refused)
    assert answers[0].code == "validation.invalid_value"
    assert isinstance(answers[1], Acquired)
    assert not answers[1].replayed
    assert isinstance(answers[2], Acquired)
    assert answers[2].replayed
    assert answers[2].coupon_id == answers[1].coupon_id


async def _limited_template(bus: MessageBus, total: int) -> uuid.UUID:
    template_id: uuid.UUID = await bus.handle(
        c.CreateTemplate(
            definition=definition(limits=Limits(total, per_user=1, per_user_per_day=None)),
            created_by="op",
        )
    )
    await bus.handle(c.ActivateTemplate(template_id=template_id))
    return template_id


@pytest.mark.rule("CPN-2")
@pytest.mark.parametrize("batched", [False, True])
async def test_a_claim_answers_alike_alone_or_batched(shop: MemoryShop, batched: bool) -> None:
    """``ClaimCoupon`` has a handler of its own (a batch of one); the bus's claim batching sends
    ``ClaimBatch`` instead. Either way a claim gets its coupon, its retry the same coupon, and a
    refusal the rule's code."""
    bus = MessageBus(
        shop.uow,
        coupon_command_handlers(CouponPolicy()),
        middlewares=[claim_batching()] if batched else [],
    )
    template_id = await _limited_template(bus, total=2)
    first = c.ClaimCoupon(template_id=template_id, user_id=USER, key="k1")
    got = await bus.handle(first)
    assert isinstance(got, Acquired)
    assert not got.replayed
    again = await bus.handle(first)
    assert (again.coupon_id, again.replayed) == (got.coupon_id, True)
    with pytest.raises(ClaimRefused) as refused:
        await bus.handle(c.ClaimCoupon(template_id=template_id, user_id=USER, key="k2"))
    assert (refused.value.code, refused.value.kind) == ("coupon.per_user_limit", "conflict")
    others = [uuid.uuid4() for _ in range(3)]
    answers = await asyncio.gather(
        *(bus.handle(c.ClaimCoupon(template_id=template_id, user_id=u)) for u in others),
        return_exceptions=True,
    )
    assert [type(a).__name__ for a in answers] == ["Acquired", "ClaimRefused", "ClaimRefused"]
    assert {a.code for a in answers if isinstance(a, ClaimRefused)} == {"coupon.sold_out"}


@pytest.mark.rule("CPN-3")
def test_only_the_first_line_of_a_segment_may_be_a_header() -> None:
    user = uuid.uuid4()
    assert list(parse_segment(["user_id", str(user)])) == [user]
    with pytest.raises(DomainError) as bad:
        list(parse_segment([str(user), "id"]))
    assert bad.value.details["line"] == 2
