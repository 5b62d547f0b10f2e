"""A customer's coupons as pricing reads them (:class:`shop_app.pricing.quoting.WalletSource`),
from the coupons context's tables — the one place the two contexts meet, so it lives in the
adapters (the domain's contexts never import each other).

Each coupon's terms (CPN-1) become pricing's :class:`WalletCoupon` (:func:`wallet_coupon`):

- the benefit (cash, 满X减Y, a rate with an optional threshold and cap) →
  :class:`CouponBenefit`, which takes off exactly what ``Benefit.discount_for`` does;
- the scope (all goods, categories, brands, SPUs and/or SKUs, one shop; less excluded SKUs,
  SPUs, categories and brands) → :class:`CouponGoods` under pricing's target keys, covering
  exactly the items ``CouponScope.covers`` does, with the same narrowness (CPN-7's tie);
- channels by value, stacking (CPN-8), combining with promotions (PRO-6), the validity window.

The wallet a quote lists (every coupon with its verdict, CPN-6): the coupons that are available
(still inside their validity), locked to an order, or expired — locked and expired ones as not
available; expired ones only while their validity ended less than :data:`EXPIRED_SHOWN` ago,
so that an old wallet does not grow every quote. Used and voided coupons are left out.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, Final

from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.coupons.tables import coupon_templates, coupons
from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.engine import reader
from shop_adapters.sql.mapper import member_of
from shop_adapters.sql.reads import read_records
from shop_domain.coupons.coupon import CouponState
from shop_domain.coupons.terms import Benefit, CouponKind, CouponScope, CouponTerms, ScopeKind
from shop_domain.coupons.terms import Channel as CouponChannel
from shop_domain.pricing.engine import BenefitKind, CouponBenefit, CouponGoods, WalletCoupon
from shop_domain.pricing.engine.wallet import PLATFORM, Key
from shop_domain.pricing.terms import Channel, TargetKind, Window

EXPIRED_SHOWN: Final = dt.timedelta(days=30)
"""How long after its validity ended an expired coupon is still listed (as not available)."""

_KINDS: Final = {
    CouponKind.CASH: BenefitKind.CASH,
    CouponKind.THRESHOLD: BenefitKind.THRESHOLD,
    CouponKind.RATE: BenefitKind.RATE,
}


def benefit_of(benefit: Benefit) -> CouponBenefit:
    """What the coupon takes off, in pricing's terms."""
    return CouponBenefit(
        _KINDS[benefit.kind],
        value=benefit.value,
        rate=benefit.rate,
        threshold=benefit.threshold,
        cap=benefit.max_discount,
    )


def _keyed(kind: TargetKind, ids: Iterable[uuid.UUID]) -> Iterator[Key]:
    return ((kind, id_) for id_ in ids)


def _included(scope: CouponScope) -> list[Key]:
    match scope.kind:
        case ScopeKind.ALL:
            return [PLATFORM]
        case ScopeKind.SHOP:
            return [(TargetKind.SHOP, scope.shop_id)]
        case ScopeKind.CATEGORIES:
            return list(_keyed(TargetKind.CATEGORY, scope.category_ids))
        case ScopeKind.BRANDS:
            return list(_keyed(TargetKind.BRAND, scope.brand_ids))
        case ScopeKind.PRODUCTS:
            return [
                *_keyed(TargetKind.SPU, scope.product_ids),
                *_keyed(TargetKind.SKU, scope.sku_ids),
            ]
    raise AssertionError(f"unknown scope {scope.kind}")  # pragma: no cover


def goods_of(scope: CouponScope) -> CouponGoods:
    """The goods in scope, under pricing's target keys: an item is covered when one of its keys
    is included and none is excluded — exactly as ``CouponScope.covers`` says, since an item's
    category keys are its whole category path (the leaf and its ancestors)."""
    excluded = [
        *_keyed(TargetKind.SKU, scope.excluded_sku_ids),
        *_keyed(TargetKind.SPU, scope.excluded_product_ids),
        *_keyed(TargetKind.CATEGORY, scope.excluded_category_ids),
        *_keyed(TargetKind.BRAND, scope.excluded_brand_ids),
    ]
    return CouponGoods(_included(scope), excluded, scope.narrowness)


def channels_of(channels: Iterable[CouponChannel]) -> frozenset[Channel]:
    """The coupons' channels as pricing's, by value (a value pricing does not know is left
    out: the coupon is not usable there)."""
    known = {channel.value for channel in Channel}
    return frozenset(Channel(c.value) for c in channels if c.value in known)


def wallet_coupon(
    *,
    coupon_id: uuid.UUID,
    name: str,
    terms: CouponTerms,
    state: CouponState,
    valid_from: dt.datetime,
    valid_until: dt.datetime,
    now: dt.datetime,
) -> WalletCoupon:
    """One coupon of a wallet as pricing reads it: available only when its state is available
    and its validity has not ended at ``now`` (CPN-12: expiry applied on read); its window
    decides whether it may be used at the quote's moment (a coupon not valid yet is not)."""
    window = Window(valid_from, valid_until) if valid_from < valid_until else None
    available = state is CouponState.AVAILABLE and now < valid_until and window is not None
    return WalletCoupon(
        coupon_id=coupon_id,
        name=name,
        benefit=benefit_of(terms.benefit),
        goods=goods_of(terms.scope),
        channels=channels_of(terms.channels),
        stackable=terms.stackable,
        combinable_with_promotions=terms.combinable_with_promotions,
        valid=window,
        available=available,
    )


_T, _C = coupon_templates.c, coupons.c
_SINCE = bindparam("since", type_=_C.valid_until.type)
_WALLET_ROWS: Final[Select[Any]] = (
    select(_C.id, _T.name, _T.terms, _C.state, _C.valid_from, _C.valid_until)
    .select_from(coupons.join(coupon_templates, _T.id == _C.template_id))
    .where(
        _C.user_id == bindparam("user_id", type_=_C.user_id.type),
        or_(
            _C.state == CouponState.LOCKED,
            and_(_C.state == CouponState.AVAILABLE, _C.valid_until > _SINCE),
            and_(_C.state == CouponState.EXPIRED, _C.valid_until > _SINCE),
        ),
    )
    .order_by(_C.valid_until, _C.id)
)
_WALLET: Final = Prepared(_WALLET_ROWS)
_CHOSEN: Final = Prepared(lambda dialect: _WALLET_ROWS.where(member_of(_C.id, "ids", dialect)))


def _user(user_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(user_id)
    except ValueError:
        return None


class SqlWalletSource:
    def __init__(self, engine: AsyncEngine) -> None:
        self._reader = reader(engine)

    async def coupons_of(
        self, user_id: str, now: dt.datetime, only: frozenset[uuid.UUID] | None = None
    ) -> list[WalletCoupon]:
        user = _user(user_id)
        if user is None:  # coupons belong to users named by a UUID: no one else has any
            return []
        values: dict[str, Any] = {"user_id": user, "since": now - EXPIRED_SHOWN}
        statement = _WALLET
        if only is not None:
            statement = _CHOSEN
            values["ids"] = sorted(only)
        rows = await read_records(self._reader, statement, values)
        return [
            wallet_coupon(
                coupon_id=row.id,
                name=row.name,
                terms=row.terms,
                state=CouponState(row.state),
                valid_from=row.valid_from,
                valid_until=row.valid_until,
                now=now,
            )
            for row in rows
        ]


__all__ = [
    "EXPIRED_SHOWN",
    "SqlWalletSource",
    "benefit_of",
    "channels_of",
    "goods_of",
    "wallet_coupon",
]
