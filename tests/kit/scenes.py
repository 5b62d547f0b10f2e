"""Runtimes with something in them, for the tests of the invariant checks: one coupon template
with coupons in every state, and a small catalog."""

from __future__ import annotations

import uuid

import attrs

from shop_adapters.shared.system import FixedClock
from shop_app.catalog import commands as cat
from shop_app.coupons import commands as c
from shop_app.coupons.results import Acquired
from shop_domain.coupons import (
    Benefit,
    CouponKind,
    CouponTerms,
    Distribution,
    Limits,
    TemplateDefinition,
    Validity,
)
from shop_domain.shared import Money
from shop_testing.harness import MemoryShop

ANN, BOB, CAT = (uuid.UUID(int=n) for n in (1, 2, 3))
PER_USER, PER_DAY = 2, 1


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


@attrs.frozen
class CouponScene:
    """One template. ``used``: paid twice, refunded once in between; ``voided``; ``locked``
    to ``pending_order``; ``expired`` by the sweep; the rest available. ANN holds the per-user
    limit of claims, one claim on each of two days."""

    template_id: uuid.UUID
    used: uuid.UUID
    voided: uuid.UUID
    locked: uuid.UUID
    pending_order: uuid.UUID
    expired: uuid.UUID
    available: uuid.UUID
    anns_claims: tuple[uuid.UUID, uuid.UUID]


async def _claim(shop: MemoryShop, template_id: uuid.UUID, user: uuid.UUID) -> uuid.UUID:
    acquired: Acquired = await shop.runtime.bus.handle(
        c.ClaimCoupon(template_id=template_id, user_id=user)
    )
    return acquired.coupon_id


async def _pay(shop: MemoryShop, coupon_id: uuid.UUID, user: uuid.UUID, discount: int) -> None:
    bus, order = shop.runtime.bus, uuid.uuid4()
    await bus.handle(c.LockCoupons(order_id=order, user_id=user, coupon_ids=(coupon_id,)))
    use = c.CouponUse(coupon_id=coupon_id, discount=cny(discount))
    await bus.handle(c.UseCoupons(order_id=order, uses=(use,), order_amount=cny(15_000)))
    if discount % 2:  # an odd discount: the whole order is refunded, the coupon comes back
        await bus.handle(c.ReturnCoupons(order_id=order, whole_order=True))


async def busy_template(shop: MemoryShop, clock: FixedClock) -> CouponScene:
    """Claims, an issue, a public code, two payments and a refund, a void, a lock and an
    expiry, over three days."""
    bus = shop.runtime.bus
    template_id: uuid.UUID = await bus.handle(
        c.CreateTemplate(
            definition=TemplateDefinition(
                name="Kit scene",
                terms=CouponTerms(
                    benefit=Benefit(CouponKind.THRESHOLD, value=cny(2000), threshold=cny(10_000))
                ),
                validity=Validity.relative(2),
                limits=Limits(10, per_user=PER_USER, per_user_per_day=PER_DAY),
                distribution=Distribution.BOTH,
                public_code="SCENE26",
            ),
            created_by="operator",
        )
    )
    await bus.handle(c.ActivateTemplate(template_id=template_id))
    first = await _claim(shop, template_id, ANN)
    report = await bus.handle(
        c.IssueCoupons(
            template_id=template_id, campaign_key="welcome", user_ids=(CAT,), issued_by="operator"
        )
    )
    [(_, expiring)] = report.issued
    voided = await _claim(shop, template_id, BOB)
    await bus.handle(c.VoidCoupon(coupon_id=voided, reason="a duplicate", voided_by="operator"))
    await _pay(shop, first, ANN, 2001)  # returned
    await _pay(shop, first, ANN, 2000)  # used for good
    clock.advance(days=1)
    second = await _claim(shop, template_id, ANN)
    redeemed: Acquired = await bus.handle(c.RedeemCode(user_id=CAT, code="scene26"))
    pending_order = uuid.uuid4()
    await bus.handle(
        c.LockCoupons(order_id=pending_order, user_id=CAT, coupon_ids=(redeemed.coupon_id,))
    )
    clock.advance(days=1, hours=1)
    assert await bus.handle(c.ExpireCoupons()) == 1  # CAT's issued coupon
    return CouponScene(
        template_id=template_id,
        used=first,
        voided=voided,
        locked=redeemed.coupon_id,
        pending_order=pending_order,
        expired=expiring,
        available=second,
        anns_claims=(first, second),
    )


@attrs.frozen
class CatalogScene:
    category_id: uuid.UUID
    brand_id: uuid.UUID
    product_id: uuid.UUID


async def small_catalog(shop: MemoryShop) -> CatalogScene:
    """A category tree of two, a front category, a brand and a product with its SKU."""
    bus = shop.runtime.bus
    root = await bus.handle(cat.CreateCategory(name="Home"))
    leaf = await bus.handle(cat.CreateCategory(name="Lamps", parent_id=root))
    await bus.handle(cat.CreateFrontCategory(name="Lighting", category_ids=(leaf,)))
    brand = await bus.handle(cat.CreateBrand(name="Lumen"))
    product = await bus.handle(
        cat.CreateProduct(
            shop_id=uuid.UUID(int=99),
            name="Desk lamp",
            category_id=leaf,
            brand_id=brand,
            currency="CNY",
            skus=(cat.NewSku(code="LAMP-1", sale_price=cny(9900), list_price=cny(12_900)),),
        )
    )
    return CatalogScene(category_id=leaf, brand_id=brand, product_id=product)
