"""Support of the orders' HTTP tests: the checkout tests' runtime (the quote catalog stocked in
Shanghai, one address per customer, the fake gateway) served with the ordering controllers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import bearer
from tests.e2e.coupon_http_support import Client
from tests.unit.ordering.checkout_support import CHECKOUT_CONTEXTS, HOME, stock
from tests.unit.pricing.quote_support import (
    APRIL_2,
    OTHER_USER,
    USER,
    Catalog,
    build_catalog,
    quote_settings,
)

from shop_adapters.http.ordering import ORDERING_CONTROLLERS
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_testing.harness import MemoryShop, memory_shop


@pytest.fixture
def settings() -> Settings:
    return quote_settings()


@pytest.fixture
async def shop(settings: Settings) -> AsyncIterator[MemoryShop]:
    made = memory_shop(settings, clock=FixedClock(APRIL_2), contexts=CHECKOUT_CONTEXTS)
    yield made
    await made.close()


@pytest.fixture
async def goods(shop: MemoryShop) -> Catalog:
    made = await build_catalog(shop.runtime.bus, shop)
    await stock(shop.runtime.bus, made)
    return made


@pytest.fixture
async def client(shop: MemoryShop) -> AsyncIterator[Client]:
    with seated_app(shop.runtime, ORDERING_CONTROLLERS) as app:
        async with AsyncTestClient(app) as made:
            yield made


def me(settings: Settings) -> dict[str, str]:
    return bearer(settings, str(USER), "customer")


def someone_else(settings: Settings) -> dict[str, str]:
    return bearer(settings, str(OTHER_USER), "customer")


def operator(settings: Settings, *perms: str) -> dict[str, str]:
    return bearer(settings, "op-orders", "operator", *perms)


def body(goods: Catalog, **fields: Any) -> dict[str, Any]:
    """Two phones (240.00) of one shop and a case (80.00) of another, to Shanghai."""
    return {
        "items": [
            {"sku_id": str(goods.phone_sku), "quantity": 2},
            {"sku_id": str(goods.case_sku), "quantity": 1},
        ],
        "address_id": str(HOME),
        **fields,
    }


def cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}
