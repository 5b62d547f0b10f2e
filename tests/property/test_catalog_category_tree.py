"""The back-end category tree never exceeds the configured depth (CAT-2)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_domain.catalog import CatalogPolicy, Category
from shop_domain.shared import BusinessRuleBroken
from shop_testing.strategies import CategoryTree, category_trees

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def grow(parent: Category, policy: CatalogPolicy) -> Category:
    return Category.create(id=uuid.uuid4(), name="x", parent=parent, policy=policy, now=T0)


@pytest.mark.rule("CAT-2")
@given(category_trees(max_size=16, now=T0))
def test_the_tree_never_exceeds_the_depth_limit(tree: CategoryTree) -> None:
    """Every category of a tree grown through ``Category.create`` lies within the limit, with
    its lineage and path; below every category a child is made one level deeper, except at the
    limit (``catalog.category_too_deep``) and under a leaf with attributes
    (``catalog.category_has_attributes``)."""
    max_depth = tree.policy.max_category_depth
    by_id = {c.id: c for c in tree.categories}
    for category in tree.categories:
        assert 1 <= category.depth <= max_depth
        lineage = category.lineage()
        assert len(lineage) == category.depth
        assert lineage[-1] == category.id
        if category.parent_id is None:
            assert category.path == f"/{category.id}/"
        else:
            parent = by_id[category.parent_id]
            assert category.path == f"{parent.path}{category.id}/"
            assert category.is_within(parent)
        refusal = (
            "catalog.category_too_deep"
            if category.depth == max_depth
            else "catalog.category_has_attributes"
            if category.attributes
            else None
        )
        if refusal is None:
            child = grow(category, tree.policy)
            assert (child.depth, child.lineage()[:-1]) == (category.depth + 1, lineage)
            continue
        with pytest.raises(BusinessRuleBroken) as info:
            grow(category, tree.policy)
        assert info.value.code == refusal


@pytest.mark.rule("CAT-2")
@given(st.integers().filter(lambda n: not 1 <= n <= 4))
def test_the_depth_limit_is_at_most_four(depth: int) -> None:
    from shop_domain.shared import InvalidValue

    with pytest.raises(InvalidValue):
        CatalogPolicy(max_category_depth=depth)
