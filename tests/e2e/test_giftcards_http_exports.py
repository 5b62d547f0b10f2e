"""Exporting gift cards for printing, through the API (GC-12): the export permission and a
one-time code by SMS, a password-protected spreadsheet written by a job, audited refusals
(SEC-2), and the file as a printer would open it."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msoffcrypto
import openpyxl
import pytest
from litestar.testing import AsyncTestClient
from msoffcrypto.exceptions import (
    DecryptionError,
    InvalidKeyError,
)
from tests.e2e.giftcard_http_support import (
    ALL_PERMISSIONS,
    OWNER_PHONE,
    T0,
    VANITY,
    Client,
    GiftWorld,
    app_for,
    audit,
    bearer,
    build_world,
    card_by_number,
    cards_of,
    footprint,
    giftcard_settings,
    given_batch,
    history,
    ok,
    operator,
    problem,
    read_export,
    reveal,
    seated_app_for,
)

from shop_adapters.http.giftcards.admin_exports import XLSX
from shop_adapters.settings import Settings

PASSWORD = "print-shop-2026"
ADMIN_PHONE = "+86 139 0000 9999"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return giftcard_settings(tmp_path, admin_phone=ADMIN_PHONE)


@pytest.fixture
def world(settings: Settings) -> GiftWorld:
    return build_world(settings)


@pytest.fixture
async def client(world: GiftWorld) -> AsyncIterator[Client]:
    with seated_app_for(world) as app:
        async with AsyncTestClient(app) as client:
            yield client


@pytest.fixture
def admin(settings: Settings) -> dict[str, str]:
    return operator(settings, *ALL_PERMISSIONS, subject="op-admin")


@pytest.fixture
def exporter(settings: Settings) -> dict[str, str]:
    return operator(settings, "giftcards.export", "giftcards.read", subject="op-print")


async def request_code(client: Client, headers: dict[str, str], batch_id: str) -> Any:
    return await client.post(f"/giftcards/batches/{batch_id}/export-code", headers=headers)


async def start(client: Client, headers: dict[str, str], batch_id: str, **body: Any) -> Any:
    return await client.post(f"/giftcards/batches/{batch_id}/exports", json=body, headers=headers)


def normalised(secret: Any) -> str:
    return str(secret).replace("-", "")


# --- the whole way (GC-12) --------------------------------------------------------------------


@pytest.mark.rule("GC-12")
@pytest.mark.rule("GC-10")
@pytest.mark.rule("SEC-2")
async def test_chosen_cards_are_exported_to_a_file_only_the_password_opens(
    client: Client,
    admin: dict[str, str],
    exporter: dict[str, str],
    world: GiftWorld,
    tmp_path: Path,
) -> None:
    batch_id = await given_batch(client, admin)
    chosen = [await card_by_number(client, admin, batch_id, n) for n in VANITY[:2]]
    secrets = {c["number"]: await reveal(client, admin, c["id"]) for c in chosen}

    sent = ok(await request_code(client, exporter, batch_id), 202)
    assert sent["phone"] == "*********1234"
    assert sent["expires_at"] == (T0.replace(minute=5)).isoformat().replace("+00:00", "Z")
    assert [sms.phone for sms in world.sms.sent] == [OWNER_PHONE]
    code = world.last_code()
    assert code not in str(sent)

    response = await start(
        client, exporter, batch_id, password=PASSWORD, code=code, card_ids=[c["id"] for c in chosen]
    )
    accepted = ok(response, 202)
    export_id = accepted["export_id"]
    assert response.headers["location"] == f"/giftcards/exports/{export_id}"
    queued = ok(await client.get(f"/giftcards/exports/{export_id}", headers=exporter))
    assert (queued["state"], queued["whole_batch"], queued["chosen"]) == ("queued", False, 2)
    assert queued["requested_by"] == "op-print"
    problem(
        await client.get(f"/giftcards/exports/{export_id}/file", headers=exporter),
        409,
        "giftcard.export_not_ready",
    )
    job = ok(await client.get(f"/jobs/{accepted['job_id']}", headers=admin))
    assert job["kind"] == "giftcards.export_cards"
    assert PASSWORD not in str(job)

    assert await world.run_jobs() == 1

    ready = ok(await client.get(f"/giftcards/exports/{export_id}", headers=exporter))
    assert (ready["state"], ready["rows"], ready["error"]) == ("ready", 2, None)
    listed = ok(await client.get(f"/giftcards/batches/{batch_id}/exports", headers=exporter))
    assert [e["id"] for e in listed["items"]] == [export_id]
    download = await client.get(f"/giftcards/exports/{export_id}/file", headers=exporter)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith(XLSX)
    assert download.headers["cache-control"] == "no-store"
    assert "attachment" in download.headers["content-disposition"]
    data = download.content
    assert (tmp_path / "exports" / f"{export_id}.xlsx").read_bytes() == data

    rows = read_export(data, PASSWORD)
    assert rows[0][:2] == ("Card number", "Secret")
    body = {row[0]: normalised(row[1]) for row in rows[1:]}
    assert body == secrets  # exactly the chosen cards, with their secrets
    assert all(row[2] == "100.00" and row[3] == "CNY" for row in rows[1:])

    # without the password the file does not open
    with pytest.raises(zipfile.BadZipFile):  # an encrypted compound file, not a workbook
        openpyxl.load_workbook(io.BytesIO(data))
    with pytest.raises((InvalidKeyError, DecryptionError)):
        read_export(data, "wrong password")
    assert msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted()

    exported = [
        e for e in await history(client, admin, batch_id=batch_id) if e["action"] == "export"
    ]
    assert [(e["actor"], e["detail"]["cards"], e["detail"]["whole_batch"]) for e in exported] == [
        ("op-print", 2, False)
    ]
    entries = await audit(client, admin, actor="op-print")
    assert [(e["action"], e["outcome"]) for e in entries] == [("start_export", "done")]
    assert PASSWORD not in str(entries)

    # a code works once
    problem(
        await start(client, exporter, batch_id, password=PASSWORD, code=code),
        403,
        "otp.invalid",
    )


@pytest.mark.rule("GC-12")
async def test_a_whole_batch_export_leaves_discarded_cards_out(
    client: Client, admin: dict[str, str], exporter: dict[str, str], world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin, owner_phone=None)
    gone = await card_by_number(client, admin, batch_id, VANITY[2])
    ok(await client.post(f"/giftcards/cards/{gone['id']}/discard", json={}, headers=admin))

    sent = ok(await request_code(client, exporter, batch_id), 202)
    assert sent["phone"] == "*********9999"  # no owner's phone: the administrator's
    assert [sms.phone for sms in world.sms.sent] == [ADMIN_PHONE]
    accepted = ok(
        await start(
            client, exporter, batch_id, password=PASSWORD, code=world.last_code(ADMIN_PHONE)
        ),
        202,
    )
    assert await world.run_jobs() == 1
    export = ok(await client.get(f"/giftcards/exports/{accepted['export_id']}", headers=exporter))
    assert (export["state"], export["whole_batch"], export["chosen"]) == ("ready", True, None)
    data = (
        await client.get(f"/giftcards/exports/{accepted['export_id']}/file", headers=exporter)
    ).content
    numbers = [row[0] for row in read_export(data, PASSWORD)[1:]]
    assert numbers == sorted(VANITY[:2])
    cards = await cards_of(client, admin, batch_id)
    assert len(cards) == 3


# --- refusals (GC-12, SEC-2) ------------------------------------------------------------------


@pytest.mark.rule("GC-12")
@pytest.mark.rule("SEC-2")
@pytest.mark.rule("SEC-1")
async def test_without_the_export_permission_nothing_is_sent_and_the_refusal_is_audited(
    client: Client, admin: dict[str, str], settings: Settings, world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin)
    reader = operator(settings, "giftcards.read", "giftcards.secrets", subject="op-nosy")
    before = await footprint(client, admin, world)
    refused = problem(await request_code(client, reader, batch_id), 403, "auth.permission_required")
    assert refused["details"] == {"permission": "giftcards.export"}
    problem(
        await start(client, reader, batch_id, password=PASSWORD, code="123456"),
        403,
        "auth.permission_required",
    )
    assert world.sms.sent == []
    assert await footprint(client, admin, world) == before
    entries = await audit(client, admin, actor="op-nosy")
    assert [(e["action"], e["outcome"], e["target"]) for e in entries] == [
        ("start_export", "refused", batch_id),
        ("request_export_code", "refused", batch_id),
    ]
    assert {e["detail"]["$error"] for e in entries} == {"auth.permission_required"}
    assert PASSWORD not in str(entries)

    # customers are not operators, whatever their token claims; anonymous callers are unknown
    customer_token = bearer(settings, str(uuid.uuid4()), "customer", "giftcards.export")
    problem(await request_code(client, customer_token, batch_id), 403, "auth.operator_only")
    problem(await request_code(client, {}, batch_id), 401, "auth.unauthenticated")
    # downloading needs the permission too
    problem(
        await client.get(f"/giftcards/exports/{uuid.uuid4()}/file", headers=reader),
        403,
        "auth.permission_required",
    )


@pytest.mark.rule("GC-12")
@pytest.mark.rule("SEC-2")
@pytest.mark.rule("SEC-4")
async def test_a_wrong_code_is_refused_audited_and_writes_nothing(
    client: Client, admin: dict[str, str], exporter: dict[str, str], world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin)
    ok(await request_code(client, exporter, batch_id), 202)
    code = world.last_code()
    wrong = "000000" if code != "000000" else "111111"
    before = await footprint(client, admin, world)
    problem(
        await start(client, exporter, batch_id, password=PASSWORD, code=wrong),
        403,
        "otp.invalid",
    )
    assert await footprint(client, admin, world) == before
    entries = await audit(client, admin, actor="op-print")
    assert [(e["action"], e["outcome"], e["detail"]["$error"]) for e in entries] == [
        ("start_export", "refused", "otp.invalid")
    ]
    assert PASSWORD not in str(entries)
    assert code not in str(entries)

    # a code is bound to the caller and the batch: another exporter cannot use it
    other = operator(world.settings, "giftcards.export", subject="op-other")
    problem(await start(client, other, batch_id, password=PASSWORD, code=code), 403, "otp.invalid")
    # the right one still works for its caller (one wrong try does not kill it)
    ok(await start(client, exporter, batch_id, password=PASSWORD, code=code), 202)


@pytest.mark.rule("GC-12")
@pytest.mark.rule("SEC-4")
async def test_export_requests_are_checked(
    client: Client, admin: dict[str, str], exporter: dict[str, str], world: GiftWorld
) -> None:
    batch_id = await given_batch(client, admin)
    other_batch = await given_batch(client, admin, ("12121212",), name="other")
    stranger = (await cards_of(client, admin, other_batch))[0]["id"]
    before = await footprint(client, admin, world)
    for body in (
        {"password": PASSWORD},
        {"code": "123456"},
        {"password": "", "code": "123456"},
        {"password": PASSWORD, "code": "123456", "card_ids": []},
        {"password": PASSWORD, "code": "123456", "card_ids": ["x"]},
        {"password": PASSWORD, "code": "123456", "extra": 1},
    ):
        problem(await start(client, exporter, batch_id, **body), 400, "request.invalid")
    assert world.sms.sent == []

    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"password": "short"}, 422, "giftcard.export_password_weak"),
        ({"password": PASSWORD, "card_ids": [stranger]}, 422, "giftcard.export_cards"),
        ({"password": PASSWORD, "card_ids": [str(uuid.uuid4())]}, 422, "giftcard.export_cards"),
    ]
    for body, status, code in cases:
        world.clock.advance(minutes=2)  # a code may be asked for again after a minute
        ok(await request_code(client, exporter, batch_id), 202)
        response = await start(client, exporter, batch_id, code=world.last_code(), **body)
        problem(response, status, code)
    assert await footprint(client, admin, world) == before

    # asking again at once is refused, with the time to wait
    limited = await request_code(client, exporter, batch_id)
    problem(limited, 429, "otp.too_soon")
    assert int(limited.headers["retry-after"]) >= 1

    problem(
        await request_code(client, exporter, str(uuid.uuid4())), 404, "giftcard.batch_not_found"
    )


@pytest.mark.rule("GC-12")
async def test_a_batch_without_any_phone_cannot_be_exported(client: Client, tmp_path: Path) -> None:
    settings = giftcard_settings(tmp_path / "nophone")
    world = build_world(settings)
    admin = operator(settings, *ALL_PERMISSIONS, subject="op-admin")
    async with AsyncTestClient(app_for(world)) as own:
        batch_id = await given_batch(own, admin, owner_phone=None)
        problem(await request_code(own, admin, batch_id), 422, "giftcard.no_phone_for_code")
        assert world.sms.sent == []
