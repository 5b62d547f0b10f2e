"""Support for the gift-card e2e tests: the in-memory runtime exactly as
``bootstrap(Settings(database_url="memory://", sms="memory"))`` wires it (on a fixed clock, with
exports written under pytest's ``tmp_path``), tokens, bodies, and helpers that drive the API.

Tests check what a request wrote through the API itself (batches, cards, history, records,
exports, jobs, the audit log): :func:`footprint` is everything a refused request must leave
alone.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import msoffcrypto
import openpyxl
from litestar import Litestar
from litestar.testing import AsyncTestClient
from tests.e2e.app_support import seated_app
from tests.e2e.catalog_support import PROBLEM, bearer, problem, yuan

from shop_adapters.bootstrap import bootstrap
from shop_adapters.http import create_app
from shop_adapters.http.giftcards import GIFTCARD_CONTROLLERS
from shop_adapters.http.giftcards.admin import PERMISSIONS
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.shared.sms import MemorySmsSender
from shop_adapters.shared.system import FixedClock

__all__ = ["PROBLEM", "bearer", "problem", "yuan"]

Client = AsyncTestClient[Litestar]

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
ATTEMPTS = 3
"""Wrong number/secret pairs per user and per card before a lock-out (small, for tests)."""
OWNER_PHONE = "+86 138 0013 1234"
ALL_PERMISSIONS = (*PERMISSIONS, "jobs.read", "audit.read")
VANITY = ("888888888888", "666666666666", "520520520520")


@attrs.define
class GiftWorld:
    """What the tests look at: the settings the tokens are minted with, the clock the runtime
    reads, the runtime and its SMS outbox."""

    settings: Settings
    clock: FixedClock
    runtime: Runtime

    @property
    def sms(self) -> MemorySmsSender:
        sender = self.runtime.sms
        assert isinstance(sender, MemorySmsSender)
        return sender

    def last_code(self, phone: str = OWNER_PHONE) -> str:
        """The one-time code in the last SMS to ``phone``."""
        text = self.sms.last_to(phone)
        assert text is not None, f"no SMS to {phone}"
        found = re.search(r"\b(\d{4,12})\b", text)
        assert found is not None, "no code in the SMS"
        return found.group(1)

    async def run_jobs(self) -> int:
        """Run every queued job, as a worker process would."""
        return await self.runtime.job_runner.run_until_idle("e2e-worker")

    async def job_count(self) -> int:
        return await self.runtime.jobs.count()


def giftcard_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """``memory://`` settings; ``overrides`` are of the gift cards' section."""
    cards = GiftCardSettings(
        export_dir=str(tmp_path / "exports"), activation_attempts=ATTEMPTS, **overrides
    )
    return Settings(database_url="memory://", sms="memory", sections=[cards])


def build_world(settings: Settings) -> GiftWorld:
    clock = FixedClock(T0)
    runtime = bootstrap(settings, clock=clock)
    return GiftWorld(settings=settings, clock=clock, runtime=runtime)


def app_for(world: GiftWorld) -> Litestar:
    return create_app(world.runtime, GIFTCARD_CONTROLLERS)


@contextmanager
def seated_app_for(world: GiftWorld) -> Iterator[Litestar]:
    """:func:`app_for` ``world``, built once and reused (see ``tests.e2e.app_support``)."""
    with seated_app(world.runtime, GIFTCARD_CONTROLLERS) as app:
        yield app


# --- principals -------------------------------------------------------------------------------


def operator(settings: Settings, *perms: str, subject: str = "op-1") -> dict[str, str]:
    return bearer(settings, subject, "operator", *perms)


def customer(settings: Settings, user_id: uuid.UUID | str) -> dict[str, str]:
    return bearer(settings, str(user_id), "customer")


def with_key(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


# --- bodies -----------------------------------------------------------------------------------


def batch_body(**overrides: Any) -> dict[str, Any]:
    """A physical ¥100 batch valid for a year from T0, with the owner's phone; no cards
    (give ``count`` or ``numbers``)."""
    body: dict[str, Any] = {
        "name": "Spring ¥100",
        "kind": "physical",
        "face_value": "100.00",
        "currency": "CNY",
        "validity": {"ends_at": (T0 + dt.timedelta(days=365)).isoformat()},
        "owner_phone": OWNER_PHONE,
        "card_maker": "Acme Print",
        "remark": "for the spring fair",
    }
    body.update(overrides)
    return body


# --- driving the API --------------------------------------------------------------------------


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def create_batch(
    client: Client, headers: dict[str, str], *, status: int | None = None, **overrides: Any
) -> dict[str, Any]:
    """Create a batch; the answer (``BatchStartedOut``)."""
    body = batch_body(**overrides)
    expected = status or (202 if "count" in body else 201)
    response = await client.post("/giftcards/batches", json=body, headers=headers)
    started: dict[str, Any] = ok(response, expected)
    assert response.headers["location"] == f"/giftcards/batches/{started['batch_id']}"
    return started


async def given_batch(
    client: Client,
    headers: dict[str, str],
    numbers: tuple[str, ...] = VANITY,
    *,
    open_it: bool = True,
    **overrides: Any,
) -> str:
    """A batch of the given numbers, opened unless told; its id."""
    started = await create_batch(client, headers, numbers=list(numbers), **overrides)
    batch_id: str = started["batch_id"]
    if open_it:
        await open_batch(client, headers, batch_id)
    return batch_id


async def open_batch(client: Client, headers: dict[str, str], batch_id: str) -> dict[str, Any]:
    batch: dict[str, Any] = ok(
        await client.post(f"/giftcards/batches/{batch_id}/open", headers=headers)
    )
    assert batch["state"] == "opened"
    return batch


async def get_batch(client: Client, headers: dict[str, str], batch_id: str) -> dict[str, Any]:
    batch: dict[str, Any] = ok(await client.get(f"/giftcards/batches/{batch_id}", headers=headers))
    return batch


async def cards_of(
    client: Client, headers: dict[str, str], batch_id: str, query: str = ""
) -> list[dict[str, Any]]:
    page = ok(
        await client.get(f"/giftcards/batches/{batch_id}/cards?limit=100{query}", headers=headers)
    )
    items: list[dict[str, Any]] = page["items"]
    return items


async def card_by_number(
    client: Client, headers: dict[str, str], batch_id: str, number: str
) -> dict[str, Any]:
    for card in await cards_of(client, headers, batch_id):
        if card["number"] == number:
            return card
    raise AssertionError(f"no card {number}")


async def get_card(client: Client, headers: dict[str, str], card_id: str) -> dict[str, Any]:
    card: dict[str, Any] = ok(await client.get(f"/giftcards/cards/{card_id}", headers=headers))
    return card


async def reveal(client: Client, headers: dict[str, str], card_id: str) -> str:
    body = ok(await client.post(f"/giftcards/cards/{card_id}/secret", headers=headers))
    assert body["card_id"] == card_id
    secret: str = body["secret"]
    return secret


async def history(
    client: Client,
    headers: dict[str, str],
    *,
    batch_id: str | None = None,
    card_id: str | None = None,
) -> list[dict[str, Any]]:
    path = (
        f"/giftcards/batches/{batch_id}/history"
        if batch_id is not None
        else f"/giftcards/cards/{card_id}/history"
    )
    page = ok(await client.get(f"{path}?limit=100", headers=headers))
    items: list[dict[str, Any]] = page["items"]
    return items


def last(entries: list[dict[str, Any]], action: str) -> dict[str, Any]:
    """The last history entry of ``action``."""
    found = [entry for entry in entries if entry["action"] == action]
    assert found, f"no {action!r} in {[e['action'] for e in entries]}"
    return found[-1]


async def bind(
    client: Client, headers: dict[str, str], card_id: str, user_id: uuid.UUID
) -> dict[str, Any]:
    card: dict[str, Any] = ok(
        await client.post(
            f"/giftcards/cards/{card_id}/bind", json={"user_id": str(user_id)}, headers=headers
        ),
        201,
    )
    assert card["state"] == "activated"
    return card


async def audit(client: Client, headers: dict[str, str], **filters: str) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    page = ok(await client.get(f"/audit?limit=100&{query}", headers=headers))
    items: list[dict[str, Any]] = page["items"]
    return items


async def footprint(client: Client, admin: dict[str, str], world: GiftWorld) -> Any:
    """Everything the API shows of the gift cards, and the jobs: what a refused request must
    leave as it was."""
    batches = ok(await client.get("/giftcards/batches?limit=100", headers=admin))
    per_batch = []
    for batch in batches["items"]:
        batch_id = batch["id"]
        per_batch.append(
            (
                ok(
                    await client.get(
                        f"/giftcards/batches/{batch_id}/cards?limit=100", headers=admin
                    )
                ),
                ok(
                    await client.get(
                        f"/giftcards/batches/{batch_id}/history?limit=100", headers=admin
                    )
                ),
                ok(
                    await client.get(
                        f"/giftcards/batches/{batch_id}/exports?limit=100", headers=admin
                    )
                ),
            )
        )
    return (
        batches,
        per_batch,
        ok(await client.get("/giftcards/activations?limit=100", headers=admin)),
        ok(await client.get("/giftcards/usages?limit=100", headers=admin)),
        await world.job_count(),
    )


def read_export(data: bytes, password: str) -> list[tuple[Any, ...]]:
    """The rows of an exported workbook, decrypted with ``password``."""
    encrypted = msoffcrypto.OfficeFile(io.BytesIO(data))
    encrypted.load_key(password=password)
    plain = io.BytesIO()
    encrypted.decrypt(plain)
    plain.seek(0)
    workbook = openpyxl.load_workbook(plain, read_only=True)
    sheet = workbook.active
    assert sheet is not None
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
