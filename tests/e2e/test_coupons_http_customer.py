"""Coupons as shoppers see them: claiming (CPN-2), codes (CPN-4), the wallet (CPN-5, CPN-12),
the public coupon center, acting only on one's own coupons (SEC-1), refusals that write nothing
(SEC-4), retries (SEC-5), wrong-code lock-outs — and a smoke run of the same API on SQLite."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from tests.e2e.coupon_http_support import (
    ALL_PERMISSIONS,
    POLICY,
    Client,
    CouponWorld,
    active_template,
    app_for,
    bearer,
    claim,
    create_template,
    customer,
    limits,
    memory_world,
    operator,
    problem,
    seated_app_for,
    sqlite_world,
    statistics,
    wallet,
    yuan,
)

from shop_adapters.settings import Settings

ZERO = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def world(settings: Settings) -> CouponWorld:
    return memory_world(settings)


@pytest.fixture
async def client(world: CouponWorld) -> AsyncIterator[Client]:
    with seated_app_for(world) as app:
        async with AsyncTestClient(app) as client:
            yield client


@pytest.fixture
def admin(settings: Settings) -> dict[str, str]:
    return operator(settings, *ALL_PERMISSIONS)


@pytest.fixture
def alice_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def alice(settings: Settings, alice_id: uuid.UUID) -> dict[str, str]:
    return customer(settings, alice_id)


@pytest.fixture
def bob(settings: Settings) -> dict[str, str]:
    return customer(settings, uuid.uuid4())


async def footprint(
    client: Client, admin: dict[str, str], template_id: str, *wallets: dict[str, str]
) -> tuple[Any, ...]:
    """What a refused request must leave alone: the template's statistics and the wallets."""
    return (
        await statistics(client, admin, template_id),
        *[await wallet(client, w) for w in wallets],
    )


# --- claiming (CPN-2) -------------------------------------------------------------------------


@pytest.mark.rule("CPN-2")
async def test_a_customer_claims_a_coupon_into_their_wallet(
    client: Client, admin: dict[str, str], alice: dict[str, str]
) -> None:
    template_id = await active_template(client, admin)
    response = await claim(client, alice, template_id)
    assert response.status_code == 201, response.text
    acquired = response.json()
    assert acquired["template_id"] == template_id
    assert acquired["replayed"] is False
    assert (acquired["valid_from"], acquired["valid_until"]) == (
        "2026-03-01T09:00:00Z",
        "2026-03-31T09:00:00Z",  # 30 days from the claim
    )
    assert response.headers["location"] == f"/me/coupons/{acquired['coupon_id']}"

    mine = await wallet(client, alice)
    assert mine["total"] == 1
    [item] = mine["items"]
    assert item["coupon_id"] == acquired["coupon_id"]
    assert (item["name"], item["state"], item["via"]) == ("10 off 100", "available", "claim")
    assert item["terms"]["kind"] == "threshold"
    assert item["terms"]["value"] == yuan("10.00")
    assert item["terms"]["threshold"] == yuan("100.00")
    assert item["order_id"] is None

    one = await client.get(f"/me/coupons/{acquired['coupon_id']}", headers=alice)
    assert one.status_code == 200, one.text
    assert one.json() == item
    stats = await statistics(client, admin, template_id)
    assert (stats["issued"], stats["claimed"], stats["available"]) == (1, 1, 1)


@pytest.mark.rule("CPN-2")
@pytest.mark.rule("SEC-5")
async def test_a_retried_claim_returns_the_first_coupon_and_issues_one(
    client: Client, admin: dict[str, str], alice: dict[str, str]
) -> None:
    template_id = await active_template(client, admin, limits=limits(10, per_user=5))
    first = await claim(client, alice, template_id, key="claim-7f3a")
    again = await claim(client, alice, template_id, key="claim-7f3a")
    assert first.status_code == again.status_code == 201
    assert again.json()["coupon_id"] == first.json()["coupon_id"]
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert (await statistics(client, admin, template_id))["issued"] == 1
    assert (await wallet(client, alice))["total"] == 1

    other_key = await claim(client, alice, template_id, key="claim-8b1c")
    assert other_key.json()["coupon_id"] != first.json()["coupon_id"]
    assert (await statistics(client, admin, template_id))["issued"] == 2


@pytest.mark.rule("SEC-5")
@pytest.mark.rule("SEC-4")
async def test_an_unusable_idempotency_key_is_400(
    client: Client, admin: dict[str, str], alice: dict[str, str]
) -> None:
    template_id = await active_template(client, admin)
    before = await footprint(client, admin, template_id, alice)
    problem(await claim(client, alice, template_id, key="k" * 101), 400, "idempotency.invalid_key")
    problem(await claim(client, alice, template_id, key="k" * 201), 400, "idempotency.invalid_key")
    problem(
        await claim(client, alice, template_id, key="tab\there"), 400, "idempotency.invalid_key"
    )
    assert await footprint(client, admin, template_id, alice) == before


@pytest.mark.rule("CPN-2")
@pytest.mark.rule("SEC-4")
async def test_the_per_user_limit_refuses_and_writes_nothing(
    client: Client, admin: dict[str, str], alice: dict[str, str]
) -> None:
    template_id = await active_template(client, admin, limits=limits(10, per_user=1))
    assert (await claim(client, alice, template_id)).status_code == 201
    before = await footprint(client, admin, template_id, alice)
    problem(await claim(client, alice, template_id), 409, "coupon.per_user_limit")
    assert await footprint(client, admin, template_id, alice) == before


@pytest.mark.rule("CPN-2")
async def test_the_daily_limit_resets_the_next_day(
    client: Client, admin: dict[str, str], alice: dict[str, str], world: CouponWorld
) -> None:
    template_id = await active_template(client, admin, limits=limits(10, per_user=3, per_day=1))
    assert (await claim(client, alice, template_id)).status_code == 201
    problem(await claim(client, alice, template_id), 409, "coupon.per_user_daily_limit")
    world.clock.advance(days=1)
    assert (await claim(client, alice, template_id)).status_code == 201


@pytest.mark.rule("CPN-2")
@pytest.mark.rule("SEC-4")
async def test_a_sold_out_template_refuses_and_writes_nothing(
    client: Client, admin: dict[str, str], alice: dict[str, str], bob: dict[str, str]
) -> None:
    template_id = await active_template(client, admin, limits=limits(1))
    assert (await claim(client, alice, template_id)).status_code == 201
    before = await footprint(client, admin, template_id, alice, bob)
    problem(await claim(client, bob, template_id), 409, "coupon.sold_out")
    assert await footprint(client, admin, template_id, alice, bob) == before


@pytest.mark.rule("CPN-2")
@pytest.mark.rule("CPN-3")
async def test_an_issue_only_template_cannot_be_claimed(
    client: Client, admin: dict[str, str], alice: dict[str, str]
) -> None:
    template_id = await active_template(client, admin, distribution="issue_only")
    before = await footprint(client, admin, template_id, alice)
    problem(await claim(client, alice, template_id), 409, "coupon.issue_only")
    assert await footprint(client, admin, template_id, alice) == before


@pytest.mark.rule("CPN-2")
async def test_claims_need_an_active_template_inside_its_window(
    client: Client, admin: dict[str, str], alice: dict[str, str], world: CouponWorld
) -> None:
    draft = await create_template(client, admin)
    problem(await claim(client, alice, draft), 409, "coupon.not_active")
    later = await active_template(
        client, admin, claim_window={"starts_at": "2026-03-02T00:00:00Z", "ends_at": None}
    )
    problem(await claim(client, alice, later), 409, "coupon.outside_claim_window")
    world.clock.advance(days=1)
    assert (await claim(client, alice, later)).status_code == 201
    paused = await active_template(client, admin)
    await client.post(f"/coupons/templates/{paused}/pause", headers=admin)
    problem(await claim(client, alice, paused), 409, "coupon.not_active")
    priced = await active_template(client, admin, points=500)
    problem(await claim(client, alice, priced), 409, "coupon.points_exchange_unavailable")
    problem(await claim(client, alice, ZERO), 404, "coupon.template_not_found")
    assert (await wallet(client, alice))["total"] == 1


# --- codes (CPN-4) ----------------------------------------------------------------------------


@pytest.mark.rule("CPN-4")
@pytest.mark.rule("SEC-5")
async def test_a_shared_code_binds_a_coupon_and_a_retry_returns_it(
    client: Client, admin: dict[str, str], alice: dict[str, str], bob: dict[str, str]
) -> None:
    template_id = await active_template(
        client, admin, public_code="SPRING10", limits=limits(10, per_user=2)
    )
    headers = {**alice, "Idempotency-Key": "redeem-1"}
    first = await client.post("/coupons/redeem", json={"code": "spring-10"}, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["template_id"] == template_id
    assert first.headers["location"] == f"/me/coupons/{first.json()['coupon_id']}"
    again = await client.post("/coupons/redeem", json={"code": "spring-10"}, headers=headers)
    assert again.status_code == 201, again.text
    assert again.json()["coupon_id"] == first.json()["coupon_id"]
    assert again.json()["replayed"] is True
    assert (await statistics(client, admin, template_id))["issued"] == 1

    assert (
        await client.post("/coupons/redeem", json={"code": "Spring 10"}, headers=bob)
    ).status_code == 201
    [item] = (await wallet(client, bob))["items"]
    assert item["via"] == "code"
    assert (await statistics(client, admin, template_id))["issued"] == 2


@pytest.mark.rule("CPN-4")
@pytest.mark.rule("SEC-4")
async def test_wrong_codes_are_404_then_429_until_the_lock_out_ends(
    client: Client,
    admin: dict[str, str],
    alice: dict[str, str],
    bob: dict[str, str],
    world: CouponWorld,
) -> None:
    template_id = await active_template(client, admin, public_code="RIGHT1")
    before = await footprint(client, admin, template_id, alice)
    for guess in ("WRONG1", "WRONG2", "wrong-3"):
        problem(
            await client.post("/coupons/redeem", json={"code": guess}, headers=alice),
            404,
            "coupon.code_invalid",
        )
    assert POLICY.code_attempts == 3
    locked = await client.post("/coupons/redeem", json={"code": "RIGHT1"}, headers=alice)
    body = problem(locked, 429, "coupon.code_attempts_exceeded")
    assert int(locked.headers["retry-after"]) == 15 * 60
    assert body["details"]["retry_after_seconds"] == 15 * 60
    assert await footprint(client, admin, template_id, alice) == before

    # the lock-out is the caller's own: another user redeems meanwhile
    assert (
        await client.post("/coupons/redeem", json={"code": "RIGHT1"}, headers=bob)
    ).status_code == 201

    world.clock.advance(minutes=15)
    assert (
        await client.post("/coupons/redeem", json={"code": "RIGHT1"}, headers=alice)
    ).status_code == 201


@pytest.mark.rule("SEC-4")
async def test_a_malformed_redemption_is_400(client: Client, alice: dict[str, str]) -> None:
    for body in (
        {},
        {"code": ""},
        {"code": 1234},
        {"code": "ABCD", "extra": 1},
        {"code": "A" * 65},
        {"code": "x"},  # a code has 4..32 letters and digits (issue 9: the schema says so)
        {"code": "ABCD!"},
    ):
        problem(
            await client.post("/coupons/redeem", json=body, headers=alice), 400, "request.invalid"
        )


# --- the wallet (CPN-5, CPN-12) ---------------------------------------------------------------


@pytest.mark.rule("CPN-12")
async def test_the_wallet_filters_pages_and_counts(
    client: Client, admin: dict[str, str], alice: dict[str, str], world: CouponWorld
) -> None:
    short = await active_template(
        client, admin, name="short", validity={"kind": "relative", "days": 2}
    )
    long = await active_template(client, admin, name="long", limits=limits(10, per_user=5))
    short_coupon = (await claim(client, alice, short)).json()["coupon_id"]
    long_coupons = [(await claim(client, alice, long)).json()["coupon_id"] for _ in range(3)]
    voided = long_coupons[2]
    await client.post(f"/coupons/coupons/{voided}/void", json={"reason": "test"}, headers=admin)

    everything = await wallet(client, alice)
    assert everything["total"] == 4
    assert everything["items"][0]["coupon_id"] == short_coupon  # soonest end first
    assert everything["counts"] == {
        "available": 3,
        "locked": 0,
        "used": 0,
        "expired": 0,
        "voided": 1,
    }
    assert everything["expiring_soon"] == 1

    soon = await wallet(client, alice, "?expiring_soon=true")
    assert [i["coupon_id"] for i in soon["items"]] == [short_coupon]
    assert soon["total"] == 1
    assert soon["items"][0]["expiring_soon"] is True
    gone = await wallet(client, alice, "?state=voided")
    assert ([i["coupon_id"] for i in gone["items"]], gone["total"]) == ([voided], 1)
    page = await wallet(client, alice, "?limit=2&offset=1")
    assert [i["coupon_id"] for i in page["items"]] == [
        i["coupon_id"] for i in everything["items"][1:3]
    ]
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 1)

    usable = (await client.get("/me/coupons/usable", headers=alice)).json()
    assert sorted(i["coupon_id"] for i in usable) == sorted([short_coupon, *long_coupons[:2]])

    # CPN-12: expiry shows on read, sweep or no sweep
    world.clock.advance(days=3)
    later = await wallet(client, alice)
    assert (later["counts"]["available"], later["counts"]["expired"]) == (2, 1)
    one = (await client.get(f"/me/coupons/{short_coupon}", headers=alice)).json()
    assert one["state"] == "expired"
    assert short_coupon not in [
        i["coupon_id"] for i in (await client.get("/me/coupons/usable", headers=alice)).json()
    ]
    problem(await client.get("/me/coupons?state=lost", headers=alice), 400, "request.invalid")
    problem(await client.get("/me/coupons?limit=500", headers=alice), 400, "request.invalid")


# --- only one's own coupons (SEC-1) -----------------------------------------------------------


@pytest.mark.rule("SEC-1")
async def test_another_users_coupon_is_not_found_and_nothing_leaks(
    client: Client, admin: dict[str, str], alice: dict[str, str], bob: dict[str, str]
) -> None:
    template_id = await active_template(client, admin, name="Alice's secret coupon")
    coupon_id = (await claim(client, alice, template_id)).json()["coupon_id"]
    response = await client.get(f"/me/coupons/{coupon_id}", headers=bob)
    body = problem(response, 404, "coupon.not_found")
    missing = problem(
        await client.get(f"/me/coupons/{uuid.uuid4()}", headers=bob), 404, "coupon.not_found"
    )
    assert body.keys() == missing.keys()
    assert "secret" not in response.text
    assert template_id not in response.text
    assert (await wallet(client, bob))["total"] == 0
    assert (await client.get("/me/coupons/usable", headers=bob)).json() == []


CUSTOMER_ROUTES: list[tuple[str, str, Any]] = [
    ("POST", "/coupons/templates/{id}/claim", None),
    ("POST", "/coupons/redeem", {"code": "ABCD1234"}),
    ("GET", "/me/coupons", None),
    ("GET", "/me/coupons/usable", None),
    ("GET", f"/me/coupons/{ZERO}", None),
]


@pytest.mark.rule("SEC-1")
@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(("method", "path", "body"), CUSTOMER_ROUTES)
@pytest.mark.parametrize("who", ["anonymous", "operator", "bad token", "subject not a user"])
async def test_customer_routes_need_a_customer(
    client: Client,
    settings: Settings,
    admin: dict[str, str],
    who: str,
    method: str,
    path: str,
    body: Any,
) -> None:
    template_id = await active_template(client, admin)
    before = await statistics(client, admin, template_id)
    headers = {
        "anonymous": {},
        "operator": admin,
        "bad token": {"Authorization": "Bearer not-a-token"},
        "subject not a user": bearer(settings, "cust-1", "customer"),
    }[who]
    response = await client.request(
        method, path.replace("{id}", template_id), json=body, headers=headers
    )
    if who in ("anonymous", "bad token"):
        problem(response, 401, "auth.unauthenticated")
    elif who == "operator":
        problem(response, 403, "auth.customer_only")
    else:
        problem(response, 403, "auth.invalid_subject")
    assert await statistics(client, admin, template_id) == before


# --- the coupon center ------------------------------------------------------------------------


@pytest.mark.rule("SEC-1")
@pytest.mark.rule("CPN-1")
async def test_the_coupon_center_is_public_and_personal_with_a_token(
    client: Client, admin: dict[str, str], alice: dict[str, str], settings: Settings
) -> None:
    shown = await active_template(client, admin, name="shown", limits=limits(5, per_user=1))
    await active_template(client, admin, name="hidden", public=False)
    await active_template(client, admin, name="issue only", distribution="issue_only")
    await create_template(client, admin, name="draft")
    ending = await active_template(
        client, admin, name="ending", claim_window={"ends_at": "2026-03-05T00:00:00Z"}
    )

    anonymous = await client.get("/coupons/center")
    assert anonymous.status_code == 200, anonymous.text
    page = anonymous.json()
    assert [i["template_id"] for i in page["items"]] == [ending, shown]  # soonest end first
    assert page["total"] == 2
    item = page["items"][1]
    assert (item["name"], item["remaining"]) == ("shown", 5)
    assert (item["held_by_user"], item["user_may_claim"]) == (None, None)
    assert item["terms"]["threshold"] == yuan("100.00")
    assert item["limits"] == limits(5, per_user=1)
    assert "public_code" not in anonymous.text

    await claim(client, alice, shown)
    personal = (await client.get("/coupons/center", headers=alice)).json()
    mine = next(i for i in personal["items"] if i["template_id"] == shown)
    assert (mine["held_by_user"], mine["user_may_claim"], mine["remaining"]) == (1, False, 4)
    other = next(i for i in personal["items"] if i["template_id"] == ending)
    assert (other["held_by_user"], other["user_may_claim"]) == (0, True)

    as_operator = (await client.get("/coupons/center", headers=admin)).json()
    assert {i["held_by_user"] for i in as_operator["items"]} == {None}
    paged = (await client.get("/coupons/center?limit=1&offset=1")).json()
    assert [i["template_id"] for i in paged["items"]] == [shown]

    problem(
        await client.get("/coupons/center", headers={"Authorization": "Bearer nope"}),
        401,
        "auth.unauthenticated",
    )
    problem(
        await client.get("/coupons/center", headers=bearer(settings, "cust-1", "customer")),
        403,
        "auth.invalid_subject",
    )


# --- the same API on SQLite -------------------------------------------------------------------


@pytest.mark.rule("CPN-2")
@pytest.mark.rule("CPN-4")
@pytest.mark.rule("SEC-5")
async def test_a_smoke_run_on_sqlite(settings: Settings, sqlite_url: str) -> None:
    world = sqlite_world(settings, sqlite_url)
    admin = operator(settings, *ALL_PERMISSIONS)
    alice = customer(settings, uuid.uuid4())
    bob = customer(settings, uuid.uuid4())
    try:
        async with AsyncTestClient(app_for(world)) as client:
            template_id = await active_template(
                client, admin, limits=limits(3, per_user=1), distribution="both"
            )
            first = await claim(client, alice, template_id, key="k-1")
            again = await claim(client, alice, template_id, key="k-1")
            assert first.status_code == again.status_code == 201, first.text
            assert again.json()["coupon_id"] == first.json()["coupon_id"]
            problem(
                await claim(client, alice, template_id, key="k-2"), 409, "coupon.per_user_limit"
            )
            center = (await client.get("/coupons/center", headers=alice)).json()
            assert center["items"][0]["held_by_user"] == 1

            response = await client.post(
                f"/coupons/templates/{template_id}/code-batches", json={"count": 2}, headers=admin
            )
            assert response.status_code == 202, response.text
            batch_id = response.json()["batch_id"]
            assert await world.run_jobs() == 1
            download = await client.get(f"/coupons/code-batches/{batch_id}/codes", headers=admin)
            codes = download.text.splitlines()[1:]
            assert len(codes) == 2
            redeemed = await client.post("/coupons/redeem", json={"code": codes[0]}, headers=bob)
            assert redeemed.status_code == 201, redeemed.text

            stats = await statistics(client, admin, template_id)
            assert (stats["issued"], stats["claimed"], stats["distinct_users"]) == (2, 2, 2)
            assert (await wallet(client, bob))["total"] == 1
            other = await client.get(f"/me/coupons/{first.json()['coupon_id']}", headers=bob)
            problem(other, 404, "coupon.not_found")
    finally:
        await world.runtime.close()
