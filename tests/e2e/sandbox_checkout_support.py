"""Support of the sandbox checkout test: the sandbox gateway and our app, each served for real
(uvicorn in this process, on a free port), our app paying through the sandbox
(``SHOP_PAYMENT_GATEWAY=sandbox``), both on one :class:`FixedClock` (signatures and payment
windows agree); a customer with an address, a promotion, a coupon, points and a gift card,
all arranged through commands; and what a test reads of the holds.

The goods (``quote_support``): phones of ``SHOP`` at 120.00 with 直降 10.00 each, a case of
``OTHER_SHOP`` at 80.00; the coupon 满100减20; 1000 points (500 pay 5.00); a 100.00 gift card.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import httpx
from sqlalchemy import select
from tests.e2e.catalog_support import bearer
from tests.integration.test_sandbox_gateway import FAST, SECRET, serving
from tests.unit.giftcards.giftcard_builders import OWNER, definition, window
from tests.unit.ordering.checkout_support import stock
from tests.unit.pricing.quote_support import (
    APRIL,
    APRIL_2,
    MAY,
    OPERATOR,
    USER,
    Catalog,
    build_catalog,
    claimed,
    direct,
    scheduled,
    threshold_coupon,
)

from shop_adapters.http import create_app
from shop_adapters.http.ordering import CART_CONTROLLERS, ORDERING_CONTROLLERS
from shop_adapters.payments.settings import PaymentGatewaySettings
from shop_adapters.plugins.pricing_live import LiveSettings
from shop_adapters.sandbox_gateway import Awkwardness, Sandbox, SandboxConfig, create_sandbox_app
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.fulfillment.tables import stock_items
from shop_app.coupons.queries import CouponQueries, UsageFilter
from shop_app.giftcards import commands as gc
from shop_app.giftcards.queries import GiftCardQueries
from shop_app.loyalty.commands import AdjustPoints
from shop_app.loyalty.queries import PointsQueries
from shop_app.pricing.participation_ports import ParticipationQueries
from shop_app.shared.paging import PageRequest
from shop_testing.harness import MemoryShop, memory_shop

ADDRESS = {
    "recipient": "Li Lei",
    "phone": "138 0013 1234",
    "province": "310000",
    "city": "310100",
    "district": "310104",
    "detail": "88 Caoxi Road",
}


@attrs.frozen
class Holds:
    """What an order holds elsewhere, as the other contexts tell it."""

    reserved: dict[uuid.UUID, int]
    coupon: str
    coupon_log: list[str]
    points: tuple[int, int]
    """(available, held)."""
    card: str
    promotion: tuple[int, int]
    """The promotion's participations: (counting, released)."""


@attrs.define
class World:
    shop: MemoryShop
    sandbox: Sandbox
    sandbox_url: str
    url: str
    http: httpx.AsyncClient
    goods: Catalog
    promotion: uuid.UUID
    coupon: uuid.UUID
    card: uuid.UUID
    address: str = ""

    @property
    def clock(self) -> FixedClock:
        return self.shop.clock

    @property
    def me(self) -> dict[str, str]:
        return bearer(self.shop.runtime.settings, str(USER), "customer")

    @property
    def operator(self) -> dict[str, str]:
        return bearer(self.shop.runtime.settings, "op-orders", "operator", "orders.read")

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("headers", self.me)
        return await self.http.request(method, f"{self.url}{path}", **kwargs)

    def checkout(self, **fields: Any) -> dict[str, Any]:
        """Two phones of ``SHOP``, a case of ``OTHER_SHOP``, the coupon, 500 points, and 60.00
        of the gift card, to the customer's address."""
        return {
            "items": [
                {"sku_id": str(self.goods.phone_sku), "quantity": 2},
                {"sku_id": str(self.goods.case_sku), "quantity": 1},
            ],
            "address_id": self.address,
            "coupons": [str(self.coupon)],
            "points": 500,
            "card_ids": [str(self.card)],
            "gift_card": cny("60.00"),
            **fields,
        }

    async def submitted(self) -> dict[str, Any]:
        confirmed = await self.call("POST", "/checkout/confirm", json=self.checkout())
        assert confirmed.status_code == 200, confirmed.text
        payable = confirmed.json()["summary"]["payable"]
        made = await self.call("POST", "/orders", json=self.checkout(expected_payable=payable))
        assert made.status_code == 201, made.text
        order: dict[str, Any] = made.json()
        return order

    async def detail(self, order_id: str) -> dict[str, Any]:
        found = await self.call("GET", f"/me/orders/{order_id}")
        assert found.status_code == 200, found.text
        body: dict[str, Any] = found.json()
        return body

    async def holds(self) -> Holds:
        runtime, now = self.shop.runtime, self.clock.now()
        async with self.shop.engine.connect() as conn:
            rows = (await conn.execute(select(stock_items))).all()
        owned = await runtime.get(CouponQueries).owned(USER, self.coupon, now)
        log = await runtime.get(CouponQueries).usage(UsageFilter(user_id=USER), PageRequest())
        points = await runtime.get(PointsQueries).summary(USER, now)
        card = await runtime.get(GiftCardQueries).card(self.card, now)
        assert card is not None
        taken = await runtime.get(ParticipationQueries).counts(self.promotion, USER)
        return Holds(
            reserved={row.sku_id: row.reserved for row in rows if row.reserved},
            coupon=owned.state.value,
            coupon_log=sorted(entry.action.value for entry in log.items),
            points=(points.available, points.held),
            card=str(card.balance.amount),
            promotion=(taken.taken, taken.released),
        )


def cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    """Wait until ``check()`` holds (the sandbox notifies from a background task)."""
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.02)


async def _gift_card(shop: MemoryShop) -> uuid.UUID:
    """A 100.00 card of an open batch valid in April, bound by an operator to ``USER``."""
    bus = shop.runtime.bus
    started = await bus.handle(
        gc.CreateBatch(
            definition=definition(validity=window(APRIL, MAY)),
            actor=OWNER,
            numbers=("600000000042",),
        )
    )
    await bus.handle(
        gc.OpenBatch(batch_id=started.batch_id, actor=OWNER, has_open_permission=False)
    )
    queries = shop.runtime.get(GiftCardQueries)
    [card] = (await queries.cards(started.batch_id, PageRequest(), shop.clock.now())).items
    await bus.handle(gc.BindCard(card_id=card.id, actor=OWNER, user_id=USER))
    return card.id


async def _arranged(shop: MemoryShop) -> dict[str, Any]:
    bus = shop.runtime.bus
    goods = await build_catalog(bus, shop)
    await stock(bus, goods)
    promotion = await scheduled(bus, direct(goods.phone_sku, "10"))
    coupon = await claimed(bus, threshold_coupon("20", "100"))
    await bus.handle(
        AdjustPoints(user_id=USER, points=1000, reason="welcome", actor=OPERATOR.subject),
        actor=OPERATOR,
    )
    card = await _gift_card(shop)
    return {"goods": goods, "promotion": promotion, "coupon": coupon, "card": card}


@contextlib.asynccontextmanager
async def world(**awkward: Any) -> AsyncIterator[World]:
    """The sandbox (``awkward``: its :class:`Awkwardness`, retries in tens of milliseconds)
    and our app paying through it, both served, everything arranged."""
    clock = FixedClock(APRIL_2)
    sandbox_app = create_sandbox_app(
        SandboxConfig(
            secret=SECRET, clock=clock, awkwardness=Awkwardness(**{"schedule": FAST, **awkward})
        )
    )
    async with serving(sandbox_app) as sandbox_url:
        settings = Settings(
            database_url="memory://",
            sms="memory",
            sections=[
                LiveSettings(max_lag_ms=0),
                PaymentGatewaySettings(
                    gateway="sandbox", sandbox_url=sandbox_url, sandbox_secret=SECRET, timeout=5
                ),
            ],
        )
        shop = memory_shop(settings, clock=clock)
        try:
            arranged = await _arranged(shop)
            async with (
                serving(
                    create_app(shop.runtime, [*CART_CONTROLLERS, *ORDERING_CONTROLLERS])
                ) as url,
                httpx.AsyncClient(timeout=10) as http,
            ):
                made = World(shop, sandbox_app.state.sandbox, sandbox_url, url, http, **arranged)
                address = await made.call("POST", "/me/addresses", json=ADDRESS)
                assert address.status_code == 201, address.text
                made.address = address.json()["id"]
                yield made
        finally:
            await shop.close()
