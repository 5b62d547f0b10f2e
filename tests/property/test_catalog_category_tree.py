"""The back-end category tree never exceeds the configured depth (CAT-2)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_domain.catalog import CatalogPolicy, Category
from shop_domain.shared import BusinessRuleBroken

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.mark.rule("CAT-2")
@given(
    max_depth=st.integers(1, 4),
    parents=st.lists(st.none() | st.integers(0, 50), min_size=1, max_size=40),
)
def test_the_tree_never_exceeds_the_depth_limit(max_depth: int, parents: list[int | None]) -> None:
    policy = CatalogPolicy(max_category_depth=max_depth)
    tree: list[Category] = []
    for choice in parents:
        parent = None if choice is None or not tree else tree[choice % len(tree)]
        expected_depth = 1 if parent is None else parent.depth + 1
        if expected_depth > max_depth:
            with pytest.raises(BusinessRuleBroken) as info:
                Category.create(id=uuid.uuid4(), name="x", parent=parent, policy=policy, now=T0)
            assert info.value.code == "catalog.category_too_deep"
            continue
        category = Category.create(
            id=uuid.uuid4(), name=f"c{len(tree)}", parent=parent, policy=policy, now=T0
        )
        tree.append(category)
    by_id = {c.id: c for c in tree}
    for category in tree:
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


@pytest.mark.rule("CAT-2")
@given(st.integers().filter(lambda n: not 1 <= n <= 4))
def test_the_depth_limit_is_at_most_four(depth: int) -> None:
    from shop_domain.shared import InvalidValue

    with pytest.raises(InvalidValue):
        CatalogPolicy(max_category_depth=depth)
