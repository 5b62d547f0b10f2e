"""Checkout through the runtime (ORD-2, ORD-3, ORD-5, PAY-1, PAY-2, PAY-3): a submission splits
the order by shop and holds its stock; a payment notification pays it once; a cancellation or a
timeout gives everything back and closes the payment."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from tests.unit.ordering.checkout_support import (
    CHECKOUT_CONTEXTS,
    gateway,
    payments,
    stock,
    submit,
)
from tests.unit.pricing.quote_support import APRIL_2, USER, Catalog, build_catalog, quote_settings

from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.driver import recording
from shop_adapters.sql.fulfillment.tables import stock_items
from shop_app.ordering.orders import CancelOrder
from shop_app.ordering.payments import RefundPayment
from shop_app.ordering.queries import OrderQueries
from shop_app.ordering.submit import SubmittedOrder
from shop_domain.ordering.order import CancelReason
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money
from shop_testing.harness import MemoryShop, memory_shop


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(quote_settings(), clock=FixedClock(APRIL_2), contexts=CHECKOUT_CONTEXTS)
    yield made
    await made.close()


@pytest.fixture
async def goods(shop: MemoryShop) -> Catalog:
    made = await build_catalog(shop.runtime.bus, shop)
    await stock(shop.runtime.bus, made)
    return made


async def reserved(shop: MemoryShop) -> dict[uuid.UUID, int]:
    async with shop.engine.connect() as conn:
        rows = (await conn.execute(select(stock_items))).all()
    return {row.sku_id: row.reserved for row in rows}


async def submitted(shop: MemoryShop, goods: Catalog, **fields: object) -> SubmittedOrder:
    made = await shop.runtime.bus.handle(submit(goods, **fields))
    assert isinstance(made, SubmittedOrder)
    return made


@pytest.mark.rule("ORD-3")
async def test_a_submission_splits_by_shop_and_reserves_the_stock(
    shop: MemoryShop, goods: Catalog
) -> None:
    made = await submitted(shop, goods)
    assert made.state == "pending_payment"
    assert made.payable == Money.of("320", "CNY")
    assert made.children == (f"{made.number}-01", f"{made.number}-02")
    assert await reserved(shop) == {goods.phone_sku: 2, goods.laptop_sku: 0, goods.case_sku: 1}
    detail = await shop.runtime.get(OrderQueries).detail(made.order_id)
    assert detail is not None
    assert sorted(c.amounts["payable"] for c in detail.children) == [8000, 24000]
    assert detail.member_level == 0  # ORD-9: the customer's level when they ordered
    assert detail.payment is not None
    assert detail.payment.external == made.payable


@pytest.mark.rule("PAY-2")
async def test_a_notification_pays_the_order_once(shop: MemoryShop, goods: Catalog) -> None:
    made = await submitted(shop, goods)
    page = await payments(shop).pay(
        made.order_id, USER, notify_url="https://shop.test/notify", return_url="https://x.test/"
    )
    assert page.amount == made.payable
    note = gateway(shop).pay(made.payment_number)
    lines_before = await line_ids(shop, made)
    with recording() as sent:
        first = await payments(shop).notified(note.headers, note.body)
    again = await payments(shop).notified(note.headers, note.body)
    assert first is not None
    assert first.outcome == "accepted"
    assert again is not None
    assert again.outcome == "duplicate"
    detail = await shop.runtime.get(OrderQueries).detail(made.order_id)
    assert detail is not None
    assert detail.summary.state == "paid"
    assert {c.state for c in detail.children} == {"pending_shipment"}
    # paying moves the order and its children: its lines are neither read nor written; a
    # pending payment took no money, so it has no refunds to read (decision 0048)
    assert [sql for sql in sent if "order_lines" in sql or "payment_refunds" in sql] == []
    assert await line_ids(shop, made) == lines_before


async def test_an_order_held_with_its_lines_keeps_them_when_locked_for_its_payment(
    shop: MemoryShop, goods: Catalog
) -> None:
    """A payment's lock loads an order without its lines; an order the transaction holds
    already is refreshed whole instead: what it holds is read again, not left unread."""
    made = await submitted(shop, goods)
    async with shop.uow() as uow:
        held = await uow.orders.get(made.order_id)
        lines = sorted(line.line_id for line in held.lines)
        locked = await uow.orders.for_payment(made.payment_number)
        assert locked is held
        assert sorted(line.line_id for line in locked.lines) == lines
        await uow.commit()
    assert await line_ids(shop, made) == lines


async def line_ids(shop: MemoryShop, made: SubmittedOrder) -> list[str]:
    detail = await shop.runtime.get(OrderQueries).detail(made.order_id)
    assert detail is not None
    found = sorted(line.line_id for child in detail.children for line in child.lines)
    assert found  # the order has lines
    return found


@pytest.mark.rule("ORD-5")
async def test_a_cancellation_gives_the_stock_back(shop: MemoryShop, goods: Catalog) -> None:
    made = await submitted(shop, goods)
    await shop.runtime.bus.handle(
        CancelOrder(order_id=made.order_id, reason=CancelReason.USER, user_id=USER)
    )
    assert await reserved(shop) == {goods.phone_sku: 0, goods.laptop_sku: 0, goods.case_sku: 0}
    with pytest.raises(DomainError) as refused:
        await payments(shop).pay(
            made.order_id, USER, notify_url="https://shop.test/n", return_url="https://x.test/"
        )
    assert refused.value.code == "order.invalid_state"


@pytest.mark.rule("ORD-5")
@pytest.mark.rule("PAY-3")
async def test_a_timeout_cancels_and_money_after_it_goes_back(
    shop: MemoryShop, goods: Catalog
) -> None:
    made = await submitted(shop, goods)
    await payments(shop).pay(
        made.order_id, USER, notify_url="https://shop.test/n", return_url="https://x.test/"
    )
    assert await payments(shop).expire_overdue() == 0
    shop.clock.advance(minutes=31)
    assert await payments(shop).expire_overdue() == 1
    assert await reserved(shop) == {goods.phone_sku: 0, goods.laptop_sku: 0, goods.case_sku: 0}
    assert gateway(shop).closed == [made.payment_number]


@pytest.mark.rule("PAY-3")
async def test_the_gateway_payment_is_closed_only_once_the_cancellation_commits(
    shop: MemoryShop, goods: Catalog
) -> None:
    made = await submitted(shop, goods)
    await payments(shop).pay(
        made.order_id, USER, notify_url="https://shop.test/n", return_url="https://x.test/"
    )
    with pytest.raises(DomainError):  # another's cancellation: refused, nothing closed
        await shop.runtime.bus.handle(
            CancelOrder(order_id=made.order_id, reason=CancelReason.USER, user_id=uuid.uuid4())
        )
    assert gateway(shop).closed == []
    await shop.runtime.bus.handle(
        CancelOrder(order_id=made.order_id, reason=CancelReason.USER, user_id=USER)
    )
    assert gateway(shop).closed == [made.payment_number]


@pytest.mark.rule("ORD-4")
@pytest.mark.rule("PAY-5")
async def test_an_order_refunded_in_full_is_closed(shop: MemoryShop, goods: Catalog) -> None:
    made = await submitted(shop, goods)
    await payments(shop).pay(
        made.order_id, USER, notify_url="https://shop.test/n", return_url="https://x.test/"
    )
    note = gateway(shop).pay(made.payment_number)
    await payments(shop).notified(note.headers, note.body)
    bus = shop.runtime.bus
    half = Money.of("100", "CNY")
    await bus.handle(RefundPayment(order_id=made.order_id, key="r1", amount=half, reason="x"))
    detail = await shop.runtime.get(OrderQueries).detail(made.order_id)
    assert detail is not None
    assert detail.summary.state == "paid"  # a part refunded: still paid
    rest = made.payable - half
    await bus.handle(RefundPayment(order_id=made.order_id, key="r2", amount=rest, reason="x"))
    detail = await shop.runtime.get(OrderQueries).detail(made.order_id)
    assert detail is not None
    assert detail.summary.state == "closed"
    assert {child.state for child in detail.children} == {"closed"}
    assert await payments(shop).send_refunds() == 0  # each went to the gateway at its commit
    assert [r.amount for r in gateway(shop).refunds] == [half, rest]


@pytest.mark.rule("ORD-5")
async def test_a_timeout_cancels_only_an_overdue_order(shop: MemoryShop, goods: Catalog) -> None:
    made = await submitted(shop, goods)
    timeout = CancelOrder(order_id=made.order_id, reason=CancelReason.TIMEOUT)
    with pytest.raises(DomainError) as refused:
        await shop.runtime.bus.handle(timeout)
    assert refused.value.code == "order.invalid_state"
    assert (await reserved(shop))[goods.phone_sku] == 2
    shop.clock.advance(minutes=30)
    moved = await shop.runtime.bus.handle(timeout)
    assert moved.changed


@pytest.mark.rule("ORD-5")
@pytest.mark.rule("PAY-1")
async def test_starting_to_pay_is_refused_for_an_unknown_anothers_or_overdue_order(
    shop: MemoryShop, goods: Catalog
) -> None:
    made = await submitted(shop, goods)
    urls = {"notify_url": "https://shop.test/n", "return_url": "https://x.test/"}
    refusals = []
    for order_id, user_id in ((uuid.uuid4(), USER), (made.order_id, uuid.uuid4())):
        with pytest.raises(DomainError) as refused:
            await payments(shop).pay(order_id, user_id, **urls)
        refusals.append(refused.value.code)
    shop.clock.advance(minutes=30)  # its time to pay is over, though no sweep has run yet
    with pytest.raises(DomainError) as late:
        await payments(shop).pay(made.order_id, USER, **urls)
    assert [*refusals, late.value.code] == [
        "order.not_found",
        "order.not_yours",
        "order.invalid_state",
    ]
    assert gateway(shop).created == []  # no gateway payment for any of them
    shop.clock.advance(minutes=-1)
    page = await payments(shop).pay(made.order_id, USER, **urls)
    assert (page.payment_number, page.amount) == (made.payment_number, made.external)
