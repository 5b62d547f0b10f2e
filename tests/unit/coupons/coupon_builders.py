"""Builders for coupon tests: money, benefits, a valid template definition with overrides,
draft and active templates, acquisitions and coupons. Pure: no I/O, no clock.

Import them as ``from tests.unit.coupons.coupon_builders import ...``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from shop_domain.coupons import (
    AcquireRequest,
    Benefit,
    Coupon,
    CouponKind,
    CouponTemplate,
    CouponTerms,
    Holdings,
    Limits,
    TemplateDefinition,
    Validity,
    Via,
)
from shop_domain.shared import DomainError, Money

NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

SHOP = uuid.UUID("00000000-0000-7000-8000-00000000c001")
OTHER_SHOP = uuid.UUID("00000000-0000-7000-8000-00000000c002")
USER = uuid.UUID("00000000-0000-7000-8000-0000000000a1")
OTHER_USER = uuid.UUID("00000000-0000-7000-8000-0000000000a2")
ORDER = uuid.UUID("00000000-0000-7000-8000-0000000000d1")
OTHER_ORDER = uuid.UUID("00000000-0000-7000-8000-0000000000d2")
TEMPLATE_ID = uuid.UUID("00000000-0000-7000-8000-0000000000e1")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def cash(value: str = "10.00") -> Benefit:
    return Benefit(CouponKind.CASH, value=cny(value))


def threshold_off(value: str = "20.00", threshold: str = "100.00") -> Benefit:
    """满 ``threshold`` 减 ``value``."""
    return Benefit(CouponKind.THRESHOLD, value=cny(value), threshold=cny(threshold))


def rate_off(
    rate: str = "0.8", *, cap: str | None = "50.00", threshold: str | None = None
) -> Benefit:
    """Pay ``rate`` of the price (0.8 is 8折), optionally capped and above a threshold."""
    return Benefit(
        CouponKind.RATE,
        rate=decimal.Decimal(rate),
        max_discount=cny(cap) if cap is not None else None,
        threshold=cny(threshold) if threshold is not None else None,
    )


def definition(
    *, benefit: Benefit | None = None, terms: CouponTerms | None = None, **fields: Any
) -> TemplateDefinition:
    """A valid definition: 10 yuan off everything, 7 days from claim, 100 coupons, 2 per user
    and 1 per user per day, claimable, free, returnable. Override any field by name, or just
    the benefit."""
    base = TemplateDefinition(
        name="Ten off",
        terms=terms or CouponTerms(benefit=benefit or cash()),
        validity=Validity.relative(7),
        limits=Limits(total_quantity=100, per_user=2, per_user_per_day=1),
    )
    return attrs.evolve(base, **fields) if fields else base


def limits(total: int = 100, per_user: int | None = 2, per_day: int | None = 1) -> Limits:
    return Limits(total_quantity=total, per_user=per_user, per_user_per_day=per_day)


def draft_template(
    the_definition: TemplateDefinition | None = None,
    *,
    id: uuid.UUID = TEMPLATE_ID,
    now: dt.datetime = NOW,
    **fields: Any,
) -> CouponTemplate:
    """A draft template, its creation event already pulled."""
    template = CouponTemplate.create(
        id=id,
        definition=the_definition or definition(**fields),
        created_by="operator",
        now=now,
    )
    template.pull_events()
    return template


def active_template(
    the_definition: TemplateDefinition | None = None,
    *,
    now: dt.datetime = NOW,
    **fields: Any,
) -> CouponTemplate:
    """An active template, its events already pulled."""
    template = draft_template(the_definition, now=now, **fields)
    template.activate(now)
    template.pull_events()
    return template


def request(
    user: uuid.UUID = USER,
    via: Via = Via.CLAIM,
    **fields: Any,
) -> AcquireRequest:
    return AcquireRequest(user_id=user, via=via, **fields)


def acquire(
    template: CouponTemplate,
    user: uuid.UUID = USER,
    via: Via = Via.CLAIM,
    *,
    held: Holdings | None = None,
    now: dt.datetime = NOW,
    **fields: Any,
) -> Coupon:
    """One coupon from ``template`` (or the error that refuses it is raised)."""
    return template.acquire(
        request(user, via, **fields),
        coupon_id=uuid.uuid4(),
        holdings=held or Holdings(),
        now=now,
        today=now.date(),
    )


def new_coupon(
    *,
    user: uuid.UUID = USER,
    now: dt.datetime = NOW,
    pull: bool = True,
    **fields: Any,
) -> Coupon:
    """An available coupon of a fresh active template (valid 7 days from ``now`` unless the
    definition fields say otherwise)."""
    coupon = acquire(active_template(now=now, **fields), user, now=now)
    if pull:
        coupon.pull_events()
    return coupon


def event_types(aggregate: object) -> list[str]:
    return [e.event_type for e in aggregate.pending_events]  # type: ignore[attr-defined]


def code_of(call: Callable[[], object]) -> str:
    """The ``code`` of the domain error ``call`` raises."""
    with pytest.raises(DomainError) as info:
        call()
    return info.value.code
