"""Support of the statistics tests: orders submitted, paid, cancelled and refunded through the
runtime, on ``memory://`` (the checkout tests' catalog and address book)."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.unit.ordering.checkout_support import gateway, payments, submit
from tests.unit.pricing.quote_support import USER, Catalog

from shop_app.ordering.orders import CancelOrder
from shop_app.ordering.payments import RefundPayment
from shop_app.ordering.statistics import StatisticsQueries, StatisticsQuery, StatisticsReport
from shop_app.ordering.submit import SubmittedOrder
from shop_domain.ordering.order import CancelReason
from shop_domain.shared.money import Money
from shop_testing.harness import MemoryShop


async def submitted(
    shop: MemoryShop, goods: Catalog, channel: str, user: uuid.UUID = USER
) -> SubmittedOrder:
    made = await shop.runtime.bus.handle(submit(goods, channel=channel, user_id=user))
    assert isinstance(made, SubmittedOrder)
    return made


async def pay(shop: MemoryShop, made: SubmittedOrder, user: uuid.UUID = USER) -> None:
    await payments(shop).pay(
        made.order_id, user, notify_url="https://shop.test/n", return_url="https://x.test/"
    )
    note = gateway(shop).pay(made.payment_number)
    confirmed = await payments(shop).notified(note.headers, note.body)
    assert confirmed is not None
    assert confirmed.outcome == "accepted"


async def cancel(shop: MemoryShop, made: SubmittedOrder, user: uuid.UUID = USER) -> None:
    await shop.runtime.bus.handle(
        CancelOrder(order_id=made.order_id, reason=CancelReason.USER, user_id=user)
    )


async def refund(shop: MemoryShop, made: SubmittedOrder, amount: Money, key: str) -> None:
    await shop.runtime.bus.handle(
        RefundPayment(order_id=made.order_id, key=key, amount=amount, reason="returned")
    )


async def report(
    shop: MemoryShop,
    period: str,
    start: dt.date,
    end: dt.date,
    channel: str | None = None,
) -> StatisticsReport:
    query = StatisticsQuery.of(period, start, end, channel)
    found: StatisticsReport = await shop.runtime.get(StatisticsQueries).figures(query)
    return found
