"""Builders of the catalog's persistence suites: a category tree, a product with two SKUs, and
the three stored through one unit of work."""

from __future__ import annotations

import uuid
from typing import Any

import attrs

from shop_domain.catalog import (
    AttributeDefinition,
    CatalogPolicy,
    Category,
    Dimensions,
    Product,
    SkuDraft,
)
from shop_domain.shared import Money
from shop_testing.contracts.backend import T0, Backend

SHOP = uuid.UUID("00000000-0000-7000-8000-000000000001")
OTHER_SHOP = uuid.UUID("00000000-0000-7000-8000-000000000002")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def state(obj: Any) -> dict[str, Any]:
    """Every attrs field, recursively, as plain data (children and value objects included)."""
    return attrs.asdict(obj, recurse=True, value_serializer=lambda _i, _a, v: _plain(v))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def make_tree(backend: Backend) -> tuple[Category, Category]:
    ids = backend.ids
    root = Category.create(
        id=ids.new_id(), name="Electronics", parent=None, policy=CatalogPolicy(), now=T0
    )
    leaf = Category.create(
        id=ids.new_id(), name="Phones", parent=root, policy=CatalogPolicy(), now=T0
    )
    leaf.define_attributes(
        [
            AttributeDefinition.build(
                key="model", name="Model", kind="key", allowed_values=["X1", "X2"]
            ),
            AttributeDefinition.build(
                key="colour", name="Colour", kind="sales", allowed_values=["red", "blue"]
            ),
            AttributeDefinition.build(key="interface", name="Interface", kind="other"),
        ],
        in_use=False,
        now=T0,
    )
    return root, leaf


def sku(backend: Backend, code: str, colour: str, sale: str, *, enabled: bool = True) -> SkuDraft:
    return SkuDraft(
        id=backend.ids.new_id(),
        code=code,
        sales_attributes={"colour": colour},
        sale_price=cny(sale),
        list_price=cny("199.00"),
        barcode="6901234567892",
        weight_g=180,
        dimensions=Dimensions(150, 75, 8),
        freight_template_id=uuid.UUID("00000000-0000-7000-8000-0000000000f1"),
        enabled=enabled,
    )


def make_product(
    backend: Backend, leaf: Category, *, codes: tuple[str, str] = ("SKU-1", "SKU-2")
) -> Product:
    return Product.create(
        id=backend.ids.new_id(),
        shop_id=SHOP,
        name="X1 Phone",
        description="A phone.",
        category=leaf,
        brand=None,
        currency="CNY",
        key_attributes={"model": "X1"},
        other_attributes={"interface": "USB-C"},
        sales_attribute_keys=["colour"],
        skus=[
            sku(backend, codes[0], "red", "99.00"),
            sku(backend, codes[1], "blue", "149.50", enabled=False),
        ],
        now=T0,
    )


async def seed(backend: Backend) -> tuple[Category, Category, Product]:
    root, leaf = make_tree(backend)
    product = make_product(backend, leaf)
    async with backend.uow() as uow:
        uow.categories.add(root)
        uow.categories.add(leaf)
        uow.products.add(product)
        await uow.commit()
    return root, leaf, product
