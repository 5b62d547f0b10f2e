"""Support of the checkout tests: the quote tests' catalog (``quote_support``), stocked in a
Shanghai warehouse, an address book with one Shanghai address per customer, and the fake
gateway the ordering plug-in wires by default."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from tests.unit.pricing.quote_support import USER, Catalog

from shop_adapters.contexts import CONTEXTS
from shop_adapters.payments.fake import FakeGateway
from shop_adapters.plugin import ContextPlugin, Wiring
from shop_app.fulfillment.stock import AdjustStock, CreateWarehouse
from shop_app.ordering.checkout import AddressBook
from shop_app.ordering.gateway import PaymentGateway
from shop_app.ordering.paying import PaymentService
from shop_app.ordering.ports import CheckoutItem
from shop_app.ordering.submit import SubmitOrder
from shop_app.shared.messagebus import MessageBus
from shop_testing.harness import MemoryShop

HOME = uuid.UUID(int=0xADD1)
SHANGHAI = {
    "recipient": "Li Lei",
    "phone": "+86 138 0013 8000",
    "region": "310104",
    "detail": "1 Zhongshan Road",
}


class OneAddressEach:
    async def region_of(self, user_id: uuid.UUID, address_id: uuid.UUID) -> dict[str, str] | None:
        return dict(SHANGHAI) if address_id == HOME else None


def _addresses(wiring: Wiring) -> None:
    wiring.add(AddressBook, OneAddressEach())


ADDRESSES = ContextPlugin(name="test_addresses", tables=(), wire=_addresses)
CHECKOUT_CONTEXTS: Sequence[ContextPlugin] = (*CONTEXTS, ADDRESSES)


async def stock(bus: MessageBus, goods: Catalog, units: int = 10) -> uuid.UUID:
    house: uuid.UUID = await bus.handle(
        CreateWarehouse(code="SH-1", name="Shanghai", regions=frozenset({"310000"}))
    )
    for sku in (goods.phone_sku, goods.laptop_sku, goods.case_sku):
        await bus.handle(
            AdjustStock(sku_id=sku, warehouse_id=house, change=units, reason="in", actor="op")
        )
    return house


def submit(goods: Catalog, **fields: Any) -> SubmitOrder:
    """Two phones (240.00) of ``SHOP`` and a case (80.00) of ``OTHER_SHOP``, to Shanghai."""
    items = (
        CheckoutItem(sku_id=goods.phone_sku, quantity=2),
        CheckoutItem(sku_id=goods.case_sku, quantity=1),
    )
    return SubmitOrder(**{"user_id": USER, "items": items, "address_id": HOME, **fields})


def gateway(shop: MemoryShop) -> FakeGateway:
    found = shop.runtime.get(PaymentGateway)
    assert isinstance(found, FakeGateway)
    return found


def payments(shop: MemoryShop) -> PaymentService:
    return shop.runtime.get(PaymentService)  # type: ignore[no-any-return]
