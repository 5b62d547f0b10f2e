"""The kit's catalog strategies: every tree, brand and product is one the domain builds again
from its parts, the edges are reached, and examples shrink to readable ones (CAT-1..7)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from tests.kit.strategies_support import PARAMETERS, VALID, reach, smallest

from shop_domain.catalog import (
    AttributeDefinition,
    AttributeKind,
    Brand,
    CatalogPolicy,
    Category,
    ListingStatus,
    Product,
    SkuDraft,
    name_key,
    rules,
)
from shop_domain.shared import BusinessRuleBroken, Money
from shop_testing.strategies import (
    MAX_DEPTH,
    NOW,
    CatalogEntry,
    CategoryTree,
    brands,
    catalog_entries,
    category_trees,
    products,
)


def rebuilt_definitions(category: Category) -> list[AttributeDefinition]:
    return [
        AttributeDefinition.build(
            key=d.key,
            name=d.name,
            kind=d.kind,
            required=d.required,
            allowed_values=d.allowed_values,
            position=d.position,
        )
        for d in category.attributes
    ]


def phones() -> Category:
    """A leaf whose products come in two colours."""
    category = Category.create(
        id=uuid.UUID(int=1), name="Phones", parent=None, policy=CatalogPolicy(), now=NOW
    )
    colour = AttributeDefinition.build(
        key="colour", name="Colour", kind="sales", allowed_values=["red", "blue"]
    )
    category.define_attributes([colour], in_use=False, now=NOW)
    return category


# --- every draw is valid ----------------------------------------------------------------------


@pytest.mark.rule("CAT-2")
@pytest.mark.rule("CAT-4")
@VALID
@given(category_trees())
def test_every_tree_is_built_again_by_the_domain(tree: CategoryTree) -> None:
    limit = tree.policy.max_category_depth
    again: dict[uuid.UUID, Category] = {}
    for category in tree.categories:  # parents first
        parent = None if category.parent_id is None else again[category.parent_id]
        copy = Category.create(
            id=category.id, name=category.name, parent=parent, policy=tree.policy, now=NOW
        )
        assert (copy.depth, copy.path) == (category.depth, category.path)
        assert copy.depth <= limit
        copy.define_attributes(rebuilt_definitions(category), in_use=False, now=NOW)
        assert [d.signature() for d in copy.attributes] == [
            d.signature() for d in category.attributes
        ]
        again[category.id] = copy
    for category in tree.categories:
        siblings = [c for c in tree.categories if c.parent_id == category.parent_id]
        taken = sum(name_key(c.name) == name_key(category.name) for c in siblings) > 1
        assert not rules.CategoryNameIsUnique(taken, category.name).is_broken()
        if tree.children(category):  # a parent keeps no attributes, products hang on leaves
            assert not rules.ParentHasNoAttributes(len(category.attributes)).is_broken()
    assert set(tree.leaves()) | {c for c in tree.categories if tree.children(c)} == set(
        tree.categories
    )


@pytest.mark.rule("CAT-5")
@VALID
@given(
    category_trees(max_size=4).flatmap(
        lambda t: brands(category_ids=[c.id for c in t.categories]).map(lambda b: (t, b))
    )
)
def test_every_brand_is_built_again_and_allowed_where_it_says(
    case: tuple[CategoryTree, Brand],
) -> None:
    tree, brand = case
    again = Brand.create(
        id=brand.id,
        name=brand.name,
        logo_url=brand.logo_url,
        category_ids=brand.category_ids,
        now=NOW,
    )
    assert (again.name, again.logo_url, again.category_ids) == (
        brand.name,
        brand.logo_url,
        brand.category_ids,
    )
    for category in tree.categories:
        expected = not brand.category_ids or bool(set(category.lineage()) & set(brand.category_ids))
        assert brand.allows(category) is expected


def drafts_of(product: Product) -> list[SkuDraft]:
    return [
        SkuDraft(
            id=s.id,
            code=s.code,
            sales_attributes=s.sales_attributes,
            sale_price=s.sale_price,
            list_price=s.list_price,
            barcode=s.barcode,
            weight_g=s.weight_g,
            dimensions=s.dimensions,
            freight_template_id=s.freight_template_id,
            enabled=s.enabled,
        )
        for s in product.skus
    ]


@pytest.mark.rule("CAT-1")
@pytest.mark.rule("CAT-4")
@pytest.mark.rule("CAT-6")
@pytest.mark.rule("CAT-7")
@VALID
@given(catalog_entries())
def test_every_product_is_built_again_by_the_domain(entry: CatalogEntry) -> None:
    product = entry.product
    again = Product.create(
        id=product.id,
        shop_id=product.shop_id,
        name=product.name,
        description=product.description,
        category=entry.category,
        brand=entry.brand,
        currency=product.currency,
        key_attributes=product.key_attributes,
        other_attributes=product.other_attributes,
        sales_attribute_keys=product.sales_attribute_keys,
        skus=drafts_of(product),
        now=NOW,
    )
    assert [s.sales_attributes for s in again.skus] == [s.sales_attributes for s in product.skus]
    assert product.category_id == entry.category.id
    keys = {d.key for d in entry.category.definitions(AttributeKind.KEY)}
    assert set(product.key_attributes) == keys  # every key attribute, each one required
    for sku in product.skus:
        assert not sku.sale_price.is_negative()
        assert sku.list_price >= sku.sale_price
        assert sku.sale_price.currency == product.currency
        assert Money.of(str(sku.list_price.amount), product.currency) == sku.list_price
    if product.status is ListingStatus.LISTED:
        again.list_for_sale(NOW)  # refused without an enabled SKU
        for sku in product.enabled_skus():
            assert product.ensure_purchasable(sku.id, NOW) is sku
    assert product.is_listed(NOW) is (product.status is ListingStatus.LISTED)


@PARAMETERS
@given(
    products(shop_id=uuid.UUID(int=7), currency="KRW", listed=True, max_skus=2, code_prefix="X-")
)
def test_products_keep_what_was_asked_for(product: Product) -> None:
    assert (product.shop_id, product.currency) == (uuid.UUID(int=7), "KRW")
    assert product.is_listed(NOW)
    assert 1 <= len(product.skus) <= 2
    assert all(s.code.startswith("X-") for s in product.skus)


# --- the edges are reached --------------------------------------------------------------------


@pytest.mark.rule("CAT-2")
@pytest.mark.parametrize("limit", range(1, MAX_DEPTH + 1))
def test_a_tree_reaches_its_depth_limit_and_no_further(limit: int) -> None:
    policy = CatalogPolicy(max_category_depth=limit)
    deepest = reach(category_trees(policy), lambda t: t.depth == limit)
    bottom = next(c for c in deepest.categories if c.depth == limit)
    with pytest.raises(BusinessRuleBroken) as refused:
        Category.create(id=uuid.uuid4(), name="deeper", parent=bottom, policy=policy, now=NOW)
    assert refused.value.code == "catalog.category_too_deep"
    assert reach(category_trees(), lambda t: t.depth == MAX_DEPTH).policy.max_category_depth == 4


@pytest.mark.rule("CAT-1")
@pytest.mark.rule("CAT-4")
def test_products_reach_sales_attributes_closed_values_and_many_skus() -> None:
    many = reach(products(), lambda p: len(p.skus) >= 3 and len(p.sales_attribute_keys) >= 2)
    assert len({tuple(s.sales_attributes.items()) for s in many.skus}) == len(many.skus)
    closed = reach(
        catalog_entries(),
        lambda e: any(
            d.allowed_values and d.kind is AttributeKind.SALES
            for d in e.category.attributes
            if d.key in e.product.sales_attribute_keys
        ),
    )
    assert closed.product.skus
    assert reach(
        catalog_entries(), lambda e: e.category.definitions(AttributeKind.KEY)
    ).product.key_attributes


@pytest.mark.rule("CAT-5")
@pytest.mark.rule("CAT-6")
@pytest.mark.rule("CAT-7")
def test_products_reach_prices_brands_and_listing_states() -> None:
    assert reach(products(), lambda p: any(s.sale_price.is_zero() for s in p.skus))
    assert reach(products(), lambda p: any(s.list_price > s.sale_price for s in p.skus))
    assert reach(products(), lambda p: p.currency in ("JPY", "KRW", "VND", "CLP", "ISK"))
    assert reach(products(listed=False), lambda p: not any(s.enabled for s in p.skus))
    listed = reach(products(), lambda p: p.is_listed(NOW) and any(not s.enabled for s in p.skus))
    assert listed.enabled_skus()
    restricted = reach(catalog_entries(), lambda e: e.brand is not None and e.brand.category_ids)
    assert restricted.brand is not None
    assert restricted.brand.allows(restricted.category)


# --- shrinking --------------------------------------------------------------------------------


def test_failing_examples_shrink_to_small_readable_catalogs() -> None:
    tree = smallest(category_trees())
    assert [(c.name, c.depth, c.attributes) for c in tree.categories] == [("a", 1, [])]
    product = smallest(products())
    assert (product.name, product.currency, product.status) == ("a", "CNY", ListingStatus.UNLISTED)
    [sku] = product.skus
    assert (sku.sales_attributes, sku.sale_price, sku.enabled) == ({}, Money(0, "CNY"), True)
    two = smallest(products(category=phones()), lambda p: len(p.skus) == 2)
    assert [(s.code, s.sales_attributes) for s in two.skus] == [
        ("A-1", {"colour": "red"}),
        ("A-2", {"colour": "blue"}),
    ]
