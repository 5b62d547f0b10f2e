"""The kernel's operator endpoints as a client sees them: ``/jobs`` (``jobs.read``) and
``/audit`` (``audit.read``); operators' commands sent through ``dispatch`` are audited; a
rate-limited request is a 429 with ``Retry-After``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import attrs
import msgspec
import pytest
from litestar import Controller, Litestar, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.testing import AsyncTestClient
from tests.e2e.conftest import Ping, World

from shop_adapters.http import create_app, dispatch, mint_token, operator_only
from shop_adapters.settings import Settings
from shop_app.shared.audit import AuditEntry
from shop_app.shared.auth import Principal
from shop_app.shared.messagebus import MessageBus

PROBLEM = "application/problem+json"


class NoteIn(msgspec.Struct):
    name: str
    count: int


class NotesController(Controller):
    path = "/kernel-test"

    @post("/notes", guards=[operator_only])
    async def create_note(
        self,
        data: JSONBody[NoteIn],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[Principal],
        idempotency_key: NamedDependency[str | None],
    ) -> dict[str, Any]:
        result: dict[str, Any] = await dispatch(
            bus,
            Ping(data.name, data.count, principal.subject),
            principal=principal,
            idempotency_key=idempotency_key,
        )
        return result


@pytest.fixture
async def client(world: World) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(create_app(world.runtime, [NotesController])) as client:
        yield client


def token(settings: Settings, subject: str, *permissions: str) -> dict[str, str]:
    kind = "customer" if subject.startswith("cust") else "operator"
    return {"Authorization": f"Bearer {mint_token(settings, subject, kind, permissions)}"}


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


async def make_jobs(world: World) -> list[uuid.UUID]:
    jobs = world.runtime.jobs
    start = world.runtime.clock.now()
    made = [
        await jobs.create("coupons.generate_codes", {"count": n}, n, "op-1", start)
        for n in (10, 20)
    ]
    made.append(await jobs.create("giftcards.create_batch", {}, 0, "op-2", start))
    return made


# --- who may read -----------------------------------------------------------------------------


A_JOB = pytest.param(f"/jobs/{uuid.uuid4()}", id="/jobs/{id}")
"""Any job's path; the test id names it without the random id, so that every collection of the
tests (each pytest-xdist worker's) agrees."""


@pytest.mark.rule("SEC-1")
@pytest.mark.parametrize("path", ["/jobs", A_JOB, "/audit"])
async def test_without_a_token_is_401(client: AsyncTestClient[Litestar], path: str) -> None:
    problem(await client.get(path), 401, "auth.unauthenticated")


@pytest.mark.rule("SEC-1")
@pytest.mark.parametrize(
    ("path", "permission"),
    [
        ("/jobs", "jobs.read"),
        pytest.param(*A_JOB.values, "jobs.read", id="/jobs/{id}-jobs.read"),
        ("/audit", "audit.read"),
    ],
)
async def test_without_the_permission_is_403_naming_it(
    client: AsyncTestClient[Litestar], settings: Settings, path: str, permission: str
) -> None:
    other = "audit.read" if permission == "jobs.read" else "jobs.read"
    for headers in (token(settings, "op-1", other), token(settings, "cust-1")):
        body = problem(await client.get(path, headers=headers), 403, "auth.permission_required")
        assert body["details"] == {"permission": permission}


# --- /jobs --------------------------------------------------------------------------------------


async def test_an_operator_lists_jobs_newest_first_by_kind_and_page(
    client: AsyncTestClient[Litestar], settings: Settings, world: World
) -> None:
    first, second, batch = await make_jobs(world)
    headers = token(settings, "op-1", "jobs.read")
    response = await client.get("/jobs", headers=headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 3
    assert {item["id"] for item in page["items"]} == {str(first), str(second), str(batch)}
    response = await client.get(
        "/jobs",
        params={"kind": "coupons.generate_codes", "limit": 1, "offset": 1},
        headers=headers,
    )
    page = response.json()
    assert (page["total"], page["limit"], page["offset"]) == (2, 1, 1)
    [item] = page["items"]
    assert item["kind"] == "coupons.generate_codes"
    problem(await client.get("/jobs", params={"limit": 0}, headers=headers), 400, "request.invalid")


async def test_an_operator_reads_one_job_with_its_progress(
    client: AsyncTestClient[Litestar], settings: Settings, world: World
) -> None:
    job_id, *_ = await make_jobs(world)
    now = world.runtime.clock.now()
    await world.runtime.jobs.start(job_id, "w1", now, dt.timedelta(minutes=5))
    await world.runtime.jobs.progress(job_id, 4, now)
    response = await client.get(f"/jobs/{job_id}", headers=token(settings, "op-9", "jobs.read"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(job_id)
    assert (body["kind"], body["state"], body["done"], body["total"]) == (
        "coupons.generate_codes",
        "running",
        4,
        10,
    )
    assert body["params"] == {"count": 10}
    assert (body["result"], body["error"], body["created_by"]) == (None, None, "op-1")
    assert (body["worker"], body["attempts"]) == ("w1", 1)
    assert dt.datetime.fromisoformat(body["created_at"]) == now


async def test_an_unknown_job_is_404(client: AsyncTestClient[Litestar], settings: Settings) -> None:
    missing = uuid.uuid4()
    response = await client.get(f"/jobs/{missing}", headers=token(settings, "op-1", "jobs.read"))
    body = problem(response, 404, "job.not_found")
    assert str(missing) in body["detail"]


# --- /audit -------------------------------------------------------------------------------------


@pytest.mark.rule("SEC-2")
async def test_an_operators_commands_through_http_are_in_the_audit_log(
    client: AsyncTestClient[Litestar], settings: Settings
) -> None:
    writer = token(settings, "op-1")
    assert (
        await client.post("/kernel-test/notes", json={"name": "n1", "count": 2}, headers=writer)
    ).status_code == 201
    problem(
        await client.post("/kernel-test/notes", json={"name": "bad", "count": 1}, headers=writer),
        422,
        "test.bad_name",
    )
    response = await client.get("/audit", headers=token(settings, "auditor", "audit.read"))
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 2
    refused, done = page["items"]
    assert (done["actor_kind"], done["actor"], done["action"], done["outcome"]) == (
        "operator",
        "op-1",
        "ping",
        "done",
    )
    assert done["detail"] == {"name": "n1", "count": 2, "author": "op-1"}
    assert refused["outcome"] == "refused"
    assert refused["detail"]["$error"] == "test.bad_name"


@pytest.mark.rule("SEC-2")
async def test_the_audit_log_filters_and_pages(
    client: AsyncTestClient[Litestar], settings: Settings, world: World
) -> None:
    clock = world.runtime.clock
    rows = [("op-1", "void_coupon", "c-1"), ("op-2", "void_coupon", "c-2"), ("op-1", "x", "c-1")]
    async with world.shop.uow() as uow:
        for n, (actor, action, target) in enumerate(rows):
            await uow.audit.append(
                AuditEntry(
                    id=uuid.uuid4(),
                    at=clock.now() + dt.timedelta(seconds=n),
                    actor_kind="operator",
                    actor=actor,
                    action=action,
                    target=target,
                    outcome="done",
                    detail={"n": n},
                )
            )
        await uow.commit()
    headers = token(settings, "auditor", "audit.read")

    async def ns(**params: Any) -> list[int]:
        response = await client.get("/audit", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [item["detail"]["n"] for item in response.json()["items"]]

    assert await ns() == [2, 1, 0]
    assert await ns(actor="op-1") == [2, 0]
    assert await ns(action="void_coupon") == [1, 0]
    assert await ns(target="c-1", action="void_coupon") == [0]
    assert await ns(limit=1, offset=1) == [1]


async def test_a_runtime_without_an_audit_read_side_answers_503(
    settings: Settings, world: World
) -> None:
    bare = attrs.evolve(world.runtime, audit=None)
    async with AsyncTestClient(create_app(bare)) as client:
        response = await client.get("/audit", headers=token(settings, "a", "audit.read"))
    problem(response, 503, "audit.unavailable")


# --- rate limits ----------------------------------------------------------------------------


async def test_a_rate_limited_request_is_429_with_retry_after(
    client: AsyncTestClient[Litestar], settings: Settings
) -> None:
    response = await client.post(
        "/kernel-test/notes", json={"name": "limited", "count": 1}, headers=token(settings, "op")
    )
    body = problem(response, 429, "rate_limited.too_many_attempts")
    assert response.headers["Retry-After"] == "90"
    assert body["details"]["retry_after_seconds"] == 90


async def test_the_kernel_endpoints_are_documented(client: AsyncTestClient[Litestar]) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert "jobs.read" in paths["/jobs"]["get"]["description"]
    assert "jobs.read" in paths["/jobs/{job_id}"]["get"]["description"]
    assert "404" in paths["/jobs/{job_id}"]["get"]["responses"]
    assert "audit.read" in paths["/audit"]["get"]["description"]
