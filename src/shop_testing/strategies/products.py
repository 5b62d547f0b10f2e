"""Strategies for products (SPU) with their SKUs (RULES CAT-1, CAT-4..7), on the categories and
brands of :mod:`shop_testing.strategies.catalog`.

A product is made with ``Product.create`` (which adds each SKU with ``add_sku``) and listed with
``list_for_sale``, so the domain's validation runs on every draw: sales-attribute combinations
unique and made of allowed values, SKU codes unique, prices in the product's currency with
``0 <= sale <= list``, required attributes present, a brand allowed in the category.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import uuid
from collections.abc import Sequence

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from shop_domain.catalog import (
    AttributeDefinition,
    AttributeKind,
    Brand,
    Category,
    Dimensions,
    GoodsKind,
    Product,
    SkuDraft,
)
from shop_domain.shared.money import Money
from shop_testing.strategies.amounts import currencies, max_minor_for
from shop_testing.strategies.catalog import brands, leaf_categories, shop_ids
from shop_testing.strategies.common import NOW, aware, digits, ids, names, optional

_barcodes = digits(min_size=8, max_size=13)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ"


@attrs.frozen
class CatalogEntry:
    """A product drawn by :func:`catalog_entries` with what it was made from: its leaf
    ``category`` and its ``brand`` (or None)."""

    category: Category
    brand: Brand | None
    product: Product


def _value(definition: AttributeDefinition) -> st.SearchStrategy[str]:
    """A value of ``definition``: one of its allowed values, or free text."""
    if definition.allowed_values:
        return st.sampled_from(definition.allowed_values)
    return names(max_size=12)


def _values(category: Category, key: str, count: int) -> list[str]:
    """The allowed values of the sales attribute ``key``, or ``count`` distinct free-text ones
    named after it."""
    definition = category.definition(key)
    if definition is not None and definition.allowed_values:
        return list(definition.allowed_values)
    return [f"{key}{n}" for n in range(1, count + 1)]


_ENUMERATED = 256
"""Up to this many combinations are listed and sampled; beyond, they are drawn by number."""


def _combinations(
    domains: list[list[str]], max_count: int
) -> st.SearchStrategy[list[tuple[str, ...]]]:
    """1..``max_count`` distinct combinations of one value from each domain (never more than
    there are), the first combinations first when shrinking."""
    total = math.prod(len(d) for d in domains)
    most = min(max_count, total)
    if total <= _ENUMERATED:
        every = list(itertools.product(*domains))
        return st.lists(st.sampled_from(every), min_size=1, max_size=most, unique=True)

    def decode(number: int) -> tuple[str, ...]:  # mixed radix, the last domain fastest
        values = []
        for domain in reversed(domains):
            number, digit = divmod(number, len(domain))
            values.append(domain[digit])
        return tuple(reversed(values))

    numbers = st.lists(st.integers(0, total - 1), min_size=1, max_size=most, unique=True)
    return numbers.map(lambda ns: [decode(n) for n in ns])


_dimensions = st.builds(Dimensions, *[st.integers(min_value=0, max_value=2000)] * 3)
_enabled = st.booleans().map(lambda off: not off)  # shrinks to True: a SKU on sale


@st.composite
def _sku_drafts(
    draw: st.DrawFn,
    category: Category,
    sales_keys: list[str],
    *,
    currency: str,
    code_prefix: str,
    max_skus: int,
    max_price_minor: int,
    listed: bool,
    sku_ids: Sequence[uuid.UUID] | None,
) -> list[SkuDraft]:
    """1..``max_skus`` SKU drafts with distinct sales-attribute combinations (CAT-1), distinct
    codes and ids, and prices with ``0 <= sale <= list`` (CAT-6); one at least is enabled
    when ``listed``."""
    # every combination of the sales attributes' values (a free-text attribute gets its own
    # distinct values); the SKUs take distinct ones, so no two share a combination
    domains = [_values(category, key, max_skus) for key in sales_keys]
    combos = draw(_combinations(domains, max_skus))
    count = len(combos)
    if sku_ids is None:
        sku_ids = draw(st.lists(ids(), min_size=count, max_size=count, unique=True))
    enabled = [draw(_enabled) for _ in combos]
    if listed and not any(enabled):  # a listed product has something to sell (CAT-7)
        enabled[draw(st.integers(min_value=0, max_value=len(combos) - 1))] = True
    drafts = []
    for number, (combo, sku_id, on) in enumerate(
        zip(combos, sku_ids[:count], enabled, strict=True)
    ):
        sale = draw(st.integers(min_value=0, max_value=max_price_minor))
        above = draw(st.integers(min_value=0, max_value=max_price_minor - sale))
        drafts.append(
            SkuDraft(
                id=sku_id,
                code=f"{code_prefix}{number + 1}",
                sales_attributes=dict(zip(sales_keys, combo, strict=True)),
                sale_price=Money(sale, currency),
                list_price=Money(sale + above, currency),
                barcode=optional(draw, _barcodes),
                weight_g=draw(st.integers(min_value=0, max_value=50_000)),
                dimensions=draw(_dimensions),
                freight_template_id=optional(draw, ids()),
                enabled=on,
            )
        )
    return drafts


@st.composite
def catalog_entries(
    draw: st.DrawFn,
    *,
    shop_id: uuid.UUID | None = None,
    category: Category | None = None,
    currency: str | None = None,
    listed: bool | None = None,
    now: dt.datetime = NOW,
    max_skus: int = 4,
    max_price_minor: int | None = None,
    code_prefix: str | None = None,
    product_id: uuid.UUID | None = None,
    sku_ids: Sequence[uuid.UUID] | None = None,
) -> CatalogEntry:
    """A product made with :meth:`Product.create` at ``now`` (CAT-1, CAT-4..7), with the leaf
    category and brand it was made from.

    - ``shop_id``: the owning shop (drawn when None); ``category``: a leaf with its attribute
      definitions (drawn by :func:`leaf_categories` when None); ``currency``: the product's
      (drawn when None);
    - key attributes: every one the category defines, other attributes: the required ones and
      some optional ones, each value allowed by its definition; sales attributes: the required
      ones and some optional ones;
    - 1..``max_skus`` SKUs with distinct combinations of allowed values, distinct ids and
      codes ``<code_prefix><n>`` (``code_prefix`` drawn, like ``"A-"``, when None: pass
      distinct prefixes for products of one shop, whose SKU codes must differ), prices with
      ``0 <= sale <= list <= max_price_minor`` (the largest parseable amount by default);
    - ``product_id`` and ``sku_ids`` (at least ``max_skus`` distinct ones; the SKUs take the
      first): the ids to use, drawn when None — pass distinct ones for products that must not
      share ids (independent draws may, once shrunk);
    - a brand (or none) allowed in the category (CAT-5);
    - ``listed``: listed for sale at ``now`` with an enabled SKU (True), left unlisted
      (False), or either (None).

    Shrinks to an unlisted product with one free SKU.
    """
    aware(now)
    if category is None:  # most often a category with sales attributes, so several SKUs
        sales = draw(st.integers(min_value=0, max_value=2))
        category = draw(leaf_categories(now=now, min_sales=sales))
    leaf = category
    code = currency if currency is not None else draw(currencies())
    top = max_minor_for(code) if max_price_minor is None else max_price_minor
    if top < 0:
        raise InvalidArgument("prices are never negative: max_price_minor must be >= 0")
    if sku_ids is not None and len(set(sku_ids)) < max(max_skus, len(sku_ids)):
        raise InvalidArgument(f"sku_ids needs {max_skus} distinct ids at least")
    prefix = code_prefix
    if prefix is None:
        prefix = draw(st.text(alphabet=_CODE_ALPHABET, min_size=1, max_size=3)) + "-"
    on_sale = draw(st.booleans()) if listed is None else listed
    key_attributes = {
        d.key: draw(_value(d)) for d in leaf.attributes if d.kind is AttributeKind.KEY
    }
    other_attributes = {
        d.key: draw(_value(d))
        for d in leaf.attributes
        if d.kind is AttributeKind.OTHER and (d.is_required or draw(st.booleans()))
    }
    sales_keys = [
        d.key
        for d in leaf.attributes
        if d.kind is AttributeKind.SALES and (d.is_required or not draw(st.booleans()))
    ]
    skus = draw(
        _sku_drafts(
            leaf,
            sales_keys,
            currency=code,
            code_prefix=prefix,
            max_skus=max_skus,
            max_price_minor=top,
            listed=on_sale,
            sku_ids=sku_ids,
        )
    )
    brand = optional(draw, brands(now=now, category_ids=leaf.lineage()))
    product = Product.create(
        id=product_id if product_id is not None else draw(ids()),
        shop_id=shop_id if shop_id is not None else draw(shop_ids()),
        name=draw(names()),
        description=optional(draw, names(max_size=60)) or "",
        category=leaf,
        brand=brand,
        currency=code,
        key_attributes=key_attributes,
        other_attributes=other_attributes,
        sales_attribute_keys=sales_keys,
        skus=skus,
        now=now,
        kind=draw(st.sampled_from(GoodsKind)),
    )
    if on_sale:
        product.list_for_sale(now)
    return CatalogEntry(category=leaf, brand=brand, product=product)


def products(
    *,
    shop_id: uuid.UUID | None = None,
    category: Category | None = None,
    currency: str | None = None,
    listed: bool | None = None,
    now: dt.datetime = NOW,
    max_skus: int = 4,
    max_price_minor: int | None = None,
    code_prefix: str | None = None,
    product_id: uuid.UUID | None = None,
    sku_ids: Sequence[uuid.UUID] | None = None,
) -> st.SearchStrategy[Product]:
    """The product of :func:`catalog_entries` (same parameters), without its category and
    brand."""
    return catalog_entries(
        shop_id=shop_id,
        category=category,
        currency=currency,
        listed=listed,
        now=now,
        max_skus=max_skus,
        max_price_minor=max_price_minor,
        code_prefix=code_prefix,
        product_id=product_id,
        sku_ids=sku_ids,
    ).map(lambda entry: entry.product)


__all__ = ["CatalogEntry", "catalog_entries", "products"]
