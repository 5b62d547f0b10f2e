"""The participation log of a promotion as an operator reads it (PRO-7): ``GET
/promotions/{id}/participations`` — the log newest first, paged, narrowed by user or order, with
the promotion's counts; behind ``promotions.read`` and an operator token (SEC-1); bad input is
400 and an unknown promotion 404."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import bearer, problem
from tests.e2e.coupon_http_support import Client
from tests.unit.pricing.participation_support import active_promotion

from shop_adapters.http.pricing.participation import PARTICIPATION_CONTROLLERS
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock
from shop_app.pricing.participation import RecordParticipation, ReleaseParticipation
from shop_domain.pricing.terms import PromotionLimits
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC)
READ = "promotions.read"
ALICE, BOB = uuid.UUID(int=0xA11CE), uuid.UUID(int=0xB0B)


@pytest.fixture
async def shop(settings: Settings) -> AsyncIterator[MemoryShop]:
    made = memory_shop(settings, clock=FixedClock(NOW))
    yield made
    await made.close()


@pytest.fixture
async def client(shop: MemoryShop) -> AsyncIterator[Client]:
    with seated_app(shop.runtime, PARTICIPATION_CONTROLLERS) as app:
        async with AsyncTestClient(app) as client:
            yield client


@pytest.fixture
def reader(settings: Settings) -> dict[str, str]:
    return bearer(settings, "op-1", "operator", READ)


async def _orders(shop: MemoryShop) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A promotion of two places per member; Alice's three orders (the second cancelled,
    the third recorded after it), Bob's one; the orders in the order they were recorded."""
    promotion = await active_promotion(shop.uow, NOW, PromotionLimits(per_user=2, total=10))
    orders = []
    for user in (ALICE, ALICE, BOB, ALICE):
        order = uuid.uuid4()
        shop.clock.advance(minutes=1)
        await shop.runtime.bus.handle(
            RecordParticipation(order_id=order, user_id=user, promotion_ids=(promotion,))
        )
        orders.append(order)
        if len(orders) == 2:
            await shop.runtime.bus.handle(ReleaseParticipation(order_id=order))
    return promotion, orders


def _path(promotion: uuid.UUID | str, query: str = "") -> str:
    return f"/promotions/{promotion}/participations{query}"


@pytest.mark.rule("PRO-7")
async def test_the_log_is_newest_first_with_the_counts(
    client: Client, shop: MemoryShop, reader: dict[str, str]
) -> None:
    promotion, orders = await _orders(shop)
    response = await client.get(_path(promotion), headers=reader)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["promotion_id"] == str(promotion)
    assert [item["order_id"] for item in body["items"]] == [str(o) for o in reversed(orders)]
    assert [item["counts"] for item in body["items"]] == [True, True, False, True]
    assert body["items"][2]["released_at"] is not None
    assert (body["total"], body["limit"], body["offset"]) == (4, 20, 0)
    assert body["counts"] == {
        "taken": 3,
        "released": 1,
        "users": 2,
        "total_limit": 10,
        "per_user_limit": 2,
        "user_id": None,
        "user_taken": None,
    }


@pytest.mark.rule("PRO-7")
async def test_the_log_pages_and_narrows_to_a_user_or_an_order(
    client: Client, shop: MemoryShop, reader: dict[str, str]
) -> None:
    promotion, orders = await _orders(shop)
    page = (await client.get(_path(promotion, "?limit=2&offset=1"), headers=reader)).json()
    assert [item["order_id"] for item in page["items"]] == [str(orders[2]), str(orders[1])]
    assert page["total"] == 4
    alice = (await client.get(_path(promotion, f"?user_id={ALICE}"), headers=reader)).json()
    assert {item["user_id"] for item in alice["items"]} == {str(ALICE)}
    assert alice["total"] == 3
    assert alice["counts"]["user_taken"] == 2  # her cancelled order counts no more
    counting = (
        await client.get(_path(promotion, f"?user_id={ALICE}&counting=true"), headers=reader)
    ).json()
    assert counting["total"] == 2
    one = (await client.get(_path(promotion, f"?order_id={orders[2]}"), headers=reader)).json()
    assert [item["user_id"] for item in one["items"]] == [str(BOB)]


@pytest.mark.rule("SEC-1")
@pytest.mark.parametrize("who", ["anonymous", "customer", "other operator", "customer+perm"])
async def test_only_an_operator_with_promotions_read_sees_the_log(
    client: Client, shop: MemoryShop, settings: Settings, who: str
) -> None:
    promotion, _ = await _orders(shop)
    headers = {
        "anonymous": {},
        "customer": bearer(settings, str(ALICE), "customer"),
        "other operator": bearer(settings, "op-2", "operator", "coupons.read"),
        "customer+perm": bearer(settings, str(ALICE), "customer", READ),
    }[who]
    response = await client.get(_path(promotion), headers=headers)
    if who == "anonymous":
        problem(response, 401, "auth.unauthenticated")
    elif who == "customer+perm":
        problem(response, 403, "auth.operator_only")
    else:
        refused = problem(response, 403, "auth.permission_required")
        assert refused["details"] == {"permission": READ}


@pytest.mark.parametrize(
    "query",
    ["?limit=0", "?limit=101", "?offset=-1", "?user_id=alice", "?order_id=1", "?counting=maybe"],
)
async def test_bad_input_is_400(
    client: Client, shop: MemoryShop, reader: dict[str, str], query: str
) -> None:
    promotion, _ = await _orders(shop)
    problem(await client.get(_path(promotion, query), headers=reader), 400, "request.invalid")


async def test_an_unknown_or_malformed_promotion(client: Client, reader: dict[str, str]) -> None:
    unknown = uuid.uuid4()
    body = problem(await client.get(_path(unknown), headers=reader), 404, "promotion.not_found")
    assert body["details"] == {"promotion_id": str(unknown)}
    response = await client.get(_path("not-a-uuid"), headers=reader)
    assert response.status_code == 404  # no route takes a promotion id that is not a UUID
