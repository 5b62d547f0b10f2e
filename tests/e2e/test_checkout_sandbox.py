"""End to end over HTTP with the sandbox gateway running (issue 14): our app and the sandbox each
served on a port of their own, the sandbox's signed notifications POSTed to our notify route.

One order of two shops with a promotion, a coupon, points and a gift card: two children, every
amount held, a person pays on the sandbox's page, the notification (dropped once, then
duplicated) pays the order once. An order left unpaid times out and gives everything back, and
its sandbox payment closes. A notification that is not the sandbox's changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from tests.e2e.catalog_support import problem
from tests.e2e.sandbox_checkout_support import World, cny, eventually, world
from tests.integration.test_sandbox_gateway import SECRET
from tests.unit.pricing.quote_support import OTHER_SHOP, SHOP

from shop_adapters.payments import wire
from shop_adapters.payments.notifications import signed_notification
from shop_app.ordering.gateway import PaymentGateway
from shop_app.ordering.paying import PaymentService

pytestmark = [pytest.mark.rule("ORD-3"), pytest.mark.rule("ORD-5"), pytest.mark.rule("PAY-1")]


def by_shop(detail: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {child["shop_id"]: child for child in detail["children"]}


def figures(amounts: dict[str, Any]) -> dict[str, str | int]:
    return {k: v if k == "points_used" else v["amount"] for k, v in amounts.items()}


async def paying(w: World, order: dict[str, Any]) -> str:
    page = await w.call(
        "POST", f"/me/orders/{order['order_id']}/pay", json={"return_url": "https://shop.test/"}
    )
    assert page.status_code == 200, page.text
    assert page.json()["amount"] == cny("215.00")
    pay_url: str = page.json()["pay_url"]
    assert pay_url.startswith(f"{w.sandbox_url}/pay/")
    return pay_url


async def state_of(w: World, order: dict[str, Any]) -> str:
    state: str = (await w.detail(order["order_id"]))["summary"]["state"]
    return state


@pytest.mark.rule("PAY-2")
@pytest.mark.rule("GC-7")
@pytest.mark.rule("PTS-4")
@pytest.mark.rule("CPN-9")
@pytest.mark.rule("PRO-7")
async def test_two_shops_every_discount_and_a_card_paid_on_the_sandbox_page() -> None:
    async with world(duplicates=2, fail_first=1) as w:
        goods = w.goods
        order = await w.submitted()
        # 320.00 − 20.00 直降 − 20.00 coupon − 5.00 (500 points) = 275.00; the card pays 60.00
        assert order["state"] == "pending_payment"
        assert (order["payable"], order["gift_card"], order["external"]) == (
            cny("275.00"),
            cny("60.00"),
            cny("215.00"),
        )
        assert order["children"] == [f"{order['number']}-01", f"{order['number']}-02"]
        detail = await w.detail(order["order_id"])
        assert figures(detail["amounts"]) == {
            "goods": "320.00",
            "promotion": "20.00",
            "coupon": "20.00",
            "points": "5.00",
            "shipping": "0.00",
            "gift_card": "60.00",
            "payable": "275.00",
            "points_used": 500,
        }
        children = by_shop(detail)
        assert set(children) == {str(SHOP), str(OTHER_SHOP)}
        phones, case = children[str(SHOP)], children[str(OTHER_SHOP)]
        assert [line["sku_id"] for line in phones["lines"]] == [str(goods.phone_sku)]
        assert [line["sku_id"] for line in case["lines"]] == [str(goods.case_sku)]
        assert (phones["amounts"]["goods"], phones["amounts"]["promotion"]) == (
            cny("240.00"),
            cny("20.00"),
        )
        assert (case["amounts"]["goods"], case["amounts"]["promotion"]) == (
            cny("80.00"),
            cny("0.00"),
        )
        for key in ("coupon", "points", "gift_card", "payable"):  # each child its share (MON-3)
            shares = [Decimal(c["amounts"][key]["amount"]) for c in children.values()]
            assert all(share > 0 for share in shares), key
            assert sum(shares) == Decimal(detail["amounts"][key]["amount"]), key
        assert {c["state"] for c in children.values()} == {"pending_payment"}
        held = await w.holds()
        assert held.reserved == {goods.phone_sku: 2, goods.case_sku: 1}
        assert (held.coupon, held.coupon_log) == ("locked", [])
        assert held.points == (500, 500)
        assert held.card == "40.00"
        assert held.promotion == (1, 0)

        # a person opens the page and presses the button; the sandbox tells our notify route
        pay_url = await paying(w, order)
        page = await w.http.get(pay_url)
        assert page.status_code == 200
        assert "215.00 CNY" in page.text
        assert f'<form method="post" action="{pay_url.removeprefix(w.sandbox_url)}">' in page.text
        pressed = await w.http.post(pay_url)
        assert pressed.status_code == 200, pressed.text

        async def paid() -> bool:
            return await state_of(w, order) == "paid"

        await eventually(paid)
        detail = await w.detail(order["order_id"])
        assert {child["state"] for child in detail["children"]} == {"pending_shipment"}
        assert detail["payment"]["state"] == "paid"
        assert detail["payment"]["external"] == cny("215.00")
        assert detail["payment"]["gift_card"] == cny("60.00")
        assert detail["payment"]["trade_no"] == pay_url.rsplit("/", 1)[1]
        assert detail["payment"]["flags"] == []
        settled = await w.holds()
        assert (settled.coupon, settled.coupon_log) == ("used", ["used"])
        assert settled.points == (500, 0)
        assert (settled.card, settled.reserved, settled.promotion) == (
            "40.00",
            held.reserved,
            (1, 0),
        )
        status = await w.shop.runtime.get(PaymentGateway).query(order["payment_number"])
        assert (status.state, status.paid.minor) == ("paid", 21_500)

        # the dropped first attempt, the delivery, then two duplicates: nothing changes again
        [delivery] = w.sandbox.notifier.deliveries

        async def all_sent() -> bool:
            return len(delivery.attempts) == 4

        await eventually(all_sent)
        assert [(a.status, a.duplicate) for a in delivery.attempts] == [
            (None, False),
            (200, False),
            (200, True),
            (200, True),
        ]
        assert await w.detail(order["order_id"]) == detail
        assert await w.holds() == settled
        operator = await w.call("GET", f"/orders/{order['order_id']}", headers=w.operator)
        assert operator.json()["summary"]["state"] == "paid"


@pytest.mark.rule("PAY-3")
@pytest.mark.rule("GC-7")
@pytest.mark.rule("PTS-4")
@pytest.mark.rule("PRO-7")
async def test_an_unpaid_order_times_out_gives_everything_back_and_its_payment_closes() -> None:
    async with world() as w:
        order = await w.submitted()
        pay_url = await paying(w, order)
        assert (await w.holds()).card == "40.00"
        w.clock.advance(minutes=29)
        service = w.shop.runtime.get(PaymentService)
        assert await service.expire_overdue() == 0  # not yet: 30 minutes to pay (ORD-5)
        assert await state_of(w, order) == "pending_payment"

        w.clock.advance(minutes=2)
        assert await service.expire_overdue() == 1
        detail = await w.detail(order["order_id"])
        assert (detail["summary"]["state"], detail["cancel_reason"]) == ("cancelled", "timeout")
        assert {child["state"] for child in detail["children"]} == {"cancelled"}
        assert detail["payment"]["state"] == "closed"
        released = await w.holds()
        assert released.reserved == {}
        assert released.coupon == "available"
        assert released.points == (1000, 0)
        assert released.card == "100.00"
        assert released.promotion == (0, 1)
        status = await w.shop.runtime.get(PaymentGateway).query(order["payment_number"])
        assert status.state == "closed"
        assert "closed" in (await w.http.get(pay_url)).text
        assert (await w.http.post(pay_url)).status_code == 409  # too late to pay
        assert await service.expire_overdue() == 0
        assert w.sandbox.notifier.deliveries == []


@pytest.mark.rule("PAY-2")
async def test_a_notification_that_is_not_the_sandboxs_changes_nothing() -> None:
    async with world() as w:
        order = await w.submitted()
        pay_url = await paying(w, order)
        held = await w.holds()
        now = w.clock.now()
        note = wire.Notification(
            id="N-forged",
            kind="payment",
            payment_no=order["payment_number"],
            trade_no=pay_url.rsplit("/", 1)[1],
            status="paid",
            amount=21_500,
            currency="CNY",
            occurred_at=now,
        )
        forged = signed_notification("someone-else-s-secret-0123456789abcdef", note, now=now)
        stale = signed_notification(SECRET, note, now=now - dt.timedelta(minutes=6))
        good = signed_notification(SECRET, note, now=now)
        tampered = good.body.replace(b"21500", b"1")
        for headers, body in [
            (forged.headers, forged.body),
            (stale.headers, stale.body),
            (good.headers, tampered),
            ({"Content-Type": "application/json"}, good.body),
        ]:
            refused = await w.http.post(f"{w.url}/payments/notify", content=body, headers=headers)
            problem(refused, 403, "payment.bad_signature")
        detail = await w.detail(order["order_id"])
        assert detail["summary"]["state"] == "pending_payment"
        assert (detail["payment"]["state"], detail["payment"]["trade_no"]) == ("pending", None)
        assert await w.holds() == held
        status = await w.shop.runtime.get(PaymentGateway).query(order["payment_number"])
        assert status.state == "pending"
        assert w.sandbox.notifier.deliveries == []
