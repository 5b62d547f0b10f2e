"""Builders for catalog tests: a leaf category with phone attributes, SKU drafts, products."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from shop_domain.catalog import (
    AttributeDefinition,
    Brand,
    CatalogPolicy,
    Category,
    Dimensions,
    Product,
    SkuDraft,
)
from shop_domain.shared import Money, new_id

NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
SHOP = uuid.UUID("00000000-0000-7000-8000-000000000001")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def phone_attributes() -> list[AttributeDefinition]:
    return [
        AttributeDefinition.build(
            key="model", name="Model", kind="key", allowed_values=["X1", "X2"]
        ),
        AttributeDefinition.build(key="series", name="Series", kind="key"),
        AttributeDefinition.build(
            key="colour", name="Colour", kind="sales", allowed_values=["red", "blue", "black"]
        ),
        AttributeDefinition.build(
            key="storage", name="Storage", kind="sales", allowed_values=["128G", "256G"]
        ),
        AttributeDefinition.build(key="interface", name="Interface", kind="other"),
    ]


def leaf_category(*, attributes: bool = True) -> Category:
    """Electronics > Phones, with phone attributes; events already pulled."""
    root = Category.create(
        id=new_id(), name="Electronics", parent=None, policy=CatalogPolicy(), now=NOW
    )
    leaf = Category.create(id=new_id(), name="Phones", parent=root, policy=CatalogPolicy(), now=NOW)
    if attributes:
        leaf.define_attributes(phone_attributes(), in_use=False, now=NOW)
    leaf.pull_events()
    return leaf


def draft(
    code: str = "SKU-1",
    colour: str = "red",
    storage: str = "128G",
    *,
    sale: str = "99.00",
    list_: str = "129.00",
    enabled: bool = True,
) -> SkuDraft:
    return SkuDraft(
        id=new_id(),
        code=code,
        sales_attributes={"colour": colour, "storage": storage},
        sale_price=cny(sale),
        list_price=cny(list_),
        barcode="6901234567892",
        weight_g=180,
        dimensions=Dimensions(150, 75, 8),
        enabled=enabled,
    )


def new_product(
    category: Category | None = None,
    skus: Sequence[SkuDraft] | None = None,
    *,
    brand: Brand | None = None,
    key_attributes: dict[str, str] | None = None,
    pull: bool = True,
) -> Product:
    category = category or leaf_category()
    product = Product.create(
        id=new_id(),
        shop_id=SHOP,
        name="X1 Phone",
        description="A phone.",
        category=category,
        brand=brand,
        currency="CNY",
        key_attributes={"model": "X1", "series": "X"} if key_attributes is None else key_attributes,
        other_attributes={"interface": "USB-C"},
        sales_attribute_keys=["colour", "storage"],
        skus=[draft("SKU-1", "red"), draft("SKU-2", "blue")] if skus is None else skus,
        now=NOW,
    )
    if pull:
        product.pull_events()
    return product


def event_types(aggregate: object) -> list[str]:
    return [e.event_type for e in aggregate.pending_events]  # type: ignore[attr-defined]
