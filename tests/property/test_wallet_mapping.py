"""The coupons' terms as pricing reads them (:mod:`shop_adapters.sql.pricing.wallet`): for every
drawn scope and item, pricing's ``CouponGoods.covers`` agrees with the coupons' own
``CouponScope.covers``; for every drawn benefit and amount, ``CouponBenefit.discount_minor``
with ``Benefit.discount_for``; channels, stacking, combining and validity carry over."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shop_adapters.sql.pricing.wallet import (
    benefit_of,
    channels_of,
    goods_of,
    wallet_coupon,
)
from shop_domain.coupons import Benefit, CouponScope, CouponState
from shop_domain.coupons.terms import NARROWNESS, ScopeKind, ScopeLine
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.terms import Channel, Window
from shop_domain.shared.money import Money
from shop_testing.strategies import benefits, channel_sets, coupon_scopes, coupon_terms, money
from shop_testing.strategies.common import ids

MAX_MINOR = 10**12
NOW = dt.datetime(2026, 4, 2, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _named(scope: CouponScope) -> list[uuid.UUID]:
    """Every id the scope names, so that drawn items hit them often."""
    named = [
        *scope.category_ids,
        *scope.brand_ids,
        *scope.product_ids,
        *scope.sku_ids,
        *scope.excluded_category_ids,
        *scope.excluded_brand_ids,
        *scope.excluded_product_ids,
        *scope.excluded_sku_ids,
    ]
    if scope.shop_id is not None:
        named.append(scope.shop_id)
    return named


@st.composite
def scopes_and_items(draw: st.DrawFn) -> tuple[CouponScope, list[ItemFacts]]:
    scope = draw(coupon_scopes())
    pool = sorted(set(_named(scope)) | set(draw(st.lists(ids(), min_size=1, max_size=3))))
    some = st.sampled_from(pool)
    items = draw(
        st.lists(
            st.builds(
                ItemFacts,
                sku_id=some,
                spu_id=some,
                shop_id=some,
                category_ids=st.lists(some, min_size=1, max_size=3, unique=True).map(tuple),
                brand_id=st.none() | some,
            ),
            min_size=1,
            max_size=6,
        )
    )
    return scope, items


def _scope_line(item: ItemFacts) -> ScopeLine:
    return ScopeLine(
        sku_id=item.sku_id,
        product_id=item.spu_id,
        category_ids=frozenset(item.category_ids),
        brand_id=item.brand_id,
        shop_id=item.shop_id,
    )


@pytest.mark.rule("CPN-6")
@given(scopes_and_items())
def test_the_goods_a_coupon_covers_are_the_same_in_pricing(
    drawn: tuple[CouponScope, list[ItemFacts]],
) -> None:
    scope, items = drawn
    goods = goods_of(scope)
    for item in items:
        assert goods.covers(item) == scope.covers(_scope_line(item)), (scope, item)
    assert goods.narrowness == NARROWNESS[scope.kind]


def test_the_scan_reaches_both_answers_for_every_kind() -> None:
    """The drawn items do land inside and outside each kind of scope (a test that only ever
    saw "not covered" would agree vacuously)."""
    seen: set[tuple[ScopeKind, bool]] = set()

    # enough examples that every kind lands both ways in any run (100 missed brands once)
    @settings(max_examples=800, database=None)
    @given(scopes_and_items())
    def collect(drawn: tuple[CouponScope, list[ItemFacts]]) -> None:
        scope, items = drawn
        for item in items:
            seen.add((scope.kind, goods_of(scope).covers(item)))

    collect()
    assert seen == {(kind, covered) for kind in ScopeKind for covered in (True, False)}


@st.composite
def benefits_and_amounts(draw: st.DrawFn) -> tuple[Benefit, list[Money]]:
    benefit = draw(benefits(max_minor=MAX_MINOR))
    near = [m.minor for m in (benefit.threshold, benefit.value, benefit.max_discount) if m]
    amounts = draw(
        st.lists(
            money(benefit.currency, max_minor=MAX_MINOR)
            | st.sampled_from(near or [0]).flatmap(
                lambda minor: st.integers(max(0, minor - 2), minor + 2).map(
                    lambda m: Money(m, benefit.currency)
                )
            ),
            min_size=1,
            max_size=5,
        )
    )
    return benefit, amounts


@pytest.mark.rule("CPN-6")
@given(benefits_and_amounts())
def test_a_coupon_takes_off_the_same_in_pricing(drawn: tuple[Benefit, list[Money]]) -> None:
    benefit, amounts = drawn
    mapped = benefit_of(benefit)
    assert mapped.kind.value == benefit.kind.value
    assert mapped.currency == benefit.currency
    assert mapped.threshold == benefit.threshold
    assert mapped.cap == benefit.max_discount
    for eligible in amounts:
        assert mapped.discount_minor(eligible.minor) == benefit.discount_for(eligible).minor


@given(channel_sets())
def test_channels_carry_over_by_value(channels: frozenset[object]) -> None:
    mapped = channels_of(channels)  # type: ignore[arg-type]
    assert {c.value for c in mapped} == {c.value for c in channels}  # type: ignore[attr-defined]


@pytest.mark.rule("CPN-6")
@given(coupon_terms(), st.sampled_from(list(CouponState)), st.integers(-3, 3))
def test_a_coupon_of_the_wallet_is_available_only_while_it_may_be_used(
    terms: object, state: CouponState, days_left: int
) -> None:
    valid_from, valid_until = NOW - 10 * DAY, NOW + days_left * DAY
    coupon = wallet_coupon(
        coupon_id=uuid.UUID(int=1),
        name="c",
        terms=terms,  # type: ignore[arg-type]
        state=state,
        valid_from=valid_from,
        valid_until=valid_until,
        now=NOW,
    )
    assert coupon.available == (state is CouponState.AVAILABLE and days_left > 0)
    assert coupon.valid == Window(valid_from, valid_until)
    assert coupon.stackable == terms.stackable  # type: ignore[attr-defined]
    assert coupon.combinable_with_promotions == terms.combinable_with_promotions  # type: ignore[attr-defined]
    assert coupon.usable_at(NOW, Channel.APP) == (
        coupon.available and Channel.APP in coupon.channels
    )
