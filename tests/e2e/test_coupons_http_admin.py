"""The coupons back office as a client sees it: templates (CPN-1), issuing (CPN-3), code
batches as jobs (CPN-4), voiding (CPN-5), the usage log (CPN-9), statistics (CPN-11), who may do
what (SEC-1), bad input (SEC-4), retries (SEC-5) and the OpenAPI document."""

from __future__ import annotations

import csv
import io
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
    asgi_post,
    bearer,
    claim,
    create_template,
    customer,
    limits,
    memory_world,
    operator,
    pieces,
    problem,
    seated_app_for,
    statistics,
    template,
    template_body,
    wallet,
    yuan,
)

from shop_adapters.settings import Settings
from shop_app.coupons.commands import CouponUse, LockCoupons, UseCoupons
from shop_domain.shared.money import Money

ZERO = "00000000-0000-0000-0000-000000000000"

# --- fixtures -------------------------------------------------------------------------------


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
def writer(settings: Settings) -> dict[str, str]:
    return operator(settings, "coupons.read", "coupons.write", subject="op-writer")


@pytest.fixture
def reader(settings: Settings) -> dict[str, str]:
    return operator(settings, "coupons.read", subject="op-reader")


@pytest.fixture
def alice_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def alice(settings: Settings, alice_id: uuid.UUID) -> dict[str, str]:
    return customer(settings, alice_id)


async def template_count(client: Client, reader: dict[str, str]) -> int:
    response = await client.get("/coupons/templates", headers=reader)
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


FULL_DEFINITION: dict[str, Any] = {
    "name": "Spring sale 8折",
    "description": "20% off phones, capped at 50",
    "kind": "rate",
    "value": None,
    "rate": "0.8",
    "threshold": yuan("200.00"),
    "max_discount": yuan("50.00"),
    "scope": {
        "kind": "categories",
        "category_ids": [
            "00000000-0000-7000-8000-000000000002",
            "00000000-0000-7000-8000-000000000001",
        ],
        "brand_ids": [],
        "product_ids": [],
        "sku_ids": [],
        "shop_id": None,
        "excluded_category_ids": [],
        "excluded_brand_ids": ["00000000-0000-7000-8000-0000000000b1"],
        "excluded_product_ids": ["00000000-0000-7000-8000-0000000000c1"],
        "excluded_sku_ids": ["00000000-0000-7000-8000-0000000000d1"],
    },
    "issuer": {"kind": "shop", "shop_id": "00000000-0000-7000-8000-0000000000a1"},
    "channels": ["app", "mini_program"],
    "validity": {
        "kind": "absolute",
        "starts_at": "2026-03-01T00:00:00Z",
        "ends_at": "2026-04-01T00:00:00Z",
        "days": None,
    },
    "limits": {"total_quantity": 500, "per_user": 3, "per_user_per_day": 1},
    "claim_window": {"starts_at": "2026-02-25T00:00:00Z", "ends_at": "2026-03-20T00:00:00Z"},
    "distribution": "both",
    "points": 0,
    "public": False,
    "stackable": True,
    "combinable_with_promotions": False,
    "return_policy": "non_returnable",
    "public_code": "spring-2026",
}


# --- templates (CPN-1) ------------------------------------------------------------------------


@pytest.mark.rule("CPN-1")
async def test_a_template_holds_every_cpn1_field_and_reads_back_as_sent(
    client: Client, writer: dict[str, str]
) -> None:
    response = await client.post("/coupons/templates", json=FULL_DEFINITION, headers=writer)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/coupons/templates/{created['id']}"
    assert created["state"] == "draft"
    assert created["currency"] == "CNY"
    assert (created["issued"], created["remaining"], created["codes_reserved"]) == (0, 500, 0)
    assert created["created_by"] == "op-writer"

    expected = {
        **FULL_DEFINITION,
        "public_code": "SPRING2026",  # normalised: no case, spaces or dashes
        "scope": {
            **FULL_DEFINITION["scope"],
            "category_ids": sorted(FULL_DEFINITION["scope"]["category_ids"]),
        },
        "validity": {
            **FULL_DEFINITION["validity"],
            "starts_at": "2026-03-01T00:00:00Z",
            "ends_at": "2026-04-01T00:00:00Z",
        },
    }
    assert created["definition"] == expected
    read = (await client.get(f"/coupons/templates/{created['id']}", headers=writer)).json()
    assert read == created

    # what is read back can be sent back unchanged
    again = await client.put(
        f"/coupons/templates/{created['id']}", json=read["definition"], headers=writer
    )
    assert again.status_code == 200, again.text
    assert again.json()["definition"] == expected
    assert again.json()["version"] == created["version"]  # nothing changed, nothing written


@pytest.mark.rule("CPN-1")
@pytest.mark.rule("MON-1")
async def test_defaults_and_an_exact_rate(client: Client, writer: dict[str, str]) -> None:
    body = {
        "name": "85折",
        "kind": "rate",
        "rate": "0.85",
        "max_discount": yuan("30.00"),
        "validity": {"kind": "relative", "days": 7},
        "limits": {"total_quantity": 10},
    }
    response = await client.post("/coupons/templates", json=body, headers=writer)
    assert response.status_code == 201, response.text
    definition = response.json()["definition"]
    assert definition["rate"] == "0.85"
    assert definition["max_discount"] == yuan("30.00")
    assert definition["channels"] == ["app", "h5", "mini_program", "web"]
    assert definition["scope"]["kind"] == "all"
    assert definition["issuer"] == {"kind": "platform", "shop_id": None}
    assert definition["distribution"] == "claimable"
    assert definition["return_policy"] == "on_full_refund"
    assert definition["claim_window"] == {"starts_at": None, "ends_at": None}
    assert (definition["public"], definition["stackable"]) == (True, False)
    assert definition["combinable_with_promotions"] is True
    assert definition["limits"] == limits(10)


@pytest.mark.rule("CPN-1")
async def test_templates_are_listed_by_state_and_paged(
    client: Client, writer: dict[str, str], reader: dict[str, str], world: CouponWorld
) -> None:
    ids = []
    for i in range(5):
        ids.append(await create_template(client, writer, name=f"T{i}"))
        world.clock.advance(minutes=1)
    await client.post(f"/coupons/templates/{ids[1]}/activate", headers=writer)

    everything = (await client.get("/coupons/templates", headers=reader)).json()
    assert everything["total"] == 5
    assert [t["id"] for t in everything["items"]] == ids[::-1]  # newest first

    active = (await client.get("/coupons/templates?state=active", headers=reader)).json()
    assert [t["id"] for t in active["items"]] == [ids[1]]
    assert active["total"] == 1

    page = (await client.get("/coupons/templates?limit=2&offset=1", headers=reader)).json()
    assert [t["id"] for t in page["items"]] == ids[::-1][1:3]
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 1)
    tail = (await client.get("/coupons/templates?limit=3&offset=4", headers=reader)).json()
    assert [t["id"] for t in tail["items"]] == [ids[0]]

    problem(
        await client.get("/coupons/templates?state=gone", headers=reader), 400, "request.invalid"
    )
    problem(await client.get("/coupons/templates?limit=0", headers=reader), 400, "request.invalid")


@pytest.mark.rule("CPN-1")
async def test_a_draft_is_edited_and_an_active_template_is_not(
    client: Client, writer: dict[str, str]
) -> None:
    template_id = await create_template(client, writer)
    changed = template_body(name="15 off 100", value=yuan("15.00"))
    response = await client.put(f"/coupons/templates/{template_id}", json=changed, headers=writer)
    assert response.status_code == 200, response.text
    assert response.json()["definition"]["name"] == "15 off 100"
    assert response.json()["definition"]["value"] == yuan("15.00")

    await client.post(f"/coupons/templates/{template_id}/activate", headers=writer)
    before = (await client.get(f"/coupons/templates/{template_id}", headers=writer)).json()
    response = await client.put(
        f"/coupons/templates/{template_id}", json=template_body(name="Sneaky"), headers=writer
    )
    problem(response, 409, "coupon.template_not_editable")
    after = (await client.get(f"/coupons/templates/{template_id}", headers=writer)).json()
    assert after == before


@pytest.mark.rule("CPN-1")
async def test_a_template_is_activated_paused_and_ended(
    client: Client, writer: dict[str, str]
) -> None:
    template_id = await create_template(client, writer)
    base = f"/coupons/templates/{template_id}"
    problem(await client.post(f"{base}/pause", headers=writer), 409, "coupon.template_state")
    problem(await client.post(f"{base}/end", headers=writer), 409, "coupon.template_state")
    for action, state in (
        ("activate", "active"),
        ("pause", "paused"),
        ("activate", "active"),
        ("end", "ended"),
    ):
        response = await client.post(f"{base}/{action}", headers=writer)
        assert response.status_code == 200, response.text
        assert response.json()["state"] == state
    problem(await client.post(f"{base}/activate", headers=writer), 409, "coupon.template_state")


@pytest.mark.rule("CPN-1")
@pytest.mark.rule("SEC-5")
async def test_a_retried_create_makes_one_template(
    client: Client, writer: dict[str, str], reader: dict[str, str]
) -> None:
    headers = {**writer, "Idempotency-Key": "create-spring"}
    first = await client.post("/coupons/templates", json=template_body(), headers=headers)
    again = await client.post("/coupons/templates", json=template_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert await template_count(client, reader) == 1
    other = await client.post("/coupons/templates", json=template_body(name="x"), headers=headers)
    problem(other, 409, "idempotency.key_reused")
    assert await template_count(client, reader) == 1


# --- bad input (SEC-4) ------------------------------------------------------------------------


def _without(key: str) -> dict[str, Any]:
    body = template_body()
    del body[key]
    return body


BAD_BODIES: dict[str, dict[str, Any]] = {
    "float money": template_body(value={"amount": 10.0, "currency": "CNY"}),
    "bare number money": template_body(value=10),
    "float rate": template_body(kind="rate", value=None, rate=0.8, threshold=yuan("10.00")),
    "rate with a percent": template_body(
        kind="rate", value=None, rate="80%", threshold=yuan("10.00")
    ),
    "unknown kind": template_body(kind="bogo"),
    "unknown channel": template_body(channels=["app", "fax"]),
    "unknown distribution": template_body(distribution="airdrop"),
    "unknown scope kind": template_body(scope={"kind": "galaxy"}),
    "missing name": _without("name"),
    "missing kind": _without("kind"),
    "missing limits": _without("limits"),
    "missing validity": _without("validity"),
    "unknown field": template_body(colour="red"),
    "unknown nested field": template_body(limits={"total_quantity": 5, "per_week": 1}),
    "zero quantity": template_body(limits={"total_quantity": 0}),
    "negative points": template_body(points=-1),
    "naive datetime": template_body(
        validity={
            "kind": "absolute",
            "starts_at": "2026-03-01T00:00:00",
            "ends_at": "2026-04-01T00:00:00",
        }
    ),
    "lower-case currency": template_body(value={"amount": "10.00", "currency": "cny"}),
    "bad uuid in scope": template_body(scope={"kind": "products", "product_ids": ["p-1"]}),
    "empty name": template_body(name=""),
    # the schema says what the server takes (issue 9): a known currency, a positive face
    # value and cap, a threshold that is not negative, a name the domain's limit allows
    "unknown currency": template_body(value={"amount": "10.00", "currency": "XYZ"}),
    "zero value": template_body(value=yuan("0.00")),
    "negative threshold": template_body(threshold=yuan("-1.00")),
    # ... a rate strictly between 0 and 1 with at most 4 decimals, a public code of 4..32
    # letters and digits, at least one channel, and every bound the domain has
    "rate of 1.5": template_body(kind="rate", value=None, rate="1.5", threshold=yuan("10.00")),
    "rate of 0": template_body(kind="rate", value=None, rate="0", threshold=yuan("10.00")),
    "rate too precise": template_body(
        kind="rate", value=None, rate="0.12345", threshold=yuan("10.00")
    ),
    "bad public code": template_body(public_code="a!"),
    "short public code": template_body(public_code="ab-c"),
    "no channel": template_body(channels=[]),
    "name too long": template_body(name="n" * 101),
    "description too long": template_body(description="d" * 2001),
    "control character in a name": template_body(name="Spring\u0000sale"),
    "zero relative days": template_body(validity={"kind": "relative", "days": 0}),
    "too many relative days": template_body(validity={"kind": "relative", "days": 3661}),
    "quantity too large": template_body(limits={"total_quantity": 1_000_000_001}),
    "points too large": template_body(points=100_000_001),
    "validity before 1970": template_body(
        validity={
            "kind": "absolute",
            "starts_at": "0001-01-01T00:00:00+14:00",
            "ends_at": "2026-04-01T00:00:00Z",
        }
    ),
}


@pytest.mark.rule("SEC-4")
@pytest.mark.rule("MON-1")
@pytest.mark.parametrize("case", sorted(BAD_BODIES))
async def test_a_malformed_template_is_400_and_writes_nothing(
    client: Client, writer: dict[str, str], reader: dict[str, str], case: str
) -> None:
    response = await client.post("/coupons/templates", json=BAD_BODIES[case], headers=writer)
    body = problem(response, 400, "request.invalid")
    assert body["errors"]
    assert await template_count(client, reader) == 0


INVALID_DEFINITIONS: dict[str, tuple[dict[str, Any], str]] = {
    "threshold below the value": (
        template_body(value=yuan("100.00"), threshold=yuan("50.00")),
        "coupon.invalid_template",
    ),
    "rate without a currency": (
        template_body(kind="rate", value=None, rate="0.9", threshold=None),
        "coupon.invalid_template",
    ),
    "cash with a threshold": (template_body(kind="cash"), "coupon.invalid_template"),
    "threshold without a threshold": (
        template_body(threshold=None),
        "coupon.invalid_template",
    ),
    "mixed currencies": (
        template_body(threshold={"amount": "100.00", "currency": "USD"}),
        "coupon.invalid_template",
    ),
    "too many decimals": (template_body(value=yuan("10.001")), "money.too_precise"),
    "categories scope without categories": (
        template_body(scope={"kind": "categories"}),
        "coupon.invalid_template",
    ),
    "shop issuer without a shop": (
        template_body(issuer={"kind": "shop"}),
        "coupon.invalid_template",
    ),
    "validity ending before it starts": (
        template_body(
            validity={
                "kind": "absolute",
                "starts_at": "2026-04-01T00:00:00Z",
                "ends_at": "2026-03-01T00:00:00Z",
            }
        ),
        "coupon.invalid_template",
    ),
    "relative validity without days": (
        template_body(validity={"kind": "relative"}),
        "coupon.invalid_template",
    ),
    "daily limit above the per-user limit": (
        template_body(limits=limits(10, per_user=1, per_day=2)),
        "coupon.invalid_template",
    ),
    "blank name": (template_body(name="   "), "coupon.invalid_template"),
}


@pytest.mark.rule("CPN-1")
@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize("case", sorted(INVALID_DEFINITIONS))
async def test_a_definition_the_domain_refuses_is_422_and_writes_nothing(
    client: Client, writer: dict[str, str], reader: dict[str, str], case: str
) -> None:
    body, code = INVALID_DEFINITIONS[case]
    problem(await client.post("/coupons/templates", json=body, headers=writer), 422, code)
    assert await template_count(client, reader) == 0


@pytest.mark.rule("CPN-4")
async def test_a_public_code_belongs_to_one_template(
    client: Client, writer: dict[str, str], reader: dict[str, str]
) -> None:
    await create_template(client, writer, public_code="SAVE10")
    response = await client.post(
        "/coupons/templates", json=template_body(public_code="save-10"), headers=writer
    )
    problem(response, 422, "coupon.public_code_taken")
    assert await template_count(client, reader) == 1


@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("GET", "/coupons/templates/{zero}", None, "coupon.template_not_found"),
        ("PUT", "/coupons/templates/{zero}", "template", "coupon.template_not_found"),
        ("POST", "/coupons/templates/{zero}/activate", None, "coupon.template_not_found"),
        ("POST", "/coupons/templates/{zero}/pause", None, "coupon.template_not_found"),
        ("POST", "/coupons/templates/{zero}/end", None, "coupon.template_not_found"),
        ("GET", "/coupons/templates/{zero}/statistics", None, "coupon.template_not_found"),
        ("GET", "/coupons/templates/{zero}/code-batches", None, "coupon.template_not_found"),
        (
            "POST",
            "/coupons/templates/{zero}/code-batches",
            {"count": 1},
            "coupon.template_not_found",
        ),
        (
            "POST",
            "/coupons/templates/{zero}/issue",
            {"campaign_key": "c", "user_ids": [ZERO]},
            "coupon.template_not_found",
        ),
        ("GET", "/coupons/code-batches/{zero}", None, "coupon.code_batch_not_found"),
        ("GET", "/coupons/code-batches/{zero}/codes", None, "coupon.code_batch_not_found"),
        ("POST", "/coupons/coupons/{zero}/void", {"reason": "x"}, "coupon.not_found"),
        ("GET", "/coupons/templates/not-a-uuid", None, "http.not_found"),
    ],
)
async def test_unknown_ids_are_404(
    client: Client, admin: dict[str, str], method: str, path: str, body: Any, code: str
) -> None:
    payload = template_body() if body == "template" else body
    response = await client.request(
        method, path.replace("{zero}", ZERO), json=payload, headers=admin
    )
    problem(response, 404, code)


# --- who may do what (SEC-1) ------------------------------------------------------------------

OPERATOR_ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", "/coupons/templates", None, "coupons.read"),
    ("GET", "/coupons/templates/{id}", None, "coupons.read"),
    ("GET", "/coupons/templates/{id}/statistics", None, "coupons.read"),
    ("GET", "/coupons/usage", None, "coupons.read"),
    ("GET", "/coupons/templates/{id}/code-batches", None, "coupons.read"),
    ("GET", "/coupons/code-batches/{zero}", None, "coupons.read"),
    ("POST", "/coupons/templates", "template", "coupons.write"),
    ("PUT", "/coupons/templates/{id}", "template", "coupons.write"),
    ("POST", "/coupons/templates/{id}/activate", None, "coupons.write"),
    ("POST", "/coupons/templates/{id}/pause", None, "coupons.write"),
    ("POST", "/coupons/templates/{id}/end", None, "coupons.write"),
    (
        "POST",
        "/coupons/templates/{id}/issue",
        {"campaign_key": "c", "user_ids": [ZERO]},
        "coupons.issue",
    ),
    ("POST", "/coupons/templates/{id}/issue-segment?campaign_key=c", "segment", "coupons.issue"),
    ("POST", "/coupons/templates/{id}/code-batches", {"count": 2}, "coupons.codes"),
    ("GET", "/coupons/code-batches/{zero}/codes", None, "coupons.codes"),
    ("POST", "/coupons/coupons/{zero}/void", {"reason": "x"}, "coupons.void"),
]


async def _send(
    client: Client, method: str, path: str, body: Any, headers: dict[str, str], template_id: str
) -> Any:
    url = path.replace("{id}", template_id).replace("{zero}", ZERO)
    if body == "segment":
        return await client.request(
            method,
            url,
            content=f"{uuid.uuid4()}\n",
            headers={**headers, "Content-Type": "text/csv"},
        )
    payload = template_body() if body == "template" else body
    return await client.request(method, url, json=payload, headers=headers)


@pytest.mark.rule("SEC-1")
@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(("method", "path", "body", "permission"), OPERATOR_ROUTES)
@pytest.mark.parametrize("who", ["anonymous", "customer", "other operator", "customer+perm"])
async def test_operator_routes_need_their_permission_and_refusals_write_nothing(
    client: Client,
    settings: Settings,
    admin: dict[str, str],
    world: CouponWorld,
    who: str,
    method: str,
    path: str,
    body: Any,
    permission: str,
) -> None:
    template_id = await active_template(client, admin, distribution="both")
    before = (
        await template(client, admin, template_id),
        await statistics(client, admin, template_id),
        await template_count(client, admin),
        await world.job_count(),
    )
    others = [p for p in ALL_PERMISSIONS if p != permission]
    headers = {
        "anonymous": {},
        "customer": customer(settings, uuid.uuid4()),
        "other operator": operator(settings, *others, subject="op-other"),
        "customer+perm": bearer_customer_with(settings, permission),
    }[who]
    response = await _send(client, method, path, body, headers, template_id)
    if who == "anonymous":
        problem(response, 401, "auth.unauthenticated")
    elif who == "customer+perm":
        problem(response, 403, "auth.operator_only")
    else:
        refused = problem(response, 403, "auth.permission_required")
        assert refused["details"] == {"permission": permission}
    after = (
        await template(client, admin, template_id),
        await statistics(client, admin, template_id),
        await template_count(client, admin),
        await world.job_count(),
    )
    assert after == before


def bearer_customer_with(settings: Settings, permission: str) -> dict[str, str]:
    return bearer(settings, str(uuid.uuid4()), "customer", permission)


@pytest.mark.rule("SEC-1")
@pytest.mark.parametrize(("method", "path", "body", "permission"), OPERATOR_ROUTES)
async def test_the_permission_alone_lets_an_operator_through(
    client: Client,
    settings: Settings,
    admin: dict[str, str],
    method: str,
    path: str,
    body: Any,
    permission: str,
) -> None:
    template_id = await create_template(client, admin, distribution="both")
    await client.post(f"/coupons/templates/{template_id}/activate", headers=admin)
    headers = operator(settings, permission, subject="op-single")
    response = await _send(client, method, path, body, headers, template_id)
    # past the guard: any answer but 401/403 (unknown batch or coupon ids are 404; editing
    # an active template is 409)
    assert response.status_code not in (401, 403), response.text


# --- issuing (CPN-3) --------------------------------------------------------------------------


@pytest.mark.rule("CPN-3")
async def test_issuing_is_idempotent_per_campaign_key_and_user(
    client: Client, admin: dict[str, str], settings: Settings
) -> None:
    template_id = await active_template(
        client, admin, distribution="issue_only", limits=limits(3, per_user=1)
    )
    users = [str(uuid.uuid4()) for _ in range(2)]
    url = f"/coupons/templates/{template_id}/issue"
    first = await client.post(
        url, json={"campaign_key": "welcome", "user_ids": users}, headers=admin
    )
    assert first.status_code == 200, first.text
    report = first.json()
    assert sorted(i["user_id"] for i in report["issued"]) == sorted(users)
    assert (report["already"], report["refused"]) == ([], [])

    again = await client.post(
        url, json={"campaign_key": "welcome", "user_ids": users}, headers=admin
    )
    assert again.status_code == 200, again.text
    assert again.json()["issued"] == []
    assert sorted(again.json()["already"], key=lambda i: i["user_id"]) == sorted(
        report["issued"], key=lambda i: i["user_id"]
    )
    stats = await statistics(client, admin, template_id)
    assert (stats["issued"], stats["claimed"], stats["distinct_users"]) == (2, 0, 2)

    # a second campaign: the per-user limit does not bind issuing, the total does (CPN-3)
    late = await client.post(
        url, json={"campaign_key": "comeback", "user_ids": users}, headers=admin
    )
    assert len(late.json()["issued"]) == 1
    assert [r["code"] for r in late.json()["refused"]] == ["coupon.sold_out"]
    assert (await statistics(client, admin, template_id))["issued"] == 3

    owner = report["issued"][0]
    mine = await wallet(client, customer(settings, owner["user_id"]))
    assert owner["coupon_id"] in [i["coupon_id"] for i in mine["items"]]
    assert {i["via"] for i in mine["items"]} == {"issue"}


@pytest.mark.rule("CPN-3")
@pytest.mark.rule("SEC-4")
async def test_issuing_refuses_oversized_lists_and_claim_only_templates(
    client: Client, admin: dict[str, str]
) -> None:
    template_id = await active_template(client, admin, distribution="both")
    url = f"/coupons/templates/{template_id}/issue"
    too_many = [str(uuid.uuid4()) for _ in range(POLICY.max_issue_batch + 1)]
    body = problem(
        await client.post(url, json={"campaign_key": "c", "user_ids": too_many}, headers=admin),
        400,
        "request.invalid",
    )
    assert body["errors"][0]["field"] == "user_ids"
    problem(
        await client.post(url, json={"campaign_key": "c", "user_ids": []}, headers=admin),
        400,
        "request.invalid",
    )
    problem(
        await client.post(url, json={"campaign_key": "", "user_ids": [ZERO]}, headers=admin),
        400,
        "request.invalid",
    )
    assert (await statistics(client, admin, template_id))["issued"] == 0

    claim_only = await active_template(client, admin, name="claim only")
    response = await client.post(
        f"/coupons/templates/{claim_only}/issue",
        json={"campaign_key": "c", "user_ids": [ZERO]},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    assert response.json()["refused"] == [{"user_id": ZERO, "code": "coupon.claim_only"}]
    assert (await statistics(client, admin, claim_only))["issued"] == 0


@pytest.mark.rule("CPN-3")
async def test_a_segment_file_is_streamed_staged_and_issued_by_a_job(
    client: Client, admin: dict[str, str], settings: Settings, world: CouponWorld
) -> None:
    template_id = await active_template(client, admin, distribution="issue_only")
    users = [uuid.uuid4() for _ in range(7)]  # more than one issue chunk (max_issue_batch 5)
    lines = [
        "user_id,name",
        *(f"{u},Zoë" for u in users[:4]),
        "",
        "# a comment",
        *map(str, users[4:]),
        str(users[0]),
    ]
    data = ("\r\n".join(lines) + "\r\n").encode()
    response = await client.post(
        f"/coupons/templates/{template_id}/issue-segment?campaign_key=vip-2026",
        content=data,
        headers={**admin, "Content-Type": "text/csv; charset=utf-8"},
    )
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["users"] == 8  # as listed; the duplicate is skipped when issuing
    assert (await statistics(client, admin, template_id))["issued"] == 0  # not yet

    assert await world.run_jobs() == 1
    job = (await client.get(f"/jobs/{accepted['job_id']}", headers=admin)).json()
    assert job["state"] == "succeeded", job
    assert job["kind"] == "coupons.issue_segment"
    assert (job["done"], job["total"]) == (8, 8)
    assert job["result"]["issued"] == 7
    assert job["result"]["already"] == 1
    assert (await statistics(client, admin, template_id))["issued"] == 7
    for user in (users[0], users[-1]):
        assert (await wallet(client, customer(settings, user)))["total"] == 1
    assert await world.staged_segments() == 0  # the job dropped what it staged


@pytest.mark.rule("CPN-3")
async def test_a_segment_is_read_as_it_arrives_in_pieces(
    client: Client, admin: dict[str, str], world: CouponWorld
) -> None:
    """The body reaches the handler in pieces that split lines and characters; every line is
    read whole, and a bad line is named by its number however the pieces fall."""
    template_id = await active_template(client, admin, distribution="issue_only")
    users = [uuid.uuid4() for _ in range(6)]
    text = "user_id,note\n" + "".join(f"{u},café ☕\n" for u in users)
    url = f"/coupons/templates/{template_id}/issue-segment?campaign_key=pieces"
    status, body = await asgi_post(app_for(world), url, admin, "text/csv", pieces(text.encode(), 5))
    assert status == 202, body
    assert body["users"] == 6
    await world.run_jobs()
    assert (await statistics(client, admin, template_id))["issued"] == 6

    bad = text + "zzz\n" + f"{uuid.uuid4()}\n"
    status, body = await asgi_post(app_for(world), url, admin, "text/csv", pieces(bad.encode(), 3))
    assert (status, body["code"], body["details"]) == (422, "coupon.segment_invalid", {"line": 8})
    assert await world.staged_segments() == 0


@pytest.mark.rule("CPN-3")
async def test_a_segment_may_be_larger_than_the_usual_body_limit(
    client: Client, admin: dict[str, str], world: CouponWorld
) -> None:
    template_id = await active_template(client, admin, distribution="issue_only")
    data = "".join(f"{uuid.uuid4()}\n" for _ in range(30_000)).encode()
    assert len(data) > 1024 * 1024  # the app-wide limit of JSON bodies
    response = await client.post(
        f"/coupons/templates/{template_id}/issue-segment?campaign_key=big",
        content=data,
        headers={**admin, "Content-Type": "text/plain"},
    )
    assert response.status_code == 202, response.text
    assert response.json()["users"] == 30_000
    assert await world.staged_segments() == 1


@pytest.mark.rule("CPN-3")
@pytest.mark.rule("SEC-4")
async def test_a_segment_with_a_bad_line_is_refused_and_nothing_is_staged(
    client: Client, admin: dict[str, str], world: CouponWorld
) -> None:
    template_id = await active_template(client, admin, distribution="issue_only")
    url = f"/coupons/templates/{template_id}/issue-segment?campaign_key=vip"
    csv_headers = {**admin, "Content-Type": "text/csv"}
    jobs = await world.job_count()

    data = f"user_id\n{uuid.uuid4()}\nnot-a-user\n{uuid.uuid4()}\n".encode()
    body = problem(
        await client.post(url, content=data, headers=csv_headers), 422, "coupon.segment_invalid"
    )
    assert body["details"] == {"line": 3}
    assert "line 3" in body["detail"]

    body = problem(
        await client.post(url, content=b"\xff\xfe\n", headers=csv_headers),
        400,
        "coupon.segment_invalid",  # the route's own reader names the line that is not UTF-8
    )
    assert body["details"] == {"line": 1}
    body = problem(
        await client.post(
            url, content=f"{uuid.uuid4()}\n{'x' * 5000}".encode(), headers=csv_headers
        ),
        400,
        "coupon.segment_invalid",
    )
    assert body["details"] == {"line": 2}
    problem(
        await client.post(url, content=b"user_id\n\n# nobody\n", headers=csv_headers),
        422,
        "coupon.segment_empty",
    )
    problem(
        await client.post(
            url,
            content=f"{uuid.uuid4()}\n".encode(),
            headers={**admin, "Content-Type": "application/json"},
        ),
        415,
        "request.unsupported_media_type",
    )
    problem(
        await client.post(
            f"/coupons/templates/{template_id}/issue-segment",
            content=f"{uuid.uuid4()}\n".encode(),
            headers=csv_headers,
        ),
        400,
        "request.invalid",
    )
    assert await world.staged_segments() == 0
    assert await world.job_count() == jobs
    assert (await statistics(client, admin, template_id))["issued"] == 0


@pytest.mark.rule("CPN-3")
async def test_a_segment_needs_an_active_issuable_template(
    client: Client, admin: dict[str, str], world: CouponWorld
) -> None:
    draft = await create_template(client, admin, distribution="issue_only")
    claim_only = await active_template(client, admin)
    headers = {**admin, "Content-Type": "text/plain"}
    data = f"{uuid.uuid4()}\n".encode()
    problem(
        await client.post(
            f"/coupons/templates/{draft}/issue-segment?campaign_key=c",
            content=data,
            headers=headers,
        ),
        409,
        "coupon.not_active",
    )
    problem(
        await client.post(
            f"/coupons/templates/{claim_only}/issue-segment?campaign_key=c",
            content=data,
            headers=headers,
        ),
        409,
        "coupon.claim_only",
    )
    problem(
        await client.post(
            f"/coupons/templates/{ZERO}/issue-segment?campaign_key=c", content=data, headers=headers
        ),
        404,
        "coupon.template_not_found",
    )
    assert await world.staged_segments() == 0
    assert await world.job_count() == 0


# --- one-time codes (CPN-4) -------------------------------------------------------------------


@pytest.mark.rule("CPN-4")
async def test_codes_are_generated_by_a_job_downloaded_and_redeemed(
    client: Client, admin: dict[str, str], settings: Settings, world: CouponWorld
) -> None:
    template_id = await active_template(
        client, admin, distribution="issue_only", limits=limits(10, per_user=1)
    )
    response = await client.post(
        f"/coupons/templates/{template_id}/code-batches", json={"count": 8}, headers=admin
    )
    assert response.status_code == 202, response.text
    batch_id, job_id = response.json()["batch_id"], response.json()["job_id"]

    batch = (await client.get(f"/coupons/code-batches/{batch_id}", headers=admin)).json()
    assert (batch["state"], batch["generated"], batch["requested"]) == ("generating", 0, 8)
    problem(
        await client.get(f"/coupons/code-batches/{batch_id}/codes", headers=admin),
        409,
        "coupon.code_batch_not_ready",
    )
    job = (await client.get(f"/jobs/{job_id}", headers=admin)).json()
    assert (job["state"], job["kind"], job["total"]) == ("queued", "coupons.generate_codes", 8)
    assert job["params"] == {"batch_id": batch_id}

    assert await world.run_jobs() == 1
    job = (await client.get(f"/jobs/{job_id}", headers=admin)).json()
    assert (job["state"], job["done"], job["total"]) == ("succeeded", 8, 8)
    batch = (await client.get(f"/coupons/code-batches/{batch_id}", headers=admin)).json()
    assert (batch["state"], batch["generated"]) == ("ready", 8)
    assert batch["completed_at"] is not None
    listed = (
        await client.get(f"/coupons/templates/{template_id}/code-batches", headers=admin)
    ).json()
    assert [b["id"] for b in listed] == [batch_id]
    assert (await template(client, admin, template_id))["codes_reserved"] == 8

    download = await client.get(f"/coupons/code-batches/{batch_id}/codes", headers=admin)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["cache-control"] == "no-store"
    assert batch_id in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["code"]
    codes = [row[0] for row in rows[1:]]
    assert len(codes) == len(set(codes)) == 8

    # a one-time code binds a coupon once, even on an issue-only template
    alice = customer(settings, uuid.uuid4())
    redeemed = await client.post("/coupons/redeem", json={"code": codes[0].lower()}, headers=alice)
    assert redeemed.status_code == 201, redeemed.text
    assert redeemed.json()["template_id"] == template_id
    bob = customer(settings, uuid.uuid4())
    problem(
        await client.post("/coupons/redeem", json={"code": codes[0]}, headers=bob),
        404,
        "coupon.code_invalid",
    )
    stats = await statistics(client, admin, template_id)
    assert (stats["issued"], stats["claimed"]) == (1, 1)


@pytest.mark.rule("CPN-4")
@pytest.mark.rule("SEC-4")
async def test_codes_never_outnumber_the_total(
    client: Client, admin: dict[str, str], world: CouponWorld
) -> None:
    template_id = await active_template(client, admin, limits=limits(5))
    url = f"/coupons/templates/{template_id}/code-batches"
    assert (await client.post(url, json={"count": 4}, headers=admin)).status_code == 202
    jobs = await world.job_count()
    problem(
        await client.post(url, json={"count": 2}, headers=admin), 409, "coupon.codes_exceed_total"
    )
    problem(await client.post(url, json={"count": 0}, headers=admin), 400, "request.invalid")
    problem(await client.post(url, json={"count": "three"}, headers=admin), 400, "request.invalid")
    assert await world.job_count() == jobs
    assert (await template(client, admin, template_id))["codes_reserved"] == 4


# --- voiding (CPN-5) --------------------------------------------------------------------------


@pytest.mark.rule("CPN-5")
async def test_an_operator_voids_an_unused_coupon(
    client: Client, admin: dict[str, str], alice: dict[str, str]
) -> None:
    template_id = await active_template(client, admin)
    coupon_id = (await claim(client, alice, template_id)).json()["coupon_id"]
    url = f"/coupons/coupons/{coupon_id}/void"

    problem(await client.post(url, json={"reason": ""}, headers=admin), 400, "request.invalid")
    problem(await client.post(url, json={}, headers=admin), 400, "request.invalid")
    problem(
        await client.post(url, json={"reason": "   "}, headers=admin),
        422,
        "validation.invalid_value",
    )
    assert (await wallet(client, alice))["counts"]["available"] == 1

    response = await client.post(url, json={"reason": "issued by mistake"}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() == {"coupon_id": coupon_id, "outcome": "done"}
    again = await client.post(url, json={"reason": "issued by mistake"}, headers=admin)
    assert again.json()["outcome"] == "already"
    mine = await wallet(client, alice)
    assert (mine["counts"]["available"], mine["counts"]["voided"]) == (0, 1)
    assert (await statistics(client, admin, template_id))["voided"] == 1


# --- the usage log (CPN-9) and statistics (CPN-11) --------------------------------------------


@pytest.mark.rule("CPN-9")
@pytest.mark.rule("CPN-11")
async def test_statistics_and_the_usage_log_follow_orders(
    client: Client, admin: dict[str, str], settings: Settings, world: CouponWorld
) -> None:
    template_id = await active_template(client, admin, limits=limits(10, per_user=1))
    users = [uuid.uuid4() for _ in range(3)]
    coupons = []
    for user in users:
        response = await claim(client, customer(settings, user), template_id)
        coupons.append(uuid.UUID(response.json()["coupon_id"]))
    orders = [uuid.uuid4(), uuid.uuid4()]
    for user, coupon_id, order_id, amount in zip(
        users, coupons, orders, ("120.00", "250.01"), strict=False
    ):
        world.clock.advance(minutes=1)
        bus = world.runtime.bus
        await bus.handle(LockCoupons(order_id=order_id, user_id=user, coupon_ids=(coupon_id,)))
        await bus.handle(
            UseCoupons(
                order_id=order_id,
                uses=(CouponUse(coupon_id=coupon_id, discount=Money.of("10.00", "CNY")),),
                order_amount=Money.of(amount, "CNY"),
            )
        )

    stats = await statistics(client, admin, template_id)
    assert stats == {
        "template_id": template_id,
        "issued": 3,
        "claimed": 3,
        "available": 1,
        "locked": 0,
        "used": 2,
        "expired": 0,
        "voided": 0,
        "discount": yuan("20.00"),
        "gmv": yuan("370.01"),
        "orders": 2,
        "average_order_value": yuan("185.01"),  # 185.005 rounded half-up
        "distinct_users": 3,
    }

    log = (await client.get("/coupons/usage", headers=admin)).json()
    assert log["total"] == 2
    entry = log["items"][-1]
    assert entry["coupon_id"] == str(coupons[0])
    assert entry["user_id"] == str(users[0])
    assert entry["order_id"] == str(orders[0])
    assert (entry["action"], entry["discount"], entry["order_amount"]) == (
        "used",
        yuan("10.00"),
        yuan("120.00"),
    )
    for query, expected in (
        (f"template_id={template_id}", 2),
        (f"user_id={users[1]}", 1),
        (f"order_id={orders[0]}", 1),
        (f"coupon_id={coupons[2]}", 0),
        ("action=used", 2),
        ("action=returned", 0),
        ("since=2026-03-01T09:02:00Z", 1),
        ("until=2026-03-01T09:01:00%2B00:00", 0),
        ("until=2026-03-01T09:01:00.000001%2B00:00", 1),
        ("limit=1&offset=1", 2),
    ):
        page = (await client.get(f"/coupons/usage?{query}", headers=admin)).json()
        assert page["total"] == expected, query
    assert (
        len((await client.get("/coupons/usage?limit=1&offset=1", headers=admin)).json()["items"])
        == 1
    )

    for bad in ("action=lost", "since=yesterday", "since=2026-03-01T09:00:00", "user_id=u-1"):
        problem(await client.get(f"/coupons/usage?{bad}", headers=admin), 400, "request.invalid")


async def test_statistics_of_an_unused_template_have_no_average(
    client: Client, admin: dict[str, str]
) -> None:
    template_id = await create_template(client, admin)
    stats = await statistics(client, admin, template_id)
    assert stats["average_order_value"] is None
    assert stats["gmv"] == yuan("0.00")


# --- OpenAPI ----------------------------------------------------------------------------------


async def test_the_openapi_document_lists_the_coupon_routes(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/coupons/templates": {"get", "post"},
        "/coupons/templates/{template_id}": {"get", "put"},
        "/coupons/templates/{template_id}/activate": {"post"},
        "/coupons/templates/{template_id}/pause": {"post"},
        "/coupons/templates/{template_id}/end": {"post"},
        "/coupons/templates/{template_id}/statistics": {"get"},
        "/coupons/templates/{template_id}/issue": {"post"},
        "/coupons/templates/{template_id}/issue-segment": {"post"},
        "/coupons/templates/{template_id}/code-batches": {"get", "post"},
        "/coupons/code-batches/{batch_id}": {"get"},
        "/coupons/code-batches/{batch_id}/codes": {"get"},
        "/coupons/coupons/{coupon_id}/void": {"post"},
        "/coupons/usage": {"get"},
        "/coupons/templates/{template_id}/claim": {"post"},
        "/coupons/redeem": {"post"},
        "/coupons/center": {"get"},
        "/me/coupons": {"get"},
        "/me/coupons/usable": {"get"},
        "/me/coupons/{coupon_id}": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))

    create = paths["/coupons/templates"]["post"]
    assert "coupons.write" in create["description"]
    assert {"201", "400", "401", "403", "422"} <= set(create["responses"])
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
    claim_ = paths["/coupons/templates/{template_id}/claim"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in claim_["parameters"]}
    assert {"201", "401", "403", "404", "409"} <= set(claim_["responses"])
    assert "429" in paths["/coupons/redeem"]["post"]["responses"]
    assert paths["/coupons/center"]["get"]["security"] == [{}]
    segment = paths["/coupons/templates/{template_id}/issue-segment"]["post"]
    assert set(segment["requestBody"]["content"]) == {"text/csv", "text/plain"}
    assert "coupons.issue" in segment["description"]
    assert "coupons.codes" in paths["/coupons/code-batches/{batch_id}/codes"]["get"]["description"]
    assert "coupons.void" in paths["/coupons/coupons/{coupon_id}/void"]["post"]["description"]
