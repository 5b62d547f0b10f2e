"""The composition root's bus is the one door (decision 0027): it carries every context's
middlewares, so a command sent to it directly — by an embedder, not through an adapter — gets
the same checks as one sent over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator

import pytest

from shop_adapters.bootstrap import bootstrap
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.shared.sms import MemorySmsSender
from shop_app.coupons import commands as cc
from shop_app.coupons.claiming import ClaimRefused
from shop_app.coupons.services import CouponServices
from shop_app.giftcards import commands as c
from shop_app.giftcards.results import BatchStarted
from shop_app.shared.auth import Principal
from shop_app.shared.errors import IdempotencyNotSupported, PermissionRequired
from shop_app.shared.otp import Challenge, OneTimeCodeInvalid
from shop_domain.coupons.template import TemplateDefinition
from shop_domain.coupons.terms import Benefit, CouponKind, CouponTerms, Limits, Validity
from shop_domain.giftcards.batch import BatchDefinition, CardKind
from shop_domain.giftcards.batch import Validity as CardValidity
from shop_domain.shared.money import Money

EXPORTER = Principal("op-print", "operator", frozenset({"giftcards.manage", "giftcards.export"}))


@pytest.fixture
async def runtime() -> AsyncIterator[Runtime]:
    shop = bootstrap(Settings(database_url="memory://", sms="memory"))
    await shop.start()
    yield shop
    await shop.close()


def test_the_bus_carries_every_contexts_middlewares_between_audit_and_idempotency() -> None:
    shop = bootstrap(Settings(database_url="memory://", sms="memory"))
    assert [type(m).__name__ for m in shop.bus.middlewares] == [
        "Auditing",
        "Batching",  # claims (coupons)
        "AttemptLimiting",  # wrong codes (coupons)
        "PermissionCheck",  # exports (gift cards)
        "OneTimeCodeCheck",  # exports (gift cards)
        "AttemptLimiting",  # activations (gift cards)
        "OneTimeCodeCheck",  # verified phones (loyalty)
        "PriceFirst",  # submissions priced before their transaction (ordering)
        "Idempotency",
    ]


async def _batch(runtime: Runtime) -> uuid.UUID:
    now = runtime.clock.now()
    started: BatchStarted = await runtime.bus.handle(
        c.CreateBatch(
            definition=BatchDefinition(
                name="Door",
                kind=CardKind.PHYSICAL,
                face_value=Money.of("50.00", "CNY"),
                validity=CardValidity(starts_at=now, ends_at=now + dt.timedelta(days=30)),
                owner="op-print",
                owner_phone="+86 138 0000 5678",
                card_maker="Acme",
            ),
            actor="op-print",
            numbers=("8888000011112222",),
        ),
        actor=EXPORTER,
    )
    return started.batch_id


@pytest.mark.rule("GC-12")
@pytest.mark.rule("SEC-2")
async def test_an_export_sent_straight_to_the_bus_still_needs_the_permission_and_the_code(
    runtime: Runtime,
) -> None:
    batch_id = await _batch(runtime)
    start = c.StartExport(batch_id=batch_id, actor="op-print", password="long enough")
    with pytest.raises(PermissionRequired):
        await runtime.bus.handle(start)  # no actor: nobody holds the permission
    with pytest.raises(OneTimeCodeInvalid):
        await runtime.bus.handle(start, actor=EXPORTER)  # no code
    request = c.RequestExportCode(batch_id=batch_id, actor="op-print")
    with pytest.raises(IdempotencyNotSupported):
        await runtime.bus.handle(request, idempotency_key="k", actor=EXPORTER)
    challenge: Challenge = await runtime.bus.handle(request, actor=EXPORTER)
    assert challenge.phone_masked.endswith("5678")
    sms = runtime.sms
    assert isinstance(sms, MemorySmsSender)
    found = re.search(r"\d{6}", sms.sent[-1].text)
    assert found is not None
    with_code = c.StartExport(
        batch_id=batch_id, actor="op-print", password="long enough", code=found.group()
    )
    assert (await runtime.bus.handle(with_code, actor=EXPORTER)).export_id is not None
    assert runtime.audit is not None
    entries = await runtime.audit.list(actor="op-print")
    assert [(e.action, e.outcome) for e in reversed(entries)] == [
        ("create_batch", "done"),
        ("start_export", "refused"),
        ("request_export_code", "refused"),  # the key it cannot take
        ("start_export", "done"),  # the code request itself is not an action kept
    ]


@pytest.mark.rule("CPN-2")
async def test_claims_sent_straight_to_the_bus_are_batched_and_exact(runtime: Runtime) -> None:
    template_id = await runtime.bus.handle(
        cc.CreateTemplate(
            definition=TemplateDefinition(
                name="Door",
                terms=CouponTerms(benefit=Benefit(kind=CouponKind.CASH, value=Money(500, "CNY"))),
                validity=Validity.relative(7),
                limits=Limits(total_quantity=3, per_user=1, per_user_per_day=None),
            ),
            created_by="op",
        )
    )
    await runtime.bus.handle(cc.ActivateTemplate(template_id=template_id))
    answers = await asyncio.gather(
        *(
            runtime.bus.handle(cc.ClaimCoupon(template_id=template_id, user_id=uuid.uuid4()))
            for _ in range(5)
        ),
        return_exceptions=True,
    )
    refused = [a for a in answers if isinstance(a, ClaimRefused)]
    assert len(refused) == 2
    assert {a.code for a in refused} == {"coupon.sold_out"}
    assert (await runtime.get(CouponServices).queries.statistics(template_id)).issued == 3
