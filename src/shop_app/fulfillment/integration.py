"""What fulfillment publishes: each change of a SKU's stock at a warehouse with its figures
after it (for purchasing, a storefront's stock badge, an ERP), and the low-stock warning
(STK-2)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, TypeVar

import attrs

import shop_domain.fulfillment.stock as st
from shop_app.shared.integration import REGISTRY, IntegrationEvent
from shop_domain.fulfillment.freight import FreightTemplate, ShopFreightRule
from shop_domain.fulfillment.warehouse import Warehouse

REGISTRY.aggregate(st.StockItem, "fulfillment.stock_item")
REGISTRY.aggregate(Warehouse, "fulfillment.warehouse")
REGISTRY.aggregate(FreightTemplate, "fulfillment.freight_template")
REGISTRY.aggregate(ShopFreightRule, "fulfillment.shop_freight_rule")


@attrs.frozen(kw_only=True)
class StockFigures(IntegrationEvent):
    """A SKU's stock at a warehouse after a change, and the change (units, always positive but
    an adjustment's, which is negative when units were taken away)."""

    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    change: int
    on_hand: int
    reserved: int
    available: int


@REGISTRY.event
@attrs.frozen(kw_only=True)
class StockReservedV1(StockFigures):
    """An order reserved units (submission)."""

    type: ClassVar[str] = "fulfillment.stock_reserved"
    version: ClassVar[int] = 1
    order_id: uuid.UUID


@REGISTRY.event
@attrs.frozen(kw_only=True)
class StockReleasedV1(StockFigures):
    """An order's reserved units were given back (cancellation, timeout)."""

    type: ClassVar[str] = "fulfillment.stock_released"
    version: ClassVar[int] = 1
    order_id: uuid.UUID


@REGISTRY.event
@attrs.frozen(kw_only=True)
class StockConsumedV1(StockFigures):
    """An order's reserved units left the warehouse (shipment)."""

    type: ClassVar[str] = "fulfillment.stock_consumed"
    version: ClassVar[int] = 1
    order_id: uuid.UUID


@REGISTRY.event
@attrs.frozen(kw_only=True)
class StockAdjustedV1(StockFigures):
    """An operator added or took away units, for ``reason``."""

    type: ClassVar[str] = "fulfillment.stock_adjusted"
    version: ClassVar[int] = 1
    reason: str
    actor: str


@REGISTRY.event
@attrs.frozen(kw_only=True)
class StockLowV1(IntegrationEvent):
    """What is available of a SKU at a warehouse fell to its low-stock level or below."""

    type: ClassVar[str] = "fulfillment.stock_low"
    version: ClassVar[int] = 1
    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    available: int
    low_stock: int


F = TypeVar("F", bound=StockFigures)


def _figures(kind: type[F], e: st.StockEvent, change: int, **more: Any) -> F:
    return kind(
        sku_id=e.sku_id,
        warehouse_id=e.warehouse_id,
        change=change,
        on_hand=e.on_hand,
        reserved=e.reserved,
        available=e.on_hand - e.reserved,
        **more,
    )


@REGISTRY.maps(st.StockReserved)
def _reserved(e: st.StockReserved) -> StockReservedV1:
    return _figures(StockReservedV1, e, e.quantity, order_id=e.order_id)


@REGISTRY.maps(st.StockReleased)
def _released(e: st.StockReleased) -> StockReleasedV1:
    return _figures(StockReleasedV1, e, e.quantity, order_id=e.order_id)


@REGISTRY.maps(st.StockConsumed)
def _consumed(e: st.StockConsumed) -> StockConsumedV1:
    return _figures(StockConsumedV1, e, e.quantity, order_id=e.order_id)


@REGISTRY.maps(st.StockAdjusted)
def _adjusted(e: st.StockAdjusted) -> StockAdjustedV1:
    return _figures(StockAdjustedV1, e, e.change, reason=e.reason, actor=e.actor)


@REGISTRY.maps(st.StockLow)
def _low(e: st.StockLow) -> StockLowV1:
    return StockLowV1(
        sku_id=e.sku_id, warehouse_id=e.warehouse_id, available=e.available, low_stock=e.low_stock
    )
