"""Imperative mapping of the catalog's attrs aggregates onto its tables (ADR 0003).

- ``version`` is the optimistic-lock column of every aggregate. The application owns its value
  (``version_id_generator=False``): the flush listener bumps it once per transaction for every
  aggregate that changed, its children included — SQLAlchemy alone would not see that a SKU or
  an attribute definition changed its aggregate, nor count an aggregate once per transaction —
  so versions read exactly as the in-memory adapter's (new: 1, then +1 per changing commit).
- ``Money`` and ``Dimensions`` are attrs value objects mapped as composites
  (:class:`AttrsComposite` reads their fields back; they need no ``__composite_values__``).
- JSON columns holding dicts and lists are mutation-tracked (``sqlalchemy.ext.mutable``, set on
  the column types in the tables module), so an in-place change is saved like a reassignment.
- Search columns and index rows (see :mod:`shop_adapters.sql.catalog.tables`) are kept in step
  by the listeners here, in the same flush as the aggregate.
"""

from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Iterable
from typing import Any

import attrs
from sqlalchemy import delete, event, insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import (
    Composite,
    Mapper,
    Session,
    UOWTransaction,
    class_mapper,
    relationship,
)
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.exc import UnmappedClassError

from shop_adapters.sql.catalog.tables import (
    brands,
    categories,
    category_attributes,
    front_categories,
    front_category_links,
    product_attribute_values,
    products,
    skus,
)
from shop_adapters.sql.metadata import mapper_registry
from shop_domain.catalog.categories import AttributeDefinition, Brand, Category, FrontCategory
from shop_domain.catalog.model import Dimensions, name_key
from shop_domain.catalog.products import Product, Sku
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.money import Money

_VERSIONED: tuple[type[Aggregate], ...] = (Category, FrontCategory, Brand, Product)
# child collections whose changes change their aggregate
_CHILDREN: dict[type[Aggregate], str] = {Category: "attributes", Product: "skus"}
_BUMPED = "shop_catalog_versioned"  # ids of aggregates bumped in this transaction


class AttrsComposite(Composite[Any]):
    """A composite of an attrs class: built from its columns positionally, read back field by
    field (SQLAlchemy generates that accessor only for dataclasses)."""

    def _init_accessor(self) -> None:
        composite_class = self.composite_class
        if isinstance(composite_class, type) and attrs.has(composite_class):
            names = [field.name for field in attrs.fields(composite_class)]
            getter = operator.attrgetter(*names)
            if len(names) == 1:
                self._generated_composite_accessor = lambda obj: (getter(obj),)
            else:
                self._generated_composite_accessor = getter
        super()._init_accessor()


def _is_mapped(cls: type) -> bool:
    try:
        class_mapper(cls)
    except UnmappedClassError:
        return False
    return True


def start_mappers() -> None:
    """Map the catalog's classes (once; calling again does nothing)."""
    if _is_mapped(Product):
        return
    mapper_registry.map_imperatively(
        AttributeDefinition,
        category_attributes,
        properties={
            "_category_id": category_attributes.c.category_id,
        },
    )
    mapper_registry.map_imperatively(
        Category,
        categories,
        properties={
            "_name_key": categories.c.name_key,
            "attributes": relationship(
                AttributeDefinition,
                lazy="raise",
                cascade="all, delete-orphan",
                order_by=category_attributes.c.position,
                passive_deletes=True,
            ),
        },
        version_id_col=categories.c.version,
        version_id_generator=False,
    )
    mapper_registry.map_imperatively(
        FrontCategory,
        front_categories,
        version_id_col=front_categories.c.version,
        version_id_generator=False,
    )
    mapper_registry.map_imperatively(
        Brand,
        brands,
        properties={"_name_key": brands.c.name_key},
        version_id_col=brands.c.version,
        version_id_generator=False,
    )
    mapper_registry.map_imperatively(
        Sku,
        skus,
        properties={
            "_product_id": skus.c.product_id,
            "_shop_id": skus.c.shop_id,
            "_combination": skus.c.combination,
            "_sale_price_minor": skus.c.sale_price_minor,
            "_list_price_minor": skus.c.list_price_minor,
            "_currency": skus.c.currency,
            "_length_mm": skus.c.length_mm,
            "_width_mm": skus.c.width_mm,
            "_height_mm": skus.c.height_mm,
            "sale_price": AttrsComposite(Money, skus.c.sale_price_minor, skus.c.currency),
            "list_price": AttrsComposite(Money, skus.c.list_price_minor, skus.c.currency),
            "dimensions": AttrsComposite(
                Dimensions, skus.c.length_mm, skus.c.width_mm, skus.c.height_mm
            ),
        },
    )
    mapper_registry.map_imperatively(
        Product,
        products,
        properties={
            "_name_key": products.c.name_key,
            "_min_price_minor": products.c.min_price_minor,
            "_max_price_minor": products.c.max_price_minor,
            "_list_price_minor": products.c.list_price_minor,
            "_stock_total": products.c.stock_total,
            "skus": relationship(
                Sku,
                lazy="raise",
                cascade="all, delete-orphan",
                order_by=skus.c.position,
                passive_deletes=True,
            ),
        },
        version_id_col=products.c.version,
        version_id_generator=False,
    )
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    event.listen(Product, "after_insert", _write_product_index)
    event.listen(Product, "after_update", _update_product_index)
    event.listen(FrontCategory, "after_insert", _write_front_links)
    event.listen(FrontCategory, "after_update", _write_front_links)


# --- search columns and index rows ------------------------------------------------------------


def _set(obj: object, name: str, value: Any) -> None:
    """Assign only a different value, so an unchanged aggregate stays clean."""
    if getattr(obj, name, None) != value or name not in instance_state(obj).dict:
        setattr(obj, name, value)


def _loaded(obj: object, name: str) -> bool:
    return name in instance_state(obj).dict


def combination(sales_attributes: dict[str, str]) -> str:
    """A digest of a SKU's sales attribute values, the same for the same combination."""
    canonical = json.dumps(sorted(sales_attributes.items()), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _refresh_product(product: Product) -> None:
    _set(product, "_name_key", name_key(product.name))
    if not _loaded(product, "skus"):
        return
    enabled = [s for s in product.skus if s.enabled]
    sale = [s.sale_price.minor for s in enabled]
    _set(product, "_min_price_minor", min(sale) if sale else None)
    _set(product, "_max_price_minor", max(sale) if sale else None)
    _set(product, "_list_price_minor", min((s.list_price.minor for s in enabled), default=None))
    _set(product, "_stock_total", sum(s.stock for s in product.skus))
    for sku in product.skus:
        _set(sku, "_shop_id", product.shop_id)
        _set(sku, "_combination", combination(dict(sku.sales_attributes)))


def _changed(session: Session, aggregate: Aggregate) -> bool:
    if session.is_modified(aggregate, include_collections=True):
        return True
    children = _CHILDREN.get(type(aggregate))
    if children is None or not _loaded(aggregate, children):
        return False
    return any(
        child in session.new or session.is_modified(child, include_collections=True)
        for child in getattr(aggregate, children)
    )


def _before_flush(session: Session, _flush_context: UOWTransaction, _instances: Any) -> None:
    pending = [obj for obj in session.new if isinstance(obj, _VERSIONED)]
    persistent = [
        obj
        for obj in session.identity_map.values()
        if isinstance(obj, _VERSIONED) and obj not in session.deleted
    ]
    for obj in (*pending, *persistent):
        if isinstance(obj, Product):
            _refresh_product(obj)
        elif isinstance(obj, Category | Brand):
            _set(obj, "_name_key", name_key(obj.name))
    bumped: set[int] = session.info.setdefault(_BUMPED, set())
    for obj in pending:
        if id(obj) not in bumped:
            bumped.add(id(obj))
            obj.version += 1
    for obj in persistent:
        if id(obj) not in bumped and _changed(session, obj):
            bumped.add(id(obj))
            obj.version += 1


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_BUMPED, None)


def _attribute_values(product: Product) -> set[tuple[str, str]]:
    values = set(product.key_attributes.items()) | set(product.other_attributes.items())
    for sku in product.skus:
        if sku.enabled:
            values |= set(sku.sales_attributes.items())
    return values


def _index_is_stale(product: Product) -> bool:
    """Whether a change touched what the attribute index holds (not, say, only stock)."""
    state = sa_inspect(product)
    if any(
        state.attrs[name].history.has_changes()
        for name in ("key_attributes", "other_attributes", "skus")
    ):
        return True
    return any(
        sa_inspect(sku).attrs.enabled.history.has_changes()
        or sa_inspect(sku).attrs.sales_attributes.history.has_changes()
        for sku in product.skus
    )


def _write_product_index(_mapper: Mapper[Any], connection: Connection, product: Product) -> None:
    if not _loaded(product, "skus"):
        return
    _replace_product_index(connection, product)


def _update_product_index(_mapper: Mapper[Any], connection: Connection, product: Product) -> None:
    if _loaded(product, "skus") and _index_is_stale(product):
        _replace_product_index(connection, product)


def _replace_product_index(connection: Connection, product: Product) -> None:
    _replace_rows(
        connection,
        product_attribute_values,
        product_attribute_values.c.product_id,
        product.id,
        [
            {"product_id": product.id, "key": key, "value": value}
            for key, value in sorted(_attribute_values(product))
        ],
    )


def _write_front_links(_mapper: Mapper[Any], connection: Connection, front: FrontCategory) -> None:
    _replace_rows(
        connection,
        front_category_links,
        front_category_links.c.front_category_id,
        front.id,
        [{"front_category_id": front.id, "category_id": cid} for cid in front.category_ids],
    )


def _replace_rows(
    connection: Connection, table: Any, key: Any, value: Any, rows: Iterable[dict[str, Any]]
) -> None:
    connection.execute(delete(table).where(key == value))
    rows = list(rows)
    if rows:
        connection.execute(insert(table), rows)
