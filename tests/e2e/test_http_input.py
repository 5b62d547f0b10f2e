"""The kernel's input rules (issue 9, finding 4; ``shop_adapters.http.limits``): inputs that used
to answer 500 are each a 4xx problem with a stable code, write nothing and log no traceback."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Controller, Litestar, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import bearer, problem
from tests.e2e.conftest import World
from tests.e2e.test_http_kernel import ProbeController

from shop_adapters.bootstrap import bootstrap
from shop_adapters.http import PUBLIC, create_app
from shop_adapters.http.catalog import CATALOG_CONTROLLERS
from shop_adapters.http.coupons import COUPON_CONTROLLERS
from shop_adapters.http.giftcards import GIFTCARD_CONTROLLERS
from shop_adapters.http.schemas import Moment, MoneyIn
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.settings import Settings
from shop_domain.shared.errors import InvalidValue
from shop_domain.shared.money import Money

pytestmark = pytest.mark.rule("SEC-4")

LIMIT = 1024 * 1024
HUGE_OFFSET = "1395017252386879062477935476736"


class EchoController(Controller):
    path = "/echo"

    @post("/any", opt=PUBLIC, status_code=200)
    async def any_json(self, data: JSONBody[dict[str, Any]]) -> dict[str, int]:
        return {"keys": len(data)}

    @post("/money", opt=PUBLIC, status_code=200)
    async def money(self, data: JSONBody[MoneyIn]) -> dict[str, int]:
        return {"minor": data.to_domain().minor}

    @get("/path/{name:str}", opt=PUBLIC)
    async def path_param(self, name: FromPath[str]) -> dict[str, str]:
        return {"name": name}

    @get("/since", opt=PUBLIC)
    async def since(self, since: FromQuery[dt.datetime | None] = None) -> dict[str, str | None]:
        return {"since": None if since is None else since.isoformat()}

    @post("/moment", opt=PUBLIC, status_code=200)
    async def moment(self, data: JSONBody[dict[str, Moment]]) -> dict[str, int]:
        return {"count": len(data)}


@pytest.fixture
async def client(world: World) -> AsyncIterator[AsyncTestClient[Litestar]]:
    controllers = [ProbeController, EchoController]
    with seated_app(world.runtime, controllers, max_body_size=LIMIT) as app:
        async with AsyncTestClient(app) as client:
            yield client


@pytest.fixture
def writer(world: World) -> dict[str, str]:
    return bearer(world.runtime.settings, "op-1", "operator", "test.write")


@pytest.fixture(autouse=True)
def no_traceback(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Nothing here may log an error: a traceback per bad request would let anyone flood logs."""
    with caplog.at_level(logging.WARNING):
        yield
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


# --- characters and encoding ----------------------------------------------------------------


async def test_nul_in_a_query_string_is_400(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/test/pages?limit=5&x=a%00b")
    body = problem(response, 400, "request.invalid_character")
    assert body["errors"] == [{"field": "x", "message": "control character", "source": "query"}]


async def test_nul_in_a_path_is_400(client: AsyncTestClient[Litestar]) -> None:
    problem(await client.get("/echo/path/a%00b"), 400, "request.invalid_character")
    assert (await client.get("/echo/path/ab")).json() == {"name": "ab"}


async def test_control_character_in_a_header_is_400(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/test/public", headers={"X-Note": "a\x01b"})
    problem(response, 400, "request.invalid_character")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "a\\u0000b", "count": 1}',  # an escaped NUL in a JSON string
        b'{"name": "a\\u001bb", "count": 1}',  # ESC
    ],
)
async def test_a_control_character_in_a_body_is_400_and_writes_nothing(
    client: AsyncTestClient[Litestar], world: World, writer: dict[str, str], raw: bytes
) -> None:
    headers = {**writer, "Content-Type": "application/json"}
    response = await client.post("/test/notes", content=raw, headers=headers)
    problem(response, 400, "request.invalid_character")
    assert await world.notes() == []


async def test_a_raw_nul_byte_is_not_json(
    client: AsyncTestClient[Litestar], world: World, writer: dict[str, str]
) -> None:
    headers = {**writer, "Content-Type": "application/json"}
    raw = b'{"name": "a\x00b", "count": 1}'
    problem(await client.post("/test/notes", content=raw, headers=headers), 400, "request.invalid")
    assert await world.notes() == []


async def test_tab_and_newline_are_text(
    client: AsyncTestClient[Litestar], world: World, writer: dict[str, str]
) -> None:
    response = await client.post(
        "/test/notes", json={"name": "a\tb\nc", "count": 1}, headers=writer
    )
    assert response.status_code == 201, response.text


async def test_invalid_utf8_in_a_body_is_400(
    client: AsyncTestClient[Litestar], world: World, writer: dict[str, str]
) -> None:
    raw = b'{"name": "\xff\xfe", "count": 1}'
    headers = {**writer, "Content-Type": "application/json"}
    problem(
        await client.post("/test/notes", content=raw, headers=headers),
        400,
        "request.invalid_encoding",
    )
    assert await world.notes() == []


async def test_invalid_utf8_in_a_query_is_400(client: AsyncTestClient[Litestar]) -> None:
    problem(await client.get("/test/pages?x=%ff%fe"), 400, "request.invalid_encoding")


# --- depth, strictness ----------------------------------------------------------------------


@pytest.mark.parametrize("opening", [b"[", b'{"a":'])
async def test_json_nested_100000_levels_is_400(
    client: AsyncTestClient[Litestar], opening: bytes
) -> None:
    closing = b"]" if opening == b"[" else b"}"
    raw = b'{"deep": ' + opening * 100_000 + b"1" + closing * 100_000 + b"}"
    headers = {"Content-Type": "application/json"}
    problem(await client.post("/echo/any", content=raw, headers=headers), 400, "request.too_deep")


@pytest.mark.parametrize("count", ["3", 3.0, True, "true"])
async def test_integers_in_a_body_are_strict(
    client: AsyncTestClient[Litestar], world: World, writer: dict[str, str], count: Any
) -> None:
    response = await client.post("/test/notes", json={"name": "n", "count": count}, headers=writer)
    body = problem(response, 400, "request.invalid")
    assert body["errors"][0]["field"] == "count"
    assert await world.notes() == []


async def test_a_strict_body_still_names_a_nested_field(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/echo/money", json={"amount": 5, "currency": "CNY"})
    body = problem(response, 400, "request.invalid")
    assert body["errors"][0]["field"] == "amount"


# --- money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount", ["100000000000000000.00", "10000000000", "-1.00", "01.00", "1.0001", "1e3"]
)
async def test_an_amount_beyond_what_the_server_takes_is_400(
    client: AsyncTestClient[Litestar], amount: str
) -> None:
    response = await client.post("/echo/money", json={"amount": amount, "currency": "CNY"})
    problem(response, 400, "request.invalid")


async def test_the_largest_amount_is_taken(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/echo/money", json={"amount": "9999999999.99", "currency": "CNY"})
    assert response.json() == {"minor": 999_999_999_999}


@pytest.mark.parametrize("amount", ["100000000000000000.00", "1e99999999", "-1e10"])
def test_money_has_a_documented_maximum(amount: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        Money.of(amount, "CNY")
    assert refused.value.code == "money.too_large"


def test_a_tiny_or_long_amount_is_never_rounded() -> None:
    for amount in ("1e-99999999", "1.00000000000000000000000000000001"):
        with pytest.raises(InvalidValue) as refused:
            Money.of(amount, "CNY")
        assert refused.value.code == "money.too_precise"


# --- datetimes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "1969-12-31T23:59:59Z"]
)
async def test_a_datetime_out_of_range_in_a_body_is_400(
    client: AsyncTestClient[Litestar], moment: str
) -> None:
    body = problem(await client.post("/echo/moment", json={"at": moment}), 400, "request.invalid")
    assert body["errors"][0]["field"] == "at"


async def test_a_datetime_in_range_is_taken(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/echo/moment", json={"at": "9998-12-31T11:59:59-12:00"})
    assert response.json() == {"count": 1}


async def test_a_datetime_out_of_range_in_a_query_is_400(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/echo/since", params={"since": "0001-01-01T00:00:00+14:00"})
    body = problem(response, 400, "request.invalid")
    assert body["errors"][0] == {
        "field": "since",
        "message": "must be from 1970-01-01T00:00:00+00:00 up to (not including) "
        "9999-01-01T00:00:00+00:00",
        "source": "query",
    }


# --- size -----------------------------------------------------------------------------------


async def _asgi(
    app: Litestar, path: str, chunks: list[bytes], headers: dict[str, str]
) -> tuple[int, bytes]:
    """Call the app as a server would with a streamed (chunked) body: no Content-Length."""
    pending = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "server": ("test", 80),
        "client": ("test", 1),
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def test_a_chunked_body_over_the_limit_is_413(
    client: AsyncTestClient[Litestar], world: World, writer: dict[str, str]
) -> None:
    chunk = b" " * 256 * 1024
    head = b'{"name": "n", "count": 1}'
    headers = {**writer, "content-type": "application/json", "transfer-encoding": "chunked"}
    status, body = await _asgi(client.app, "/test/notes", [head, *[chunk] * 5], headers)
    assert status == 413
    assert b'"request.too_large"' in body
    assert await world.notes() == []


async def test_a_declared_body_over_the_limit_is_413(
    client: AsyncTestClient[Litestar], writer: dict[str, str]
) -> None:
    raw = b'{"name": "n", "count": 1}' + b" " * LIMIT
    headers = {**writer, "Content-Type": "application/json"}
    problem(
        await client.post("/test/notes", content=raw, headers=headers), 413, "request.too_large"
    )


# --- the whole app: paging and the NUL on PostgreSQL ----------------------------------------


def _full_app(settings: Settings) -> Litestar:
    return create_app(
        bootstrap(settings), [*CATALOG_CONTROLLERS, *COUPON_CONTROLLERS, *GIFTCARD_CONTROLLERS]
    )


@pytest.mark.postgres
async def test_nul_in_a_keyword_on_postgresql_is_400(postgres_url: str, tmp_path: Path) -> None:
    settings = _settings(postgres_url, tmp_path)
    async with AsyncTestClient(_full_app(settings)) as client:
        response = await client.get("/catalog/products?keyword=a%00b")
        problem(response, 400, "request.invalid_character")
        assert (await client.get("/catalog/products?keyword=ab")).status_code == 200


def _settings(url: str, tmp_path: Path) -> Settings:
    """Settings whose secret and key files live in the test's folder, not the checkout's."""
    return Settings(
        database_url=url,
        sms="memory",
        jwt_secret_file=str(tmp_path / "jwt.secret"),
        sections=[
            GiftCardSettings(export_dir=str(tmp_path), key_file=str(tmp_path / "giftcard.keys"))
        ],
    )


@pytest.mark.parametrize(
    ("path", "kind", "permission"),
    [
        ("/me/coupons", "customer", ""),
        ("/jobs", "operator", "jobs.read"),
        ("/audit", "operator", "audit.read"),
    ],
)
@pytest.mark.parametrize("offset", [HUGE_OFFSET, str(2**63), "1000000001"])
async def test_an_offset_beyond_the_maximum_is_400(
    sqlite_url: str, tmp_path: Path, path: str, kind: str, permission: str, offset: str
) -> None:
    settings = _settings(sqlite_url, tmp_path)
    perms = [permission] if permission else []
    headers = bearer(settings, "0190f1a2-0000-7000-8000-000000000001", kind, *perms)
    async with AsyncTestClient(_full_app(settings)) as client:
        response = await client.get(path, params={"offset": offset}, headers=headers)
        body = problem(response, 400, "request.invalid")
        assert body["errors"][0]["field"] == "offset"
        assert (
            await client.get(path, params={"offset": "1000000000"}, headers=headers)
        ).status_code == 200


@pytest.mark.parametrize("since", ["0.5", "1700000000", "yesterday"])
async def test_a_datetime_query_parameter_is_iso_8601(
    client: AsyncTestClient[Litestar], since: str
) -> None:
    """Litestar's lenient conversion would take a number as a Unix time."""
    response = await client.get("/echo/since", params={"since": since})
    body = problem(response, 400, "request.invalid")
    assert body["errors"][0]["field"] == "since"


async def test_an_iso_datetime_query_parameter_is_taken(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/echo/since", params={"since": "2026-06-01T00:00:00+08:00"})
    assert response.json() == {"since": "2026-06-01T00:00:00+08:00"}


@pytest.mark.parametrize(("path", "name"), [("/echo/since", "since"), ("/test/pages", "offset")])
async def test_a_single_valued_query_parameter_given_twice_is_400(
    client: AsyncTestClient[Litestar], path: str, name: str
) -> None:
    """The fuzzer's find: ``?action=a&action=b`` was answered as if only one was given."""
    values = {"since": "2026-06-01T00:00:00Z", "offset": "1"}[name]
    response = await client.get(f"{path}?{name}={values}&{name}={values}")
    body = problem(response, 400, "request.invalid")
    assert body["errors"][0] == {
        "field": name,
        "message": "given more than once",
        "source": "query",
    }
