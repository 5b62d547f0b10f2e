"""The HTTP kernel as a client sees it: authentication, guards, problem details, health,
OpenAPI and idempotent commands — on a test-only controller over a real in-memory runtime."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import attrs
import jwt
import msgspec
import pytest
from litestar import Controller, Litestar, Router, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.conftest import Ping, World

from shop_adapters.http import (
    PUBLIC,
    MoneySchema,
    Page,
    Pagination,
    create_app,
    customer_only,
    dispatch,
    mint_token,
    operator_only,
    requires,
)
from shop_adapters.settings import Settings
from shop_adapters.shared.jwt_secret import jwt_secret_of
from shop_app.shared.auth import Principal
from shop_app.shared.messagebus import MessageBus
from shop_domain.shared.errors import Conflict

PROBLEM = "application/problem+json"

# --- a test-only controller -----------------------------------------------------------------


class NoteIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    count: Annotated[int, msgspec.Meta(ge=1)]


class NoteOut(msgspec.Struct):
    id: str
    name: str
    count: int
    author: str


class Hello(msgspec.Struct):
    greeting: str
    subject: str | None


class Me(msgspec.Struct):
    subject: str
    kind: str
    permissions: list[str]


class ProbeController(Controller):
    path = "/test"

    @get("/public", opt=PUBLIC)
    async def public(self, maybe_principal: NamedDependency[Principal | None]) -> Hello:
        subject = maybe_principal.subject if maybe_principal else None
        return Hello(greeting="hello", subject=subject)

    @get("/me", guards=[customer_only])
    async def me(self, principal: NamedDependency[Principal]) -> Me:
        return Me(principal.subject, principal.kind, sorted(principal.permissions))

    @post("/notes", guards=[operator_only, requires("test.write")])
    async def create_note(
        self,
        data: JSONBody[NoteIn],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[Principal],
        idempotency_key: NamedDependency[str | None],
    ) -> NoteOut:
        result = await dispatch(
            bus,
            Ping(data.name, data.count, principal.subject),
            principal=principal,
            idempotency_key=idempotency_key,
        )
        return msgspec.convert(result, NoteOut)

    @get("/conflict")
    async def conflict(self) -> None:
        raise Conflict("already there", code="test.already_there")

    @get("/crash")
    async def crash(self) -> None:
        raise RuntimeError("secret internals: password=hunter2")

    @get("/pages", opt=PUBLIC)
    async def pages(self, pagination: NamedDependency[Pagination]) -> Page[NoteOut]:
        items = [NoteOut(str(i), f"n{i}", i, "x") for i in range(45)]
        window = items[pagination.offset : pagination.offset + pagination.limit]
        return Page.of(window, len(items), pagination)

    @post("/money", opt=PUBLIC, status_code=200)
    async def money(self, data: JSONBody[MoneySchema]) -> MoneySchema:
        doubled = data.to_domain() * 2
        return MoneySchema.from_domain(doubled)


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def app(world: World) -> Iterator[Litestar]:
    with seated_app(world.runtime, [ProbeController], max_body_size=64 * 1024) as app:
        yield app


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def operator(settings: Settings) -> dict[str, str]:
    return bearer(mint_token(settings, "op-1", "operator", ["test.write"]))


@pytest.fixture
def customer(settings: Settings) -> dict[str, str]:
    return bearer(mint_token(settings, "cust-1", "customer"))


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["detail"]
    return body


# --- authentication (SEC-1) -----------------------------------------------------------------


@pytest.mark.rule("SEC-1")
async def test_a_protected_route_without_a_token_is_401(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/test/me")
    body = problem(response, 401, "auth.unauthenticated")
    assert body["instance"] == "/test/me"
    assert response.headers["www-authenticate"].startswith("Bearer")


def _forged(settings: Settings, **overrides: Any) -> str:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims: dict[str, Any] = {
        "sub": "op-1",
        "kind": "operator",
        "perms": ["*"],
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    secret = claims.pop("_secret", jwt_secret_of(settings))
    algorithm = claims.pop("_alg", "HS256")
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, secret, algorithm=algorithm)


BAD_TOKENS: dict[str, Any] = {
    "bad signature": lambda s: mint_token(
        Settings(jwt_secret="another-secret-of-at-least-32-characters!"), "cust-1", "customer"
    ),
    "expired": lambda s: mint_token(
        s, "cust-1", "customer", ttl_seconds=60, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    ),
    "wrong issuer": lambda s: mint_token(
        attrs.evolve(s, jwt_issuer="someone-else"), "cust-1", "customer"
    ),
    "no issuer": lambda s: _forged(s, iss=None),
    "no expiry": lambda s: _forged(s, exp=None),
    "unsigned": lambda s: _forged(s, _alg="none", _secret=None),
    "system kind": lambda s: _forged(s, kind="system"),
    "perms not a list": lambda s: _forged(s, perms="*"),
    "garbage": lambda s: "not.a.jwt",
}


@pytest.mark.rule("SEC-1")
@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
async def test_a_bad_token_is_401(
    client: AsyncTestClient[Litestar], settings: Settings, case: str
) -> None:
    token = BAD_TOKENS[case](settings)
    response = await client.get("/test/me", headers=bearer(token))
    problem(response, 401, "auth.unauthenticated")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert token not in response.text


@pytest.mark.rule("SEC-1")
async def test_an_expired_token_says_so(
    client: AsyncTestClient[Litestar], settings: Settings
) -> None:
    token = BAD_TOKENS["expired"](settings)
    body = problem(await client.get("/test/me", headers=bearer(token)), 401, "auth.unauthenticated")
    assert "expired" in body["detail"]


@pytest.mark.rule("SEC-1")
async def test_a_non_bearer_authorization_is_401(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/test/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    problem(response, 401, "auth.unauthenticated")


@pytest.mark.rule("SEC-1")
async def test_a_valid_token_gives_the_principal(
    client: AsyncTestClient[Litestar], customer: dict[str, str]
) -> None:
    response = await client.get("/test/me", headers=customer)
    assert response.status_code == 200
    assert response.json() == {"subject": "cust-1", "kind": "customer", "permissions": []}


@pytest.mark.rule("SEC-1")
async def test_a_public_route_works_without_and_with_a_token(
    client: AsyncTestClient[Litestar], customer: dict[str, str]
) -> None:
    anonymous = await client.get("/test/public")
    assert anonymous.status_code == 200
    assert anonymous.json() == {"greeting": "hello", "subject": None}
    known = await client.get("/test/public", headers=customer)
    assert known.status_code == 200
    assert known.json() == {"greeting": "hello", "subject": "cust-1"}


@pytest.mark.rule("SEC-1")
async def test_a_public_route_refuses_a_bad_token_rather_than_ignoring_it(
    client: AsyncTestClient[Litestar], settings: Settings
) -> None:
    response = await client.get("/test/public", headers=bearer(BAD_TOKENS["expired"](settings)))
    problem(response, 401, "auth.unauthenticated")


# --- authorization (SEC-1) ------------------------------------------------------------------


@pytest.mark.rule("SEC-1")
async def test_a_missing_permission_is_403_naming_it(
    client: AsyncTestClient[Litestar], settings: Settings, world: World
) -> None:
    token = mint_token(settings, "op-2", "operator", ["test.read"])
    response = await client.post(
        "/test/notes", json={"name": "a", "count": 1}, headers=bearer(token)
    )
    body = problem(response, 403, "auth.permission_required")
    assert body["details"] == {"permission": "test.write"}
    assert world.calls == []
    assert await world.notes() == []


@pytest.mark.rule("SEC-1")
async def test_a_customer_cannot_use_an_operator_route(
    client: AsyncTestClient[Litestar], customer: dict[str, str], world: World
) -> None:
    response = await client.post("/test/notes", json={"name": "a", "count": 1}, headers=customer)
    problem(response, 403, "auth.operator_only")
    assert world.calls == []


@pytest.mark.rule("SEC-1")
async def test_an_operator_cannot_use_a_customer_route(
    client: AsyncTestClient[Litestar], operator: dict[str, str]
) -> None:
    problem(await client.get("/test/me", headers=operator), 403, "auth.customer_only")


@pytest.mark.rule("SEC-1")
@pytest.mark.parametrize("perms", [["test.write"], ["*"]])
async def test_the_permission_lets_the_command_through(
    client: AsyncTestClient[Litestar], settings: Settings, world: World, perms: list[str]
) -> None:
    token = mint_token(settings, "op-1", "operator", perms)
    response = await client.post(
        "/test/notes", json={"name": "first", "count": 2}, headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "first"
    assert body["author"] == "op-1"
    [note] = await world.notes()
    assert (note.name, note.count, str(note.id)) == ("first", 2, body["id"])


def test_mint_token_refuses_nonsense(settings: Settings) -> None:
    from shop_domain.shared.errors import InvalidValue

    with pytest.raises(InvalidValue):
        mint_token(settings, "", "customer")
    with pytest.raises(InvalidValue):
        mint_token(settings, "x", "system")  # type: ignore[arg-type]
    with pytest.raises(InvalidValue):
        mint_token(settings, "x", "customer", ttl_seconds=0)


# --- problems (SEC-4) -----------------------------------------------------------------------


@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "", "count": 1}, "name"),
        ({"name": "a", "count": 0}, "count"),
        ({"name": "a", "count": "three"}, "count"),
        ({"name": "a"}, "count"),
        ({"name": "a", "count": 1, "admin": True}, "admin"),
    ],
)
async def test_a_bad_body_is_400_with_field_errors_and_writes_nothing(
    client: AsyncTestClient[Litestar],
    operator: dict[str, str],
    world: World,
    payload: dict[str, Any],
    field: str,
) -> None:
    response = await client.post("/test/notes", json=payload, headers=operator)
    body = problem(response, 400, "request.invalid")
    assert [e["field"] for e in body["errors"]] == [field], body
    assert all(e.get("source", "body") == "body" for e in body["errors"])
    assert world.calls == []
    assert await world.notes() == []
    assert await world.shop.outbox() == []


@pytest.mark.rule("SEC-4")
async def test_a_body_that_is_not_json_is_400(
    client: AsyncTestClient[Litestar], operator: dict[str, str], world: World
) -> None:
    response = await client.post(
        "/test/notes",
        content=b"{not json",
        headers={**operator, "Content-Type": "application/json"},
    )
    problem(response, 400, "request.invalid")
    assert world.calls == []


@pytest.mark.rule("SEC-4")
async def test_a_bad_query_parameter_is_400_with_its_name(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/test/pages", params={"limit": "1000"})
    body = problem(response, 400, "request.invalid")
    assert [(e["field"], e["source"]) for e in body["errors"]] == [("limit", "query")]


@pytest.mark.rule("SEC-4")
async def test_an_oversized_body_is_413(
    client: AsyncTestClient[Litestar], operator: dict[str, str], world: World
) -> None:
    payload = {"name": "a" * (70 * 1024), "count": 1}
    response = await client.post("/test/notes", json=payload, headers=operator)
    problem(response, 413, "request.too_large")
    assert world.calls == []


@pytest.mark.rule("SEC-4")
async def test_an_unknown_route_is_a_404_problem(client: AsyncTestClient[Litestar]) -> None:
    body = problem(await client.get("/nowhere"), 404, "http.not_found")
    assert body["instance"] == "/nowhere"


@pytest.mark.rule("SEC-4")
async def test_a_wrong_method_is_a_405_problem(client: AsyncTestClient[Litestar]) -> None:
    problem(await client.delete("/test/public"), 405, "http.method_not_allowed")


@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("bad", 422, "test.bad_name"),
        ("missing", 404, "test.missing"),
        ("taken", 409, "test.name_taken"),
    ],
)
async def test_domain_errors_map_to_their_status_and_code(
    client: AsyncTestClient[Litestar],
    operator: dict[str, str],
    world: World,
    name: str,
    status: int,
    code: str,
) -> None:
    response = await client.post("/test/notes", json={"name": name, "count": 1}, headers=operator)
    problem(response, status, code)
    assert await world.notes() == []


@pytest.mark.rule("SEC-4")
async def test_domain_error_details_are_exposed(
    client: AsyncTestClient[Litestar], operator: dict[str, str]
) -> None:
    response = await client.post(
        "/test/notes", json={"name": "taken", "count": 1}, headers=operator
    )
    assert problem(response, 409, "test.name_taken")["details"] == {"name": "taken"}


@pytest.mark.rule("SEC-4")
async def test_a_domain_error_raised_in_a_handler_is_mapped(
    client: AsyncTestClient[Litestar], customer: dict[str, str]
) -> None:
    body = problem(await client.get("/test/conflict", headers=customer), 409, "test.already_there")
    assert body["detail"] == "already there"


@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize("path", ["/test/crash", "/test/notes"])
async def test_an_unexpected_error_is_500_without_internals(
    client: AsyncTestClient[Litestar],
    operator: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    path: str,
) -> None:
    if path == "/test/crash":
        response = await client.get(path, headers=operator)
    else:
        response = await client.post(path, json={"name": "boom", "count": 1}, headers=operator)
    problem(response, 500, "internal.error")
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name == "shop_adapters.http" and r.exc_info]
    assert logged, "the failure is logged with its traceback"
    token = operator["Authorization"].split()[1]
    assert all(token not in r.getMessage() for r in caplog.records)


# --- health ---------------------------------------------------------------------------------


async def test_liveness_needs_no_token(client: AsyncTestClient[Litestar], world: World) -> None:
    world.readiness.failing = True
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_follows_the_runtime(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok"}
    world.readiness.failing = True
    body = problem(await client.get("/health/ready"), 503, "health.not_ready")
    assert "db.internal" not in str(body)


async def test_health_ignores_a_bad_token(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/live", headers=bearer("garbage"))
    assert response.status_code == 200


# --- runtime ownership ----------------------------------------------------------------------


@pytest.mark.parametrize("owns", [True, False])
async def test_the_runtime_is_closed_only_when_the_app_owns_it(world: World, owns: bool) -> None:
    app = create_app(world.runtime, [ProbeController], owns_runtime=owns)
    async with AsyncTestClient(app) as client:
        assert (await client.get("/health/live")).status_code == 200
    assert world.readiness.closed == (1 if owns else 0)


# --- OpenAPI --------------------------------------------------------------------------------


async def test_the_openapi_document_describes_the_api(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "shop"
    scheme = document["components"]["securitySchemes"]["BearerToken"]
    assert (scheme["type"], scheme["scheme"].lower(), scheme["bearerFormat"]) == (
        "http",
        "bearer",
        "JWT",
    )
    assert {"BearerToken": []} in document["security"]
    paths = document["paths"]
    assert {"/test/public", "/test/me", "/test/notes", "/health/live", "/health/ready"} <= set(
        paths
    )
    assert paths["/test/public"]["get"]["security"] == [{}]
    assert paths["/health/live"]["get"]["security"] == [{}]
    assert "security" not in paths["/test/me"]["get"]  # the global bearer requirement applies
    notes = paths["/test/notes"]["post"]
    assert notes["description"].count("test.write") == 1
    for status in ("400", "401", "403", "422"):
        assert "application/problem+json" in notes["responses"][status]["content"], status
    # a public operation answers 401 only to a token that is sent and not valid (SEC-1)
    assert "sent" in paths["/test/public"]["get"]["responses"]["401"]["description"]
    assert "Idempotency-Key" in {p["name"] for p in notes["parameters"]}
    assert "MoneySchema" in document["components"]["schemas"]


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger", "/schema/redoc", "/schema/scalar"])
async def test_the_api_docs_need_no_token(client: AsyncTestClient[Litestar], path: str) -> None:
    assert (await client.get(path)).status_code == 200


# --- idempotency (SEC-5) --------------------------------------------------------------------


@pytest.mark.rule("SEC-5")
async def test_a_retry_with_the_same_key_returns_the_first_result_and_runs_once(
    client: AsyncTestClient[Litestar], operator: dict[str, str], world: World
) -> None:
    headers = {**operator, "Idempotency-Key": "k-123"}
    first = await client.post("/test/notes", json={"name": "once", "count": 1}, headers=headers)
    again = await client.post("/test/notes", json={"name": "once", "count": 1}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(world.calls) == 1
    assert len(await world.notes()) == 1


@pytest.mark.rule("SEC-5")
async def test_the_same_key_for_another_request_is_409(
    client: AsyncTestClient[Litestar], operator: dict[str, str], world: World
) -> None:
    headers = {**operator, "Idempotency-Key": "k-123"}
    await client.post("/test/notes", json={"name": "once", "count": 1}, headers=headers)
    response = await client.post("/test/notes", json={"name": "other", "count": 1}, headers=headers)
    problem(response, 409, "idempotency.key_reused")
    assert len(await world.notes()) == 1


@pytest.mark.rule("SEC-5")
async def test_keys_are_scoped_to_their_caller(
    client: AsyncTestClient[Litestar], settings: Settings, world: World
) -> None:
    for subject in ("op-1", "op-2"):
        token = mint_token(settings, subject, "operator", ["test.write"])
        response = await client.post(
            "/test/notes",
            json={"name": "same", "count": 1},
            headers={**bearer(token), "Idempotency-Key": "shared"},
        )
        assert response.status_code == 201
    assert len(world.calls) == 2


@pytest.mark.rule("SEC-5")
async def test_without_a_key_each_request_runs(
    client: AsyncTestClient[Litestar], operator: dict[str, str], world: World
) -> None:
    for _ in range(2):
        await client.post("/test/notes", json={"name": "twice", "count": 1}, headers=operator)
    assert len(await world.notes()) == 2


@pytest.mark.rule("SEC-5")
@pytest.mark.parametrize("key", [b"", b"x" * 201, "caf\u00e9".encode()])
async def test_a_malformed_key_is_400(
    client: AsyncTestClient[Litestar], operator: dict[str, str], world: World, key: bytes
) -> None:
    response = await client.post(
        "/test/notes",
        json={"name": "a", "count": 1},
        headers=[
            *((k.encode(), v.encode()) for k, v in operator.items()),
            (b"Idempotency-Key", key),
        ],
    )
    problem(response, 400, "idempotency.invalid_key")
    assert world.calls == []


# --- shared schemas -------------------------------------------------------------------------


async def test_money_travels_as_exact_decimal_strings(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/test/money", json={"amount": "0.10", "currency": "CNY"})
    assert response.status_code == 200
    assert response.json() == {"amount": "0.20", "currency": "CNY"}
    yen = await client.post("/test/money", json={"amount": "150", "currency": "JPY"})
    assert yen.json() == {"amount": "300", "currency": "JPY"}


@pytest.mark.rule("SEC-4")
@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"amount": 0.1, "currency": "CNY"}, 400, "request.invalid"),
        ({"amount": "1e3", "currency": "CNY"}, 400, "request.invalid"),
        ({"amount": "0.001", "currency": "CNY"}, 422, "money.too_precise"),
        ({"amount": "1.00", "currency": "XXX"}, 400, "request.invalid"),
    ],
)
async def test_money_refuses_floats_and_inexact_amounts(
    client: AsyncTestClient[Litestar], payload: dict[str, Any], status: int, code: str
) -> None:
    problem(await client.post("/test/money", json=payload), status, code)


async def test_pages_carry_the_window_and_the_total(client: AsyncTestClient[Litestar]) -> None:
    body = (await client.get("/test/pages", params={"limit": 10, "offset": 40})).json()
    assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (45, 10, 40, 5)
    default = (await client.get("/test/pages")).json()
    assert (default["limit"], default["offset"], len(default["items"])) == (20, 0, 20)


async def test_apps_built_twice_document_the_same(world: World) -> None:
    documents = []
    for _ in range(2):
        async with AsyncTestClient(create_app(world.runtime, [ProbeController])) as client:
            documents.append((await client.get("/schema/openapi.json")).json())
    assert documents[0]["paths"] == documents[1]["paths"]


@get("/ping")
async def routed_ping() -> Hello:
    return Hello(greeting="pong", subject=None)


@pytest.mark.rule("SEC-1")
async def test_a_router_with_a_layer_guard_is_protected_and_documented(
    world: World, settings: Settings
) -> None:
    router = Router("/routed", route_handlers=[routed_ping], guards=[requires("routed.read")])
    async with AsyncTestClient(create_app(world.runtime, [router])) as client:
        without = bearer(mint_token(settings, "op-1", "operator", ["other"]))
        problem(await client.get("/routed/ping", headers=without), 403, "auth.permission_required")
        allowed = bearer(mint_token(settings, "op-1", "operator", ["routed.read"]))
        assert (await client.get("/routed/ping", headers=allowed)).status_code == 200
        document = (await client.get("/schema/openapi.json")).json()
    assert "routed.read" in document["paths"]["/routed/ping"]["get"]["description"]
