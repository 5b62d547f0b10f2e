"""Support for the coupons e2e tests: a runtime with the coupon services (``memory://``, or a
migrated SQLite file), tokens, template bodies, and helpers that drive the API itself.

Tests check what a request wrote through the API where they can (statistics, wallets, job
counts), so the same helpers serve every backend.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
from litestar import Litestar
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import PROBLEM, bearer, problem, yuan

from shop_adapters.http import create_app
from shop_adapters.http.coupons import COUPON_CONTROLLERS
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.shared.system import FixedClock, UuidV7Generator
from shop_adapters.sql.coupons.segments import coupon_segments
from shop_app.coupons.codegen import GENERATE_CODES, CodeGenerator
from shop_app.coupons.handlers import coupon_command_handlers
from shop_app.coupons.middlewares import coupon_middlewares
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.ports import CodeStore, CouponsUnitOfWork
from shop_app.coupons.queries import CouponQueries
from shop_app.coupons.segments import ISSUE_SEGMENT, SegmentIssuer, SegmentStore
from shop_app.coupons.services import CouponServices
from shop_app.shared.jobs import JobStore
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.ratelimit import AttemptLimiter
from shop_testing.harness import MemoryShop, memory_shop

__all__ = ["PROBLEM", "bearer", "problem", "yuan"]

Client = AsyncTestClient[Litestar]

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
POLICY = CouponPolicy(max_issue_batch=5, code_chunk=3, code_attempts=3)
"""Small sizes, so that limits and chunking show in small tests."""

ALL_PERMISSIONS = (
    "coupons.read",
    "coupons.write",
    "coupons.issue",
    "coupons.codes",
    "coupons.void",
    "jobs.read",
)


@attrs.define
class CouponWorld:
    """What the tests look at: the runtime, its clock, and (``memory://``) its database."""

    clock: FixedClock
    runtime: Runtime
    services: CouponServices
    shop: MemoryShop | None = None

    async def run_jobs(self) -> int:
        """Run every queued job, as a worker process would."""
        return await self.runtime.job_runner.run_until_idle("e2e-worker")

    async def job_count(self) -> int:
        return await self.runtime.jobs.count()

    async def staged_segments(self) -> int:
        """Segments staged and not yet issued (``memory://`` worlds)."""
        assert self.shop is not None
        return await self.shop.count(coupon_segments)


def wire(
    settings: Settings,
    *,
    clock: FixedClock,
    uow_factory: Callable[[], CouponsUnitOfWork],
    queries: CouponQueries,
    code_store: CodeStore,
    segment_store: SegmentStore,
    jobs: JobStore,
    limiter: AttemptLimiter,
    policy: CouponPolicy = POLICY,
    closers: list[Callable[[], Awaitable[None]]] | None = None,
    shop: MemoryShop | None = None,
) -> CouponWorld:
    """The coupon services and their jobs over one backend, as the composition root wires
    them."""
    bus = MessageBus(
        uow_factory,  # type: ignore[arg-type]
        coupon_command_handlers(policy),
        middlewares=coupon_middlewares(policy, limiter, clock),
    )
    services = CouponServices(
        queries=queries,
        generator=CodeGenerator(uow_factory, code_store, clock, policy),
        segments=SegmentIssuer(bus, segment_store, policy),
        policy=policy,
    )
    runtime = Runtime(
        settings=settings,
        bus=bus,
        clock=clock,
        jobs=jobs,
        limiter=limiter,
        closers=closers or [],
        services={CouponServices: services},
    )

    runtime.job_runner.register(GENERATE_CODES, services.generator.run_job)
    runtime.job_runner.register(ISSUE_SEGMENT, services.segments.run_job)
    return CouponWorld(clock=clock, runtime=runtime, services=services, shop=shop)


def memory_world(settings: Settings, policy: CouponPolicy = POLICY) -> CouponWorld:
    """The coupon services over a ``memory://`` runtime's adapters, with ``policy`` (sizes that
    settings do not give); the app that owns the runtime closes the database."""
    clock = FixedClock(T0)
    shop = memory_shop(settings, clock=clock)
    return wire(
        settings,
        clock=clock,
        uow_factory=shop.uow,  # the application's unit of work has them all
        queries=shop.resolve(CouponQueries),
        code_store=shop.resolve(CodeStore),
        segment_store=shop.resolve(SegmentStore),
        jobs=shop.runtime.jobs,
        limiter=shop.runtime.limiter,
        policy=policy,
        closers=shop.runtime.closers,
        shop=shop,
    )


def sqlite_world(settings: Settings, url: str, policy: CouponPolicy = POLICY) -> CouponWorld:
    """The same services over a migrated SQLite file (``sqlite_url``)."""
    from shop_adapters.sql.coupons.codes import SqlCodeStore
    from shop_adapters.sql.coupons.queries import SqlCouponQueries
    from shop_adapters.sql.coupons.segments import SqlSegmentStore
    from shop_adapters.sql.engine import make_engine
    from shop_adapters.sql.jobs import SqlJobStore
    from shop_adapters.sql.ratelimit import SqlAttemptLimiter
    from shop_adapters.sql.uow_app import SqlShopUnitOfWork

    engine = make_engine(url)
    clock = FixedClock(T0)
    ids = UuidV7Generator()
    return wire(
        settings,
        clock=clock,
        uow_factory=lambda: SqlShopUnitOfWork(engine, clock, ids),
        queries=SqlCouponQueries(engine),
        code_store=SqlCodeStore(engine),
        segment_store=SqlSegmentStore(engine),
        jobs=SqlJobStore(engine, ids),
        limiter=SqlAttemptLimiter(engine),
        policy=policy,
        closers=[engine.dispose],
    )


def app_for(world: CouponWorld) -> Litestar:
    return create_app(world.runtime, COUPON_CONTROLLERS)


@contextmanager
def seated_app_for(world: CouponWorld) -> Iterator[Litestar]:
    """:func:`app_for` ``world``, built once and reused (see ``tests.e2e.app_support``)."""
    with seated_app(world.runtime, COUPON_CONTROLLERS) as app:
        yield app


# --- principals -------------------------------------------------------------------------------


def operator(settings: Settings, *perms: str, subject: str = "op-1") -> dict[str, str]:
    return bearer(settings, subject, "operator", *perms)


def customer(settings: Settings, user_id: uuid.UUID | str) -> dict[str, str]:
    return bearer(settings, str(user_id), "customer")


# --- bodies -----------------------------------------------------------------------------------


def template_body(**overrides: Any) -> dict[str, Any]:
    """满100减10, claimable, 30 days from the claim, 100 in all, 2 a user."""
    body: dict[str, Any] = {
        "name": "10 off 100",
        "kind": "threshold",
        "value": yuan("10.00"),
        "threshold": yuan("100.00"),
        "validity": {"kind": "relative", "days": 30},
        "limits": {"total_quantity": 100, "per_user": 2},
    }
    body.update(overrides)
    return body


def limits(total: int, per_user: int | None = None, per_day: int | None = None) -> dict[str, Any]:
    return {"total_quantity": total, "per_user": per_user, "per_user_per_day": per_day}


# --- driving the API --------------------------------------------------------------------------


async def create_template(client: Client, writer: dict[str, str], **overrides: Any) -> str:
    response = await client.post(
        "/coupons/templates", json=template_body(**overrides), headers=writer
    )
    assert response.status_code == 201, response.text
    template_id: str = response.json()["id"]
    assert response.headers["location"] == f"/coupons/templates/{template_id}"
    return template_id


async def active_template(client: Client, writer: dict[str, str], **overrides: Any) -> str:
    template_id = await create_template(client, writer, **overrides)
    response = await client.post(f"/coupons/templates/{template_id}/activate", headers=writer)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "active"
    return template_id


async def claim(
    client: Client, headers: dict[str, str], template_id: str, key: str | None = None
) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    return await client.post(
        f"/coupons/templates/{template_id}/claim", headers={**headers, **extra}
    )


async def statistics(client: Client, reader: dict[str, str], template_id: str) -> dict[str, Any]:
    response = await client.get(f"/coupons/templates/{template_id}/statistics", headers=reader)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def wallet(client: Client, headers: dict[str, str], query: str = "") -> dict[str, Any]:
    response = await client.get(f"/me/coupons{query}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def template(client: Client, reader: dict[str, str], template_id: str) -> dict[str, Any]:
    response = await client.get(f"/coupons/templates/{template_id}", headers=reader)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def pieces(data: bytes, size: int) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


async def asgi_post(
    app: Litestar, path: str, headers: dict[str, str], media_type: str, body: list[bytes]
) -> tuple[int, Any]:
    """POST ``body`` to ``app`` as a raw ASGI request delivered in the given pieces (the test
    client sends a body in one piece); the status and the decoded JSON answer."""
    target, _, query = path.partition("?")
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw_headers.append((b"content-type", media_type.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": target,
        "raw_path": target.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": raw_headers,
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    messages = [
        {"type": "http.request", "body": piece, "more_body": i < len(body) - 1}
        for i, piece in enumerate(body)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[arg-type]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(payload)
