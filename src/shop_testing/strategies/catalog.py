"""Strategies for the catalog's structure (RULES CAT-2, CAT-4, CAT-5): policies, back-end
category trees with attribute definitions on their leaves, and brands. Products and their SKUs
are in :mod:`shop_testing.strategies.products`.

Every object is built by the domain's own factories and methods (``Category.create``,
``define_attributes``, ``AttributeDefinition.build``, ``Brand.create``), so the domain's
validation runs on each draw; the draws are made so that it always passes. Aggregates keep the
events their factories recorded (call ``pull_events()`` for an aggregate "as loaded").
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from shop_domain.catalog import (
    AttributeDefinition,
    AttributeKind,
    Brand,
    CatalogPolicy,
    Category,
    name_key,
)
from shop_testing.strategies.common import NOW, aware, ids, names, optional, words

MAX_DEPTH = 4
"""The deepest tree any :class:`CatalogPolicy` allows (CAT-2)."""

_logos = words().map(lambda w: f"https://cdn.example.com/logos/{w}.png")
_kinds = st.sampled_from(AttributeKind)
_keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


def shop_ids() -> st.SearchStrategy[uuid.UUID]:
    """The id of a shop (merchant): any UUID."""
    return ids()


def catalog_policies() -> st.SearchStrategy[CatalogPolicy]:
    """A :class:`CatalogPolicy` with a depth limit of 1..4 levels (CAT-2); shrinks to 1."""
    return st.integers(min_value=1, max_value=MAX_DEPTH).map(
        lambda depth: CatalogPolicy(max_category_depth=depth)
    )


@attrs.frozen
class CategoryTree:
    """A back-end category tree drawn by :func:`category_trees`: ``categories`` lists parents
    before their children, under the depth limit of ``policy``."""

    policy: CatalogPolicy
    categories: tuple[Category, ...]

    def roots(self) -> list[Category]:
        return [c for c in self.categories if c.parent_id is None]

    def children(self, parent: Category) -> list[Category]:
        return [c for c in self.categories if c.parent_id == parent.id]

    def leaves(self) -> list[Category]:
        """The categories without children: products hang on these (CAT-2)."""
        parents = {c.parent_id for c in self.categories}
        return [c for c in self.categories if c.id not in parents]

    @property
    def depth(self) -> int:
        """How many levels the tree has."""
        return max(c.depth for c in self.categories)


@st.composite
def attribute_definitions(
    draw: st.DrawFn, *, max_size: int = 3, min_sales: int = 0
) -> list[AttributeDefinition]:
    """0..``max_size`` attribute definitions of a leaf category (CAT-4), built with
    :meth:`AttributeDefinition.build`: distinct keys of lowercase letters, any kind (the first
    ``min_sales`` are sales attributes), required or not (key attributes always are), and
    either free text or a closed list of 1..4 allowed values named after a drawn word
    (``"a1"``, ``"a2"``…). Shrinks to no attribute at all."""
    size = max(max_size, min_sales)
    keys = draw(st.lists(_keys, min_size=min_sales, max_size=size, unique=True))
    definitions = []
    for position, key in enumerate(keys):
        stem = draw(words(max_size=4))
        kind = AttributeKind.SALES if position < min_sales else draw(_kinds)
        definitions.append(
            AttributeDefinition.build(
                key=key,
                name=draw(names(max_size=12)),
                kind=kind,
                required=draw(st.booleans()),
                allowed_values=[f"{stem}{n}" for n in range(1, draw(st.integers(0, 4)) + 1)],
                position=position,
            )
        )
    return definitions


@st.composite
def category_trees(
    draw: st.DrawFn,
    policy: CatalogPolicy | None = None,
    *,
    now: dt.datetime = NOW,
    min_size: int = 1,
    max_size: int = 8,
    attributes: bool = True,
) -> CategoryTree:
    """A tree of ``min_size``..``max_size`` back-end categories (CAT-2) made with
    :meth:`Category.create` at ``now``: several roots possible, names unique in the whole tree
    (so among siblings), never deeper than ``policy`` allows (drawn by
    :func:`catalog_policies` when None) — the limit itself is reached. With ``attributes``
    every leaf gets :func:`attribute_definitions` (CAT-4; parents have none, as the domain
    requires). Shrinks to one root without attributes."""
    if min_size < 1 or max_size < min_size:
        raise InvalidArgument(f"a tree has 1 <= min_size <= max_size, not {min_size}..{max_size}")
    aware(now)
    chosen = policy if policy is not None else draw(catalog_policies())
    size = draw(st.integers(min_value=min_size, max_value=max_size))
    labels = draw(st.lists(names(max_size=12), min_size=size, max_size=size, unique_by=name_key))
    keys = draw(st.lists(ids(), min_size=size, max_size=size, unique=True))
    categories: list[Category] = []
    for label, key in zip(labels, keys, strict=True):
        can_parent = [c for c in categories if c.depth < chosen.max_category_depth]
        # 0: a new root; k: the k-th newest category that may still have children, so that
        # repeating a small draw grows a chain down to the depth limit
        pick = draw(st.integers(min_value=0, max_value=len(can_parent)))
        parent = None if pick == 0 else can_parent[-pick]
        categories.append(
            Category.create(id=key, name=label, parent=parent, policy=chosen, now=now)
        )
    tree = CategoryTree(policy=chosen, categories=tuple(categories))
    if attributes:
        for leaf in tree.leaves():
            leaf.define_attributes(draw(attribute_definitions()), in_use=False, now=now)
    return tree


@st.composite
def leaf_categories(
    draw: st.DrawFn,
    policy: CatalogPolicy | None = None,
    *,
    now: dt.datetime = NOW,
    min_sales: int = 0,
) -> Category:
    """A leaf category where a product may hang (CAT-2, CAT-4): the last of a chain of 1..4
    categories made with :meth:`Category.create` at ``now``, each the child of the one before,
    within ``policy``'s depth limit (drawn when None), with :func:`attribute_definitions`
    (at least ``min_sales`` sales attributes). Its ancestors are not returned; its
    :meth:`~Category.lineage` names them. Shrinks to a root without attributes."""
    aware(now)
    chosen = policy if policy is not None else draw(catalog_policies())
    depth = draw(st.integers(min_value=1, max_value=chosen.max_category_depth))
    keys = draw(st.lists(ids(), min_size=depth, max_size=depth, unique=True))
    leaf: Category | None = None
    for key in keys:
        name = draw(names(max_size=12))
        leaf = Category.create(id=key, name=name, parent=leaf, policy=chosen, now=now)
    assert leaf is not None
    definitions = draw(attribute_definitions(min_sales=min_sales))
    leaf.define_attributes(definitions, in_use=False, now=now)
    return leaf


@st.composite
def brands(
    draw: st.DrawFn, *, now: dt.datetime = NOW, category_ids: Sequence[uuid.UUID] = ()
) -> Brand:
    """A :class:`Brand` made with :meth:`Brand.create` (CAT-5): a name, an optional
    ``https://`` logo, and a restriction to a drawn subset of ``category_ids`` (possibly
    empty: any category). Shrinks to an unrestricted brand named ``a`` without a logo."""
    name = draw(names())
    logo = optional(draw, _logos)
    allowed = draw(st.lists(st.sampled_from(category_ids), unique=True)) if category_ids else []
    return Brand.create(id=draw(ids()), name=name, logo_url=logo, category_ids=allowed, now=now)


__all__ = [
    "MAX_DEPTH",
    "CategoryTree",
    "attribute_definitions",
    "brands",
    "catalog_policies",
    "category_trees",
    "leaf_categories",
    "shop_ids",
]
