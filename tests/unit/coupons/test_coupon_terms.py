"""The terms of a coupon template as value objects (CPN-1), and what a coupon takes off
(MON-2, MON-4)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

import pytest
from tests.unit.coupons.coupon_builders import (
    DAY,
    HOUR,
    NOW,
    OTHER_SHOP,
    SHOP,
    cash,
    cny,
    definition,
    rate_off,
    threshold_off,
)

from shop_domain.coupons import (
    Acquisition,
    Benefit,
    Channel,
    ClaimWindow,
    CouponKind,
    CouponScope,
    CouponTerms,
    Distribution,
    Issuer,
    IssuerKind,
    Limits,
    ScopeKind,
    ScopeLine,
    Validity,
    ValidityKind,
    normalise_code,
)
from shop_domain.coupons.errors import InvalidTemplate
from shop_domain.shared import CurrencyMismatch, Money

D = decimal.Decimal


# --- Benefit: validation ----------------------------------------------------------------------


@pytest.mark.rule("CPN-1")
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": CouponKind.CASH}, "positive face value"),
        ({"kind": CouponKind.CASH, "value": cny("0")}, "positive face value"),
        ({"kind": CouponKind.CASH, "value": cny("-1")}, "positive face value"),
        (
            {"kind": CouponKind.CASH, "value": cny("10"), "threshold": cny("100")},
            "no threshold",
        ),
        ({"kind": CouponKind.CASH, "value": cny("10"), "rate": D("0.8")}, "only a rate"),
        (
            {"kind": CouponKind.CASH, "value": cny("10"), "max_discount": cny("5")},
            "only a rate",
        ),
        ({"kind": CouponKind.THRESHOLD, "value": cny("10")}, "positive threshold"),
        (
            {"kind": CouponKind.THRESHOLD, "value": cny("10"), "threshold": cny("0")},
            "positive threshold",
        ),
        (
            {"kind": CouponKind.THRESHOLD, "value": cny("100.01"), "threshold": cny("100")},
            "more than its threshold",
        ),
        ({"kind": CouponKind.RATE, "max_discount": cny("5")}, "exact decimal rate"),
        (
            {"kind": CouponKind.RATE, "rate": 0.8, "max_discount": cny("5")},
            "exact decimal rate",
        ),
        (
            {"kind": CouponKind.RATE, "rate": D("NaN"), "max_discount": cny("5")},
            "exact decimal rate",
        ),
        ({"kind": CouponKind.RATE, "rate": D("0"), "max_discount": cny("5")}, "strictly"),
        ({"kind": CouponKind.RATE, "rate": D("1"), "max_discount": cny("5")}, "strictly"),
        ({"kind": CouponKind.RATE, "rate": D("1.2"), "max_discount": cny("5")}, "strictly"),
        ({"kind": CouponKind.RATE, "rate": D("-0.2"), "max_discount": cny("5")}, "strictly"),
        (
            {"kind": CouponKind.RATE, "rate": D("0.12345"), "max_discount": cny("5")},
            "decimal places",
        ),
        (
            {"kind": CouponKind.RATE, "rate": D("0.8"), "value": cny("5")},
            "not a face value",
        ),
        (
            {"kind": CouponKind.RATE, "rate": D("0.8"), "max_discount": cny("0")},
            "maximum discount must be positive",
        ),
        (
            {"kind": CouponKind.RATE, "rate": D("0.8"), "threshold": cny("0")},
            "threshold must be positive",
        ),
        (
            {
                "kind": CouponKind.THRESHOLD,
                "value": cny("10"),
                "threshold": Money.of("100", "USD"),
            },
            "one currency",
        ),
        (
            {
                "kind": CouponKind.RATE,
                "rate": D("0.8"),
                "threshold": cny("100"),
                "max_discount": Money.of("5", "USD"),
            },
            "one currency",
        ),
    ],
)
def test_an_incoherent_benefit_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidTemplate, match=message) as info:
        Benefit(**fields)
    assert info.value.code == "coupon.invalid_template"


@pytest.mark.rule("CPN-1")
def test_valid_benefits_of_each_kind() -> None:
    assert cash("10").value == cny("10")
    assert threshold_off("100", "100").threshold == cny("100")  # 满100减100 is allowed
    four_places = rate_off("0.8765", cap=None, threshold="10")
    assert four_places.rate == D("0.8765")
    assert four_places.currency == "CNY"
    assert rate_off(cap="30").currency == "CNY"
    yen = Benefit(CouponKind.THRESHOLD, value=Money(500, "JPY"), threshold=Money(5000, "JPY"))
    assert yen.currency == "JPY"


@pytest.mark.rule("CPN-1")
def test_a_rate_benefit_with_neither_threshold_nor_cap_has_no_currency() -> None:
    bare = Benefit(CouponKind.RATE, rate=D("0.9"))
    with pytest.raises(InvalidTemplate, match="currency"):
        _ = bare.currency


@pytest.mark.rule("CPN-1")
def test_a_template_with_a_currency_less_benefit_is_refused_when_defined() -> None:
    with pytest.raises(InvalidTemplate, match="currency"):
        definition(benefit=Benefit(CouponKind.RATE, rate=D("0.9")))


# --- Benefit: discount_for --------------------------------------------------------------------


@pytest.mark.rule("CPN-1")
def test_a_cash_coupon_takes_off_its_face_value() -> None:
    assert cash("10.00").discount_for(cny("50.00")) == cny("10.00")
    assert cash("10.00").discount_for(cny("10.00")) == cny("10.00")


@pytest.mark.rule("MON-4")
def test_a_cash_coupon_never_takes_off_more_than_the_eligible_amount() -> None:
    assert cash("10.00").discount_for(cny("3.50")) == cny("3.50")
    assert cash("10.00").discount_for(cny("0")) == cny("0")


@pytest.mark.rule("CPN-1")
def test_a_threshold_coupon_applies_from_its_threshold_on() -> None:
    coupon = threshold_off("20.00", "100.00")  # 满100减20
    assert coupon.discount_for(cny("99.99")) == cny("0")
    assert coupon.discount_for(cny("100.00")) == cny("20.00")
    assert coupon.discount_for(cny("350.00")) == cny("20.00")
    assert not coupon.reaches_threshold(cny("99.99"))
    assert coupon.reaches_threshold(cny("100.00"))


@pytest.mark.rule("MON-2")
def test_eight_tenths_on_99_99_takes_off_20_00_so_the_customer_pays_79_99() -> None:
    eligible = cny("99.99")
    off = rate_off("0.8", cap=None, threshold="0.01").discount_for(eligible)
    assert off == cny("20.00")
    assert eligible - off == cny("79.99")


@pytest.mark.rule("MON-2")
@pytest.mark.parametrize(
    ("rate", "eligible_minor", "expected_minor"),
    [
        ("0.95", 10, 1),  # 0.5 fen rounds up
        ("0.85", 10, 2),  # 1.5 fen rounds up
        ("0.9", 14, 1),  # 1.4 fen rounds down
        ("0.75", 2, 1),  # 0.5 fen: rounded on the discount, not on the price paid
        ("0.5", 1, 1),
        ("0.9999", 9999, 1),  # 0.9999 fen
    ],
)
def test_a_rate_discount_is_rounded_half_up_once(
    rate: str, eligible_minor: int, expected_minor: int
) -> None:
    benefit = rate_off(rate, cap="1000")
    assert benefit.discount_for(Money(eligible_minor, "CNY")) == Money(expected_minor, "CNY")


@pytest.mark.rule("CPN-1")
@pytest.mark.rule("MON-4")
def test_a_rate_discount_is_capped_at_its_maximum() -> None:
    half_off = rate_off("0.5", cap="30.00")
    assert half_off.discount_for(cny("100.00")) == cny("30.00")
    assert half_off.discount_for(cny("40.00")) == cny("20.00")
    assert half_off.discount_for(cny("60.00")) == cny("30.00")


@pytest.mark.rule("CPN-1")
def test_a_rate_coupon_with_a_threshold_takes_nothing_below_it() -> None:
    coupon = rate_off("0.9", cap=None, threshold="200.00")
    assert coupon.discount_for(cny("199.99")) == cny("0")
    assert coupon.discount_for(cny("200.00")) == cny("20.00")


@pytest.mark.rule("MON-1")
def test_a_discount_is_in_the_eligible_currency_and_a_mismatch_is_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        cash("10").discount_for(Money.of("50", "USD"))
    with pytest.raises(CurrencyMismatch):
        threshold_off().discount_for(Money.of("500", "USD"))
    with pytest.raises(CurrencyMismatch):
        rate_off(cap="10").discount_for(Money.of("500", "USD"))


@pytest.mark.rule("MON-4")
def test_a_negative_eligible_amount_is_refused() -> None:
    with pytest.raises(InvalidTemplate):
        cash().discount_for(cny("-0.01"))


# --- CouponScope ------------------------------------------------------------------------------

ELECTRONICS, PHONES, BOOKS = (uuid.uuid4() for _ in range(3))
BRAND_A, BRAND_B = uuid.uuid4(), uuid.uuid4()


def line(
    *,
    sku: uuid.UUID | None = None,
    product: uuid.UUID | None = None,
    categories: frozenset[uuid.UUID] = frozenset({ELECTRONICS, PHONES}),
    brand: uuid.UUID | None = BRAND_A,
    shop: uuid.UUID = SHOP,
) -> ScopeLine:
    return ScopeLine(
        sku_id=sku or uuid.uuid4(),
        product_id=product or uuid.uuid4(),
        category_ids=categories,
        brand_id=brand,
        shop_id=shop,
    )


@pytest.mark.rule("CPN-1")
def test_an_all_goods_scope_covers_every_line() -> None:
    scope = CouponScope()
    assert scope.kind is ScopeKind.ALL
    assert scope.covers(line())
    assert scope.covers(line(brand=None, shop=OTHER_SHOP, categories=frozenset({BOOKS})))


@pytest.mark.rule("CPN-1")
def test_a_category_scope_covers_lines_under_its_categories() -> None:
    scope = CouponScope(ScopeKind.CATEGORIES, category_ids=[ELECTRONICS])
    assert scope.covers(line(categories=frozenset({ELECTRONICS, PHONES})))  # an ancestor
    assert not scope.covers(line(categories=frozenset({BOOKS})))


@pytest.mark.rule("CPN-1")
def test_a_brand_scope_covers_lines_of_its_brands_only() -> None:
    scope = CouponScope(ScopeKind.BRANDS, brand_ids={BRAND_A})
    assert scope.covers(line(brand=BRAND_A))
    assert not scope.covers(line(brand=BRAND_B))
    assert not scope.covers(line(brand=None))


@pytest.mark.rule("CPN-1")
def test_a_product_scope_covers_named_spus_and_skus() -> None:
    spu, sku = uuid.uuid4(), uuid.uuid4()
    scope = CouponScope(ScopeKind.PRODUCTS, product_ids={spu}, sku_ids={sku})
    assert scope.covers(line(product=spu))
    assert scope.covers(line(sku=sku))
    assert not scope.covers(line())
    only_skus = CouponScope(ScopeKind.PRODUCTS, sku_ids={sku})
    assert only_skus.covers(line(sku=sku))


@pytest.mark.rule("CPN-1")
def test_a_shop_scope_covers_that_shops_lines() -> None:
    scope = CouponScope(ScopeKind.SHOP, shop_id=SHOP)
    assert scope.covers(line(shop=SHOP))
    assert not scope.covers(line(shop=OTHER_SHOP))


@pytest.mark.rule("CPN-1")
def test_exclusions_always_win() -> None:
    spu, excluded_sku = uuid.uuid4(), uuid.uuid4()
    scope = CouponScope(
        ScopeKind.PRODUCTS,
        product_ids={spu},
        excluded_sku_ids={excluded_sku},
    )
    assert scope.covers(line(product=spu))
    assert not scope.covers(line(product=spu, sku=excluded_sku))

    everything_but = CouponScope(
        excluded_category_ids={BOOKS},
        excluded_brand_ids={BRAND_B},
        excluded_product_ids={spu},
    )
    assert everything_but.covers(line())
    assert not everything_but.covers(line(categories=frozenset({BOOKS})))
    assert not everything_but.covers(line(brand=BRAND_B))
    assert not everything_but.covers(line(product=spu))

    shop = CouponScope(ScopeKind.SHOP, shop_id=SHOP, excluded_brand_ids={BRAND_A})
    assert not shop.covers(line(shop=SHOP, brand=BRAND_A))
    category = CouponScope(
        ScopeKind.CATEGORIES, category_ids={ELECTRONICS}, excluded_category_ids={PHONES}
    )
    assert not category.covers(line(categories=frozenset({ELECTRONICS, PHONES})))
    assert category.covers(line(categories=frozenset({ELECTRONICS})))


@pytest.mark.rule("CPN-1")
@pytest.mark.parametrize(
    "fields",
    [
        {"kind": ScopeKind.CATEGORIES},
        {"kind": ScopeKind.BRANDS},
        {"kind": ScopeKind.PRODUCTS},
        {"kind": ScopeKind.SHOP},
        {"kind": ScopeKind.ALL, "shop_id": SHOP},
        {"kind": ScopeKind.CATEGORIES, "category_ids": {ELECTRONICS}, "shop_id": SHOP},
        {"kind": ScopeKind.ALL, "category_ids": {ELECTRONICS}},
        {"kind": ScopeKind.CATEGORIES, "category_ids": {ELECTRONICS}, "brand_ids": {BRAND_A}},
        {"kind": ScopeKind.BRANDS, "brand_ids": {BRAND_A}, "sku_ids": {uuid.uuid4()}},
        {"kind": ScopeKind.SHOP, "shop_id": SHOP, "product_ids": {uuid.uuid4()}},
    ],
)
def test_an_incoherent_scope_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidTemplate):
        CouponScope(**fields)


@pytest.mark.rule("CPN-7")
def test_scopes_order_by_narrowness() -> None:
    product = CouponScope(ScopeKind.PRODUCTS, product_ids={uuid.uuid4()})
    category = CouponScope(ScopeKind.CATEGORIES, category_ids={PHONES})
    shop = CouponScope(ScopeKind.SHOP, shop_id=SHOP)
    assert product.narrowness < category.narrowness < shop.narrowness < CouponScope().narrowness


def test_scope_ids_are_stored_as_frozensets() -> None:
    scope = CouponScope(ScopeKind.CATEGORIES, category_ids=[PHONES, PHONES])
    assert scope.category_ids == frozenset({PHONES})
    assert isinstance(scope.category_ids, frozenset)


# --- Validity ---------------------------------------------------------------------------------


@pytest.mark.rule("CPN-1")
def test_an_absolute_validity_gives_every_coupon_the_same_window() -> None:
    validity = Validity.absolute(NOW, NOW + 10 * DAY)
    assert validity.kind is ValidityKind.ABSOLUTE
    assert validity.window_for(NOW - 3 * DAY) == (NOW, NOW + 10 * DAY)
    assert validity.window_for(NOW + 2 * DAY) == (NOW, NOW + 10 * DAY)
    assert not validity.ended_by(NOW + 10 * DAY - dt.timedelta(microseconds=1))
    assert validity.ended_by(NOW + 10 * DAY)


@pytest.mark.rule("CPN-1")
def test_a_relative_validity_runs_n_days_from_the_claim_and_never_ends() -> None:
    validity = Validity.relative(7)
    assert validity.window_for(NOW) == (NOW, NOW + 7 * DAY)
    assert validity.window_for(NOW + HOUR) == (NOW + HOUR, NOW + HOUR + 7 * DAY)
    assert not validity.ended_by(NOW + 10_000 * DAY)


@pytest.mark.rule("CPN-1")
@pytest.mark.parametrize(
    "build",
    [
        lambda: Validity.absolute(NOW, NOW),
        lambda: Validity.absolute(NOW, NOW - HOUR),
        lambda: Validity.absolute(NOW.replace(tzinfo=None), NOW.replace(tzinfo=None) + DAY),
        lambda: Validity(ValidityKind.ABSOLUTE, starts_at=NOW),
        lambda: Validity(ValidityKind.ABSOLUTE, starts_at=NOW, ends_at=NOW + DAY, days=3),
        lambda: Validity(ValidityKind.RELATIVE),
        lambda: Validity(ValidityKind.RELATIVE, days=3, starts_at=NOW),
        lambda: Validity.relative(0),
        lambda: Validity.relative(-1),
        lambda: Validity.relative(3661),
        lambda: Validity.relative(True),
        lambda: Validity.relative(1.5),  # type: ignore[arg-type]
    ],
)
def test_an_incoherent_validity_is_refused(build: Any) -> None:
    with pytest.raises(InvalidTemplate):
        build()


def test_the_longest_relative_validity_is_3660_days() -> None:
    assert Validity.relative(3660).days == 3660
    assert Validity.relative(1).days == 1


# --- Limits -----------------------------------------------------------------------------------


@pytest.mark.rule("CPN-1")
@pytest.mark.parametrize(
    "fields",
    [
        {"total_quantity": 0},
        {"total_quantity": -5},
        {"total_quantity": True},
        {"total_quantity": None},
        {"total_quantity": "5"},
        {"total_quantity": 2.0},
        {"total_quantity": 10, "per_user": 0},
        {"total_quantity": 10, "per_user_per_day": -1},
        {"total_quantity": 10, "per_user": 2, "per_user_per_day": 3},
    ],
)
def test_invalid_limits_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidTemplate):
        Limits(**fields)


@pytest.mark.rule("CPN-1")
def test_limits_are_optional_except_the_total() -> None:
    assert Limits(total_quantity=1) == Limits(1, None, None)
    assert Limits(10, per_user=3, per_user_per_day=3).per_user_per_day == 3
    assert Limits(10, per_user_per_day=5).per_user is None  # a daily limit alone is fine


# --- ClaimWindow ------------------------------------------------------------------------------


@pytest.mark.rule("CPN-2")
def test_a_claim_window_includes_its_start_and_excludes_its_end() -> None:
    window = ClaimWindow(NOW, NOW + DAY)
    assert not window.contains(NOW - dt.timedelta(microseconds=1))
    assert window.contains(NOW)
    assert window.contains(NOW + DAY - dt.timedelta(microseconds=1))
    assert not window.contains(NOW + DAY)


@pytest.mark.rule("CPN-2")
def test_a_claim_window_may_be_open_at_either_end() -> None:
    assert ClaimWindow().contains(NOW)
    assert ClaimWindow(starts_at=NOW).contains(NOW + 1000 * DAY)
    assert not ClaimWindow(starts_at=NOW).contains(NOW - HOUR)
    assert ClaimWindow(ends_at=NOW).contains(NOW - 1000 * DAY)
    assert not ClaimWindow(ends_at=NOW).contains(NOW)


@pytest.mark.rule("CPN-1")
@pytest.mark.parametrize(
    "build",
    [
        lambda: ClaimWindow(NOW, NOW),
        lambda: ClaimWindow(NOW, NOW - HOUR),
        lambda: ClaimWindow(starts_at=NOW.replace(tzinfo=None)),
        lambda: ClaimWindow(ends_at=NOW.replace(tzinfo=None)),
    ],
)
def test_an_incoherent_claim_window_is_refused(build: Any) -> None:
    with pytest.raises(InvalidTemplate):
        build()


# --- the other terms --------------------------------------------------------------------------


@pytest.mark.rule("CPN-1")
def test_distribution_says_who_may_hand_coupons_out() -> None:
    assert Distribution.CLAIMABLE.claimable
    assert not Distribution.CLAIMABLE.issuable
    assert not Distribution.ISSUE_ONLY.claimable
    assert Distribution.ISSUE_ONLY.issuable
    assert Distribution.BOTH.claimable
    assert Distribution.BOTH.issuable


@pytest.mark.rule("CPN-1")
def test_acquisition_is_free_or_a_whole_number_of_points() -> None:
    assert Acquisition().free
    assert not Acquisition(100).free
    for points in (-1, True, 1.5):
        with pytest.raises(InvalidTemplate):
            Acquisition(points)  # type: ignore[arg-type]


@pytest.mark.rule("CPN-1")
def test_terms_take_at_least_one_channel() -> None:
    terms = CouponTerms(benefit=cash(), channels=[Channel.APP, Channel.APP])
    assert terms.channels == frozenset({Channel.APP})
    assert CouponTerms(benefit=cash()).channels == frozenset(Channel)
    with pytest.raises(InvalidTemplate):
        CouponTerms(benefit=cash(), channels=[])


# --- TemplateDefinition: issuer and scope, names, public codes ---------------------------------


@pytest.mark.rule("CPN-1")
def test_an_issuer_names_a_shop_exactly_when_it_is_a_shop() -> None:
    assert Issuer().kind is IssuerKind.PLATFORM
    assert Issuer(IssuerKind.SHOP, SHOP).shop_id == SHOP
    with pytest.raises(InvalidTemplate):
        Issuer(IssuerKind.SHOP)
    with pytest.raises(InvalidTemplate):
        Issuer(IssuerKind.PLATFORM, SHOP)


@pytest.mark.rule("CPN-1")
def test_a_shops_coupon_applies_only_within_that_shop() -> None:
    shop_issuer = Issuer(IssuerKind.SHOP, SHOP)
    own = CouponTerms(benefit=cash(), scope=CouponScope(ScopeKind.SHOP, shop_id=SHOP))
    assert definition(issuer=shop_issuer, terms=own).issuer == shop_issuer
    with pytest.raises(InvalidTemplate, match="every shop"):
        definition(issuer=shop_issuer)  # the default scope is all goods
    other = CouponTerms(benefit=cash(), scope=CouponScope(ScopeKind.SHOP, shop_id=OTHER_SHOP))
    with pytest.raises(InvalidTemplate, match="own shop"):
        definition(issuer=shop_issuer, terms=other)


@pytest.mark.rule("CPN-1")
def test_the_platform_may_issue_a_coupon_for_one_shop() -> None:
    terms = CouponTerms(benefit=cash(), scope=CouponScope(ScopeKind.SHOP, shop_id=SHOP))
    assert definition(terms=terms).terms.scope.shop_id == SHOP


@pytest.mark.rule("CPN-1")
def test_a_definition_has_a_trimmed_name_and_a_bounded_description() -> None:
    assert definition(name="  Spring sale  ").name == "Spring sale"
    assert definition(name="x" * 100).name == "x" * 100
    for bad in ("", "   ", "x" * 101):
        with pytest.raises(InvalidTemplate, match="name"):
            definition(name=bad)
    assert len(definition(description="d" * 2000).description) == 2000
    with pytest.raises(InvalidTemplate, match="description"):
        definition(description="d" * 2001)


@pytest.mark.rule("CPN-4")
def test_codes_are_compared_without_case_spaces_or_dashes() -> None:
    assert normalise_code(" abcd-efgh ") == "ABCDEFGH"
    assert normalise_code("ab cd\tef-gh-") == "ABCDEFGH"
    assert normalise_code("ABCD") == "ABCD"


@pytest.mark.rule("CPN-4")
def test_a_public_code_is_normalised_when_defined() -> None:
    assert definition(public_code="spring-2026").public_code == "SPRING2026"
    assert definition(public_code="a" * 32).public_code == "A" * 32
    assert definition().public_code is None


@pytest.mark.rule("CPN-4")
@pytest.mark.parametrize("code", ["ab-c", "", "----", "SALE!", "a" * 33, "ÄBCD", "SA_LE"])
def test_a_malformed_public_code_is_refused(code: str) -> None:
    with pytest.raises(InvalidTemplate, match="public code"):
        definition(public_code=code)


def test_a_definition_states_its_currency() -> None:
    assert definition().currency == "CNY"
    jpy = Benefit(CouponKind.CASH, value=Money(500, "JPY"))
    assert definition(benefit=jpy).currency == "JPY"
