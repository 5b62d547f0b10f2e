"""The product (SPU) aggregate and its SKUs (CAT-1, CAT-4, CAT-6, CAT-7)."""

from __future__ import annotations

import datetime as dt
import json

import attrs
import pytest
from tests.unit.catalog.catalog_builders import (
    NOW,
    cny,
    draft,
    event_types,
    leaf_category,
    new_product,
)

from shop_domain.catalog import (
    Brand,
    Dimensions,
    ListingStatus,
    ProductNotListed,
    SkuDisabled,
    SkuDraft,
    SkuNotFound,
    rules,
)
from shop_domain.shared import (
    BusinessRuleBroken,
    DomainError,
    InvalidValue,
    Money,
    check_rule,
    new_id,
)

HOUR = dt.timedelta(hours=1)


def code_of(call: object) -> str:
    assert callable(call)
    with pytest.raises(DomainError) as info:
        call()
    return info.value.code


# --- creation ---------------------------------------------------------------------------------


@pytest.mark.rule("CAT-1")
def test_a_new_product_groups_its_skus() -> None:
    product = new_product(pull=False)
    assert product.status is ListingStatus.UNLISTED
    assert [s.position for s in product.skus] == [0, 1]
    assert event_types(product) == [
        "catalog.product_created",
        "catalog.sku_added",
        "catalog.sku_added",
    ]
    created = product.pending_events[0].payload()
    assert created["sku_ids"] == [str(s.id) for s in product.skus]
    added = product.pending_events[1].payload()
    assert added["sale_price"] == {"minor": 9900, "currency": "CNY"}
    assert added["sales_attributes"] == {"colour": "red", "storage": "128G"}
    json.dumps([e.payload() for e in product.pending_events])


@pytest.mark.rule("CAT-4")
def test_key_attributes_are_required_and_checked_against_the_leaf() -> None:
    category = leaf_category()
    assert (
        code_of(lambda: new_product(category, key_attributes={"model": "X1"}))
        == "catalog.required_attribute_missing"
    )
    assert (
        code_of(lambda: new_product(category, key_attributes={"model": "Z9", "series": "X"}))
        == "catalog.attribute_value_not_allowed"
    )
    assert (
        code_of(
            lambda: new_product(
                category, key_attributes={"model": "X1", "series": "X", "colour": "red"}
            )
        )
        == "catalog.unknown_attribute"
    )


@pytest.mark.rule("CAT-4")
def test_sales_keys_must_be_sales_attributes_of_the_category() -> None:
    from shop_domain.catalog import Product

    category = leaf_category()

    def create(sales_keys: list[str], skus: list[object] | None = None) -> None:
        Product.create(
            id=new_id(),
            shop_id=new_id(),
            name="P",
            description="",
            category=category,
            brand=None,
            currency="CNY",
            key_attributes={"model": "X1", "series": "X"},
            other_attributes={},
            sales_attribute_keys=sales_keys,
            skus=skus if skus is not None else [draft()],  # type: ignore[arg-type]
            now=NOW,
        )

    assert code_of(lambda: create(["colour", "model"])) == "catalog.unknown_attribute"
    assert code_of(lambda: create(["colour", "colour"])) == "catalog.invalid_sales_attributes"
    assert code_of(lambda: create(["colour", "storage"], [])) == "catalog.product_needs_sku"
    assert code_of(lambda: create(["colour"])) == "catalog.sales_attributes_mismatch"


@pytest.mark.rule("CAT-5")
def test_a_brand_must_be_allowed_in_the_products_category() -> None:
    category = leaf_category()
    elsewhere = Brand.create(
        id=new_id(), name="Tex", logo_url=None, category_ids=[new_id()], now=NOW
    )
    assert code_of(lambda: new_product(category, brand=elsewhere)) == (
        "catalog.brand_not_allowed_in_category"
    )
    here = Brand.create(
        id=new_id(), name="Volt", logo_url=None, category_ids=[category.id], now=NOW
    )
    assert new_product(category, brand=here).brand_id == here.id


# --- SKUs (CAT-1, CAT-6) ----------------------------------------------------------------------


@pytest.mark.rule("CAT-1")
def test_a_sku_has_exactly_one_value_per_sales_attribute() -> None:
    product = new_product()
    category = leaf_category()
    missing = attrs.evolve(draft("S3", "black"), sales_attributes={"colour": "black"})
    assert code_of(lambda: product.add_sku(missing, category, NOW)) == (
        "catalog.sales_attributes_mismatch"
    )
    extra = attrs.evolve(missing, sales_attributes={"colour": "black", "storage": "128G", "x": "1"})
    assert code_of(lambda: product.add_sku(extra, category, NOW)) == (
        "catalog.sales_attributes_mismatch"
    )
    assert code_of(lambda: product.add_sku(draft("S3", "gold"), category, NOW)) == (
        "catalog.attribute_value_not_allowed"
    )
    assert rules.OneValuePerSalesAttribute(["a", "b"], {"a": "1", "b": "2"}).is_broken() is False


@pytest.mark.rule("CAT-1")
def test_the_sales_attribute_combination_is_unique_within_the_spu() -> None:
    product = new_product()
    category = leaf_category()
    assert code_of(lambda: product.add_sku(draft("S3", "red", "128G"), category, NOW)) == (
        "catalog.sku_combination_taken"
    )
    assert code_of(lambda: product.add_sku(draft("SKU-1", "black"), category, NOW)) == (
        "catalog.sku_code_taken"
    )
    sku = product.add_sku(draft("S3", "red", "256G"), category, NOW)
    assert sku.position == 2
    assert event_types(product) == ["catalog.sku_added"]


@pytest.mark.rule("CAT-6")
def test_sku_fields_are_validated() -> None:
    product = new_product()
    category = leaf_category()
    base = draft("S9", "black")

    def with_(**changes: object) -> SkuDraft:
        return attrs.evolve(base, **changes)

    cases = {
        "catalog.list_price_below_sale_price": with_(list_price=cny("98.99")),
        "catalog.negative_price": with_(sale_price=cny("-1"), list_price=cny("0")),
        "catalog.price_currency_mismatch": with_(sale_price=Money.of("1", "USD")),
        "catalog.negative_weight": with_(weight_g=-5),
        "catalog.invalid_text": with_(code="  "),
    }
    for code, bad in cases.items():
        assert code_of(lambda bad=bad: product.add_sku(bad, category, NOW)) == code
    with pytest.raises(InvalidValue) as info:
        Dimensions(10, -1, 10)
    assert info.value.code == "catalog.negative_dimension"
    sku = product.add_sku(with_(sale_price=cny("0"), list_price=cny("0")), category, NOW)
    assert sku.sale_price.is_zero()
    assert sku.dimensions.volume_mm3() == 150 * 75 * 8


@pytest.mark.rule("CAT-6")
def test_price_change_records_old_and_new_prices() -> None:
    product = new_product()
    sku = product.skus[0]
    product.change_sku_price(sku.id, cny("89.00"), cny("129.00"), NOW)
    product.change_sku_price(sku.id, cny("89.00"), cny("129.00"), NOW)  # no change
    (event,) = product.pending_events
    assert event.event_type == "catalog.sku_price_changed"
    payload = event.payload()
    assert payload["old_sale_price"]["minor"] == 9900
    assert payload["new_sale_price"]["minor"] == 8900
    assert payload["old_list_price"] == payload["new_list_price"]
    assert code_of(lambda: product.change_sku_price(sku.id, cny("200"), cny("100"), NOW)) == (
        "catalog.list_price_below_sale_price"
    )
    assert code_of(lambda: product.change_sku_price(new_id(), cny("1"), cny("1"), NOW)) == (
        "catalog.sku_not_found"
    )


def test_details_update_records_the_changed_fields() -> None:
    category = leaf_category()
    product = new_product(category)
    product.update_details(
        name="X1 Phone Pro",
        description="A phone.",
        brand=None,
        key_attributes={"model": "X2", "series": "X"},
        other_attributes={"interface": "USB-C"},
        category=category,
        now=NOW + HOUR,
    )
    (event,) = product.pending_events
    assert event.payload()["changed"] == ["name", "key_attributes"]
    assert product.updated_at == NOW + HOUR
    product.record_sales(3, NOW)
    assert product.sales_count == 3
    assert code_of(lambda: product.record_sales(0, NOW)) == "catalog.invalid_quantity"


# --- listing (CAT-7) --------------------------------------------------------------------------


@pytest.mark.rule("CAT-7")
def test_listing_needs_an_enabled_sku() -> None:
    product = new_product()
    for sku in product.skus:
        product.set_sku_enabled(sku.id, False, NOW)
    assert code_of(lambda: product.list_for_sale(NOW)) == "catalog.no_enabled_sku"
    product.set_sku_enabled(product.skus[0].id, True, NOW)
    product.list_for_sale(NOW)
    product.list_for_sale(NOW)  # already listed: nothing
    assert product.is_listed(NOW)
    assert event_types(product)[-1] == "catalog.product_listed"
    assert event_types(product).count("catalog.product_listed") == 1


@pytest.mark.rule("CAT-7")
def test_disabling_the_last_enabled_sku_unlists_the_product() -> None:
    product = new_product()
    product.list_for_sale(NOW)
    product.set_sku_enabled(product.skus[0].id, False, NOW)
    assert product.is_listed(NOW)
    product.set_sku_enabled(product.skus[1].id, False, NOW)
    assert not product.is_listed(NOW)
    assert product.status is ListingStatus.UNLISTED
    assert event_types(product)[-2:] == ["catalog.sku_disabled", "catalog.product_unlisted"]
    assert product.pending_events[-1].payload()["reason"] == "no_enabled_sku"


@pytest.mark.rule("CAT-7")
def test_unlisting_manually() -> None:
    product = new_product()
    product.list_for_sale(NOW)
    product.unlist(NOW)
    product.unlist(NOW)
    assert not product.is_listed(NOW)
    assert event_types(product) == ["catalog.product_listed", "catalog.product_unlisted"]
    assert product.pending_events[-1].payload()["reason"] == "manual"


@pytest.mark.rule("CAT-7")
def test_a_scheduled_listing_is_effective_before_the_sweep_and_the_sweep_records_it() -> None:
    product = new_product()
    product.schedule_listing(list_at=NOW + HOUR, delist_at=NOW + 3 * HOUR, now=NOW)
    assert event_types(product) == ["catalog.product_listing_scheduled"]
    product.pull_events()
    assert not product.is_listed(NOW + HOUR - dt.timedelta(seconds=1))
    assert product.is_listed(NOW + HOUR)  # effective without any sweep
    assert product.status is ListingStatus.UNLISTED
    assert product.apply_schedule(NOW + 2 * HOUR)
    assert product.status is ListingStatus.LISTED
    assert product.list_at is None
    (listed,) = product.pending_events
    assert listed.payload()["scheduled"] is True
    assert listed.payload()["effective_at"] == (NOW + HOUR).isoformat()
    assert not product.apply_schedule(NOW + 2 * HOUR)  # nothing due any more
    assert not product.is_listed(NOW + 3 * HOUR)
    product.apply_schedule(NOW + 4 * HOUR)
    assert product.status is ListingStatus.UNLISTED
    assert event_types(product) == ["catalog.product_listed", "catalog.product_unlisted"]


@pytest.mark.rule("CAT-7")
def test_due_schedules_apply_in_time_order() -> None:
    listed_then_off = new_product()
    listed_then_off.schedule_listing(list_at=NOW + HOUR, delist_at=NOW + 2 * HOUR, now=NOW)
    off_then_back = new_product()
    off_then_back.list_for_sale(NOW)
    off_then_back.schedule_listing(list_at=NOW + 2 * HOUR, delist_at=NOW + HOUR, now=NOW)
    later = NOW + 5 * HOUR
    assert not listed_then_off.is_listed(later)
    assert off_then_back.is_listed(later)
    for product in (listed_then_off, off_then_back):
        expected = product.is_listed(later)
        product.apply_schedule(later)
        assert (product.status is ListingStatus.LISTED) == expected


@pytest.mark.rule("CAT-7")
def test_a_scheduled_listing_without_enabled_sku_is_skipped() -> None:
    product = new_product()
    product.schedule_listing(list_at=NOW + HOUR, delist_at=None, now=NOW)
    for sku in product.skus:
        product.set_sku_enabled(sku.id, False, NOW)
    product.pull_events()
    assert not product.is_listed(NOW + HOUR)
    product.apply_schedule(NOW + HOUR)
    assert product.status is ListingStatus.UNLISTED
    assert product.list_at is None
    assert event_types(product) == ["catalog.product_listing_skipped"]


@pytest.mark.rule("CAT-7")
def test_schedules_must_be_aware_future_and_distinct() -> None:
    product = new_product()
    naive = dt.datetime(2030, 1, 1)
    cases = [
        {"list_at": NOW, "delist_at": None},
        {"list_at": None, "delist_at": NOW - HOUR},
        {"list_at": naive, "delist_at": None},
        {"list_at": NOW + HOUR, "delist_at": NOW + HOUR},
    ]
    for case in cases:
        assert code_of(lambda case=case: product.schedule_listing(now=NOW, **case)) == (  # type: ignore[misc]
            "catalog.invalid_schedule"
        )
    product.schedule_listing(list_at=NOW + HOUR, delist_at=None, now=NOW)
    product.schedule_listing(list_at=None, delist_at=None, now=NOW)  # clears
    assert product.list_at is None
    assert event_types(product) == ["catalog.product_listing_scheduled"] * 2


@pytest.mark.rule("CAT-7")
def test_manual_unlisting_wins_over_a_due_but_unswept_listing() -> None:
    product = new_product()
    product.schedule_listing(list_at=NOW + HOUR, delist_at=None, now=NOW)
    product.unlist(NOW + 2 * HOUR)  # the listing came due at +1h, then the operator unlisted
    assert not product.is_listed(NOW + 2 * HOUR)
    assert event_types(product)[-2:] == ["catalog.product_listed", "catalog.product_unlisted"]


@pytest.mark.rule("CAT-7")
def test_only_a_listed_product_and_an_enabled_sku_are_purchasable() -> None:
    product = new_product()
    first, second = product.skus
    with pytest.raises(ProductNotListed) as not_listed:
        product.ensure_purchasable(first.id, NOW)
    assert not_listed.value.code == "catalog.product_not_listed"
    product.list_for_sale(NOW)
    assert product.ensure_purchasable(first.id, NOW) is first
    product.set_sku_enabled(second.id, False, NOW)
    with pytest.raises(SkuDisabled) as disabled:
        product.ensure_purchasable(second.id, NOW)
    assert disabled.value.code == "catalog.sku_disabled"
    with pytest.raises(SkuNotFound):
        product.ensure_purchasable(new_id(), NOW)
    product.schedule_listing(list_at=None, delist_at=NOW + HOUR, now=NOW)
    with pytest.raises(ProductNotListed):
        product.ensure_purchasable(first.id, NOW + HOUR)


def test_rule_codes_surface_through_check_rule() -> None:
    rule = rules.SkuCombinationIsUnique([{"c": "red"}], {"c": "red"})
    assert rule.is_broken()
    with pytest.raises(BusinessRuleBroken) as info:
        check_rule(rule)
    assert info.value.code == "catalog.sku_combination_taken"
    assert info.value.kind == "conflict"
