"""Back-end categories, attributes, front categories and brands (CAT-2..5)."""

from __future__ import annotations

import json

import pytest
from tests.unit.catalog.catalog_builders import NOW, event_types, leaf_category, phone_attributes

from shop_domain.catalog import (
    AttributeDefinition,
    AttributeKind,
    Brand,
    CatalogPolicy,
    Category,
    FrontCategory,
    rules,
)
from shop_domain.shared import BusinessRuleBroken, InvalidValue, new_id


def chain(levels: int, policy: CatalogPolicy) -> list[Category]:
    categories: list[Category] = []
    for level in range(levels):
        parent = categories[-1] if categories else None
        categories.append(
            Category.create(
                id=new_id(), name=f"L{level + 1}", parent=parent, policy=policy, now=NOW
            )
        )
    return categories


@pytest.mark.rule("CAT-2")
def test_the_tree_has_three_levels_by_default() -> None:
    policy = CatalogPolicy()
    root, child, grandchild = chain(3, policy)
    assert [c.depth for c in (root, child, grandchild)] == [1, 2, 3]
    assert grandchild.path == f"/{root.id}/{child.id}/{grandchild.id}/"
    assert grandchild.lineage() == [root.id, child.id, grandchild.id]
    assert grandchild.is_within(root)
    assert grandchild.is_within(grandchild)
    assert not root.is_within(grandchild)
    with pytest.raises(BusinessRuleBroken) as info:
        Category.create(id=new_id(), name="L4", parent=grandchild, policy=policy, now=NOW)
    assert info.value.code == "catalog.category_too_deep"


@pytest.mark.rule("CAT-2")
def test_the_depth_limit_is_configurable_up_to_four() -> None:
    policy = CatalogPolicy(max_category_depth=4)
    deepest = chain(4, policy)[-1]
    assert deepest.depth == 4
    with pytest.raises(BusinessRuleBroken):
        Category.create(id=new_id(), name="L5", parent=deepest, policy=policy, now=NOW)
    for bad in (0, 5, True):
        with pytest.raises(InvalidValue) as info:
            CatalogPolicy(max_category_depth=bad)
        assert info.value.code == "catalog.invalid_policy"


@pytest.mark.rule("CAT-2")
def test_a_category_is_created_and_renamed_with_events() -> None:
    root = Category.create(
        id=new_id(), name="  Home  Goods ", parent=None, policy=CatalogPolicy(), now=NOW
    )
    assert root.name == "Home Goods"
    root.rename("Home", NOW)
    root.rename("Home", NOW)  # no change, no event
    assert event_types(root) == ["catalog.category_created", "catalog.category_renamed"]
    renamed = root.pending_events[1].payload()
    assert renamed["old_name"] == "Home Goods"
    assert renamed["new_name"] == "Home"
    with pytest.raises(InvalidValue) as info:
        root.rename("   ", NOW)
    assert info.value.code == "catalog.invalid_text"


@pytest.mark.rule("CAT-4")
def test_a_category_with_attribute_definitions_gets_no_children() -> None:
    leaf = leaf_category()
    with pytest.raises(BusinessRuleBroken) as info:
        Category.create(id=new_id(), name="Sub", parent=leaf, policy=CatalogPolicy(), now=NOW)
    assert info.value.code == "catalog.category_has_attributes"


@pytest.mark.rule("CAT-4")
def test_attribute_definitions() -> None:
    key = AttributeDefinition.build(key=" model ", name="Model", kind="key")
    assert key.key == "model"
    assert key.required
    assert key.kind is AttributeKind.KEY
    sales = AttributeDefinition.build(key="colour", name="Colour", kind="sales")
    assert not sales.required
    with pytest.raises(InvalidValue) as info:
        AttributeDefinition.build(key="x", name="X", kind="weird")
    assert info.value.code == "catalog.invalid_attribute_definition"
    with pytest.raises(InvalidValue):
        AttributeDefinition.build(key="x", name="X", kind="other", allowed_values=["a", "a"])
    category = leaf_category(attributes=False)
    with pytest.raises(InvalidValue) as info:
        category.define_attributes([key, key], in_use=False, now=NOW)
    assert info.value.code == "catalog.invalid_attribute_definition"
    category.define_attributes(phone_attributes(), in_use=False, now=NOW)
    assert [d.position for d in category.attributes] == [0, 1, 2, 3, 4]
    payload = category.pending_events[-1].payload()
    assert payload["key_attributes"] == ["model", "series"]
    assert payload["sales_attributes"] == ["colour", "storage"]


@pytest.mark.rule("CAT-4")
def test_attributes_in_use_change_only_compatibly() -> None:
    category = leaf_category()
    extended = phone_attributes()
    extended[2] = AttributeDefinition.build(
        key="colour", name="Colour", kind="sales", allowed_values=["red", "blue", "black", "gold"]
    )
    extended.append(AttributeDefinition.build(key="material", name="Material", kind="other"))
    category.define_attributes(extended, in_use=True, now=NOW)  # compatible: accepted

    incompatible = {
        "removed": phone_attributes()[1:],
        "new required": [
            *phone_attributes(),
            AttributeDefinition.build(key="nfc", name="NFC", kind="other", required=True),
        ],
        "narrowed": [
            *phone_attributes()[:2],
            AttributeDefinition.build(key="colour", name="C", kind="sales", allowed_values=["red"]),
            *phone_attributes()[3:],
        ],
        "kind changed": [
            *phone_attributes()[:4],
            AttributeDefinition.build(key="interface", name="I", kind="key"),
        ],
    }
    for what, definitions in incompatible.items():
        fresh = leaf_category()
        with pytest.raises(BusinessRuleBroken) as info:
            fresh.define_attributes(definitions, in_use=True, now=NOW)
        assert info.value.code == "catalog.attribute_change_breaks_products", what
        fresh.define_attributes(definitions, in_use=False, now=NOW)  # fine without products


@pytest.mark.rule("CAT-2")
def test_rule_objects_alone() -> None:
    assert rules.CategoryDepthWithinLimit(4, 3).is_broken()
    assert not rules.CategoryDepthWithinLimit(3, 3).is_broken()
    assert rules.CategoryIsLeaf(has_children=True).is_broken()
    assert rules.ParentHoldsNoProducts(has_products=True).is_broken()
    assert rules.CategoryNameIsUnique(True, "x").code == "catalog.category_name_taken"
    assert rules.BrandNameIsUnique(True, "x").code == "catalog.brand_name_taken"
    assert rules.FrontCategoryHasNoChildren(True).is_broken()


@pytest.mark.rule("CAT-3")
def test_front_categories_map_hide_and_delete_freely() -> None:
    back_a, back_b = new_id(), new_id()
    front = FrontCategory.create(
        id=new_id(),
        name="Gifts",
        parent_id=None,
        sort_order=2,
        visible=True,
        category_ids=[back_b, back_a, back_b],
        now=NOW,
    )
    assert front.category_ids == sorted([back_a, back_b])
    assert event_types(front) == ["catalog.front_category_created", "catalog.front_category_mapped"]
    front.pull_events()
    front.update(visible=False, now=NOW)
    front.update(visible=False, now=NOW)
    front.update(name="Presents", sort_order=1, now=NOW)
    front.map_to([back_a], NOW)
    front.map_to([back_a], NOW)
    front.delete(NOW)
    assert (front.name, front.sort_order, front.visible) == ("Presents", 1, False)
    assert event_types(front) == [
        "catalog.front_category_updated",
        "catalog.front_category_updated",
        "catalog.front_category_mapped",
        "catalog.front_category_deleted",
    ]
    with pytest.raises(InvalidValue) as info:
        front.update(sort_order="1", now=NOW)  # type: ignore[arg-type]
    assert info.value.code == "catalog.invalid_sort_order"


@pytest.mark.rule("CAT-5")
def test_brands_restricted_to_categories() -> None:
    phones = leaf_category()
    root_id = phones.lineage()[0]
    anywhere = Brand.create(id=new_id(), name="Acme", logo_url=None, category_ids=[], now=NOW)
    electronics_only = Brand.create(
        id=new_id(),
        name="Volt",
        logo_url="https://img.example/volt.png",
        category_ids=[root_id],
        now=NOW,
    )
    elsewhere = Brand.create(
        id=new_id(), name="Tex", logo_url=None, category_ids=[new_id()], now=NOW
    )
    assert anywhere.allows(phones)
    assert electronics_only.allows(phones)  # the subtree of an allowed category
    assert not elsewhere.allows(phones)
    with pytest.raises(BusinessRuleBroken) as info:
        elsewhere.check_allowed_in(phones)
    assert info.value.code == "catalog.brand_not_allowed_in_category"
    with pytest.raises(InvalidValue) as bad_url:
        Brand.create(
            id=new_id(), name="X", logo_url="javascript:alert(1)", category_ids=[], now=NOW
        )
    assert bad_url.value.code == "catalog.invalid_logo_url"
    elsewhere.update(name="Tex", logo_url=None, category_ids=[], now=NOW)
    assert elsewhere.allows(phones)
    assert event_types(elsewhere) == ["catalog.brand_created", "catalog.brand_updated"]
    json.dumps([e.payload() for e in elsewhere.pending_events])
