"""Builders of the coupon contract suites: template definitions using every term, simple ones,
and templates and coupons stored through the unit of work. The shared scenario is in
:mod:`~shop_testing.contracts.coupon_scenario`."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

import attrs

from shop_domain.coupons import (
    AcquireRequest,
    Acquisition,
    Benefit,
    Channel,
    ClaimWindow,
    Coupon,
    CouponKind,
    CouponScope,
    CouponTemplate,
    CouponTerms,
    Distribution,
    Holdings,
    Issuer,
    IssuerKind,
    Limits,
    ReturnPolicy,
    ScopeKind,
    TemplateDefinition,
    Validity,
    Via,
)
from shop_domain.shared import Money
from shop_testing.contracts.backend import T0, Backend

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-7000-8000-{n:012x}")


SHOP = _id(0xC001)
CATEGORY_A, CATEGORY_B, CATEGORY_X = _id(0xCA1), _id(0xCA2), _id(0xCA9)
BRAND_X, PRODUCT_A, PRODUCT_X, SKU_A, SKU_X = _id(0xB9), _id(0xF1), _id(0xF9), _id(0x51), _id(0x59)
U1, U2, U3, U4, U5 = (_id(0xA1), _id(0xA2), _id(0xA3), _id(0xA4), _id(0xA5))
USERS = (U1, U2, U3, U4, U5)
O1, O2, O3, O4, O5, O6, O7, O8, O9 = (_id(0xD0 + n) for n in range(1, 10))
UNKNOWN = _id(0xDEAD)
UNIQUE_CODES = ("AAAA2222BBBB", "CCCC3333DDDD", "EEEE4444FFFF", "GGGG5555HHHH", "JJJJ6666KKKK")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def every_term_definition(**overrides: Any) -> TemplateDefinition:
    """A template using every kind of term: a capped rate with a threshold (an exact
    ``Decimal``), a category scope with exclusions of every kind, some channels, a shop
    issuer, an absolute validity, a claim window, every limit, a shared public code."""
    base = TemplateDefinition(
        name="Spring 87.5",
        description="12.5% off spring goods, up to 30 yuan.",
        terms=CouponTerms(
            benefit=Benefit(
                CouponKind.RATE,
                rate=decimal.Decimal("0.8750"),
                threshold=cny("100.00"),
                max_discount=cny("30.00"),
            ),
            scope=CouponScope(
                kind=ScopeKind.CATEGORIES,
                category_ids={CATEGORY_A, CATEGORY_B},
                excluded_category_ids={CATEGORY_X},
                excluded_brand_ids={BRAND_X},
                excluded_product_ids={PRODUCT_X},
                excluded_sku_ids={SKU_X},
            ),
            channels={Channel.APP, Channel.MINI_PROGRAM},
            stackable=True,
            combinable_with_promotions=False,
        ),
        issuer=Issuer(IssuerKind.SHOP, SHOP),
        validity=Validity.absolute(T0, T0 + 10 * DAY),
        limits=Limits(total_quantity=50, per_user=3, per_user_per_day=2),
        claim_window=ClaimWindow(T0 - HOUR, T0 + 5 * DAY),
        distribution=Distribution.BOTH,
        acquisition=Acquisition(0),
        public=True,
        return_policy=ReturnPolicy.ON_FULL_REFUND,
        public_code="spring-2026",
    )
    return attrs.evolve(base, **overrides) if overrides else base


def simple_definition(
    name: str,
    *,
    value: str = "10.00",
    threshold: str | None = None,
    days: int = 7,
    total: int = 100,
    per_user: int | None = 2,
    per_day: int | None = None,
    **overrides: Any,
) -> TemplateDefinition:
    """A cash (or threshold) coupon valid ``days`` from claim, on every channel and good."""
    benefit = (
        Benefit(CouponKind.CASH, value=cny(value))
        if threshold is None
        else Benefit(CouponKind.THRESHOLD, value=cny(value), threshold=cny(threshold))
    )
    fields: dict[str, Any] = {
        "name": name,
        "terms": CouponTerms(benefit=benefit),
        "validity": Validity.relative(days),
        "limits": Limits(total_quantity=total, per_user=per_user, per_user_per_day=per_day),
    }
    return TemplateDefinition(**(fields | overrides))


def product_scope_definition() -> TemplateDefinition:
    """A platform coupon on one product and one SKU, not public, non-returnable."""
    return simple_definition(
        "Product deal",
        terms=CouponTerms(
            benefit=Benefit(CouponKind.THRESHOLD, value=cny("5.00"), threshold=cny("50.00")),
            scope=CouponScope(
                kind=ScopeKind.PRODUCTS,
                product_ids={PRODUCT_A},
                sku_ids={SKU_A},
                excluded_sku_ids={SKU_X},
            ),
            channels={Channel.WEB},
        ),
        public=False,
        return_policy=ReturnPolicy.NON_RETURNABLE,
        distribution=Distribution.ISSUE_ONLY,
    )


def state(obj: Any) -> dict[str, Any]:
    """Every attrs field (value objects compare by value, sets as sets)."""
    return {f.name: getattr(obj, f.name) for f in attrs.fields(type(obj))}


def new_template(
    backend: Backend, definition: TemplateDefinition | None = None, *, active: bool = True
) -> CouponTemplate:
    template = CouponTemplate.create(
        id=backend.ids.new_id(),
        definition=definition
        or simple_definition("Ten off", total=100, per_user=None, distribution=Distribution.BOTH),
        created_by="ops",
        now=T0,
    )
    if active:
        template.activate(T0)
    return template


def acquire(
    backend: Backend,
    template: CouponTemplate,
    user: uuid.UUID,
    *,
    now: dt.datetime = T0,
    held: Holdings | None = None,
    **request: Any,
) -> Coupon:
    request.setdefault("via", Via.CLAIM)
    return template.acquire(
        AcquireRequest(user_id=user, **request),
        coupon_id=backend.ids.new_id(),
        holdings=held or Holdings(),
        now=now,
        today=now.date(),
    )


async def store_template(backend: Backend, template: CouponTemplate) -> None:
    async with backend.uow() as uow:
        uow.coupon_templates.add(template)
        await uow.commit()


async def store_coupons(backend: Backend, template_id: uuid.UUID, coupons: list[Coupon]) -> None:
    async with backend.uow() as uow:
        template = await uow.coupon_templates.get_for_update(template_id)
        template.issued += len(coupons)
        uow.coupons.add_many(coupons)
        await uow.commit()
