"""Tables of freight (SHP-1).

- ``freight_templates``: a shop's item templates; the rates (``default_rate``, ``region_rates``)
  and the free conditions are JSON, each entry naming its kind and currency (what the kinds'
  registries rebuild it from).
- ``shop_freight_rules``: one row per shop (its id is the shop's): the default and regional
  fixed fees with their free thresholds (JSON) and how templates combine.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Uuid

from shop_adapters.sql.metadata import Json, metadata, value_enum
from shop_domain.fulfillment.freight import Combine

freight_templates = Table(
    "freight_templates",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("shop_id", Uuid, nullable=False),
    Column("name", String(100), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("charging", String(32), nullable=False),
    Column("default_rate", Json, nullable=True),
    Column("region_rates", Json, nullable=False),
    Column("free", Json, nullable=False),
    Column("priority", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_freight_templates_shop", "shop_id"),
)

shop_freight_rules = Table(
    "shop_freight_rules",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("default_rate", Json, nullable=True),
    Column("region_rates", Json, nullable=False),
    Column("combine", value_enum(Combine, "freight_combine", 8), nullable=False),
    Column("version", Integer, nullable=False),
)

__all__ = ["freight_templates", "shop_freight_rules"]
