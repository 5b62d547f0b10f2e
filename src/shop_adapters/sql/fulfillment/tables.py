"""Tables of fulfillment: warehouses and stock (STK-1).

- ``warehouses``: code (unique), name, the region codes served (a JSON list), open or closed.
- ``stock_items``: one row per SKU per warehouse (unique), on hand and reserved; CHECKs keep
  reserved at zero or more and never above what is on hand, whatever two writers do.
- ``stock_reservations``: per (stock item, order), what the order reserved and whether it is
  held, released or consumed (shipped).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Uuid,
)

from shop_adapters.sql.metadata import Json, UtcDateTime, metadata, value_enum
from shop_domain.fulfillment.stock import ReservationState

warehouses = Table(
    "warehouses",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("regions", Json, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
)

stock_items = Table(
    "stock_items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("sku_id", Uuid, nullable=False),
    Column(
        "warehouse_id",
        Uuid,
        ForeignKey("warehouses.id", deferrable=True, initially="DEFERRED"),
        nullable=False,
    ),
    Column("on_hand", BigInteger, nullable=False),
    Column("reserved", BigInteger, nullable=False),
    Column("low_stock", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="available"),
    Index("uq_stock_items_sku_warehouse", "sku_id", "warehouse_id", unique=True),
)

stock_reservations = Table(
    "stock_reservations",
    metadata,
    Column(
        "stock_id",
        Uuid,
        ForeignKey("stock_items.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"),
        primary_key=True,
    ),
    Column("order_id", Uuid, primary_key=True),
    Column("quantity", BigInteger, nullable=False),
    Column("state", value_enum(ReservationState, "reservation_state", 16), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_stock_reservations_order", "order_id"),
)

__all__ = ["stock_items", "stock_reservations", "warehouses"]
