"""Stock per SKU per warehouse (STK-1, STK-2): worked examples — a submission reserves once, a
cancellation releases, a shipment consumes; nothing makes available negative; the low-stock
event fires when available falls to its level from above; warehouses serve their regions."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from shop_domain.fulfillment.errors import (
    BelowReserved,
    InsufficientStock,
    InvalidStock,
    ReservationConflict,
)
from shop_domain.fulfillment.stock import StockItem, StockLow
from shop_domain.fulfillment.warehouse import Warehouse, region_prefix
from shop_testing.invariants.stock import check_stock_books

NOW = dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)
A, B, C = (uuid.UUID(int=0x0A00 + n) for n in range(3))


def item(on_hand: int = 10, low_stock: int = 0) -> StockItem:
    return StockItem.new(
        id=uuid.UUID(int=1),
        sku_id=uuid.UUID(int=2),
        warehouse_id=uuid.UUID(int=3),
        on_hand=on_hand,
        low_stock=low_stock,
    )


@pytest.mark.rule("STK-1")
def test_a_submission_reserves_a_cancellation_releases_a_shipment_consumes() -> None:
    stock = item(10)
    assert stock.reserve(A, 4, NOW)
    assert not stock.reserve(A, 4, NOW)  # the same order again: once
    assert stock.reserve(B, 3, NOW)
    assert (stock.on_hand, stock.reserved, stock.available) == (10, 7, 3)
    assert stock.release(A, NOW) == 4
    assert stock.release(A, NOW) == 0  # released already
    assert stock.consume(B, NOW) == 3
    assert stock.consume(B, NOW) == 0  # shipped already
    assert (stock.on_hand, stock.reserved, stock.available) == (7, 0, 7)
    check_stock_books(stock)
    assert [e.event_type for e in stock.pull_events()] == [
        "stock.reserved",
        "stock.reserved",
        "stock.released",
        "stock.consumed",
    ]


@pytest.mark.rule("STK-1")
def test_nothing_makes_available_negative_and_a_refusal_changes_nothing() -> None:
    stock = item(5)
    stock.reserve(A, 5, NOW)
    with pytest.raises(InsufficientStock) as short:
        stock.reserve(B, 1, NOW)
    assert short.value.details == {"available": 0}
    with pytest.raises(BelowReserved):
        stock.adjust(-1, reason="counted short", actor="op", now=NOW)
    with pytest.raises(ReservationConflict):
        stock.reserve(A, 2, NOW)  # another quantity for the same order
    with pytest.raises(ReservationConflict):
        stock.consume(C, NOW)  # holds nothing here
    stock.consume(A, NOW)
    with pytest.raises(ReservationConflict):
        stock.release(A, NOW)  # shipped: nothing to give back
    for bad in (0, -1, True, 1.5, 10**10):
        with pytest.raises(InvalidStock):
            stock.reserve(C, bad, NOW)  # type: ignore[arg-type]
    for change in (0, True, 10**10):
        with pytest.raises(InvalidStock):
            stock.adjust(change, reason="x", actor="op", now=NOW)  # type: ignore[arg-type]
    with pytest.raises(InvalidStock):
        stock.adjust(3, reason="  ", actor="op", now=NOW)
    assert (stock.on_hand, stock.reserved) == (0, 0)
    check_stock_books(stock)


@pytest.mark.rule("STK-2")
def test_the_low_stock_event_fires_when_available_falls_to_its_level() -> None:
    stock = item(10, low_stock=3)
    stock.reserve(A, 6, NOW)  # 4 available: above the level
    stock.reserve(B, 1, NOW)  # 3: at the level — fires
    stock.release(B, NOW)  # back to 4
    stock.adjust(-2, reason="damaged", actor="op", now=NOW)  # 2: fires again
    stock.reserve(C, 1, NOW)  # 1: already below, no new event
    low = [e for e in stock.pull_events() if isinstance(e, StockLow)]
    assert [(e.available, e.low_stock) for e in low] == [(3, 3), (2, 3)]


@pytest.mark.rule("STK-1")
def test_a_warehouse_serves_its_provinces_cities_and_districts() -> None:
    east = Warehouse.new(id=A, code="SH-1", name="Shanghai", regions={"310000", "320500"})
    assert east.serves("310104")  # a district of Shanghai
    assert east.serves("320505")  # a district of Suzhou
    assert not east.serves("320100")  # Nanjing: another city of Jiangsu
    assert not east.serves("110101")
    east.close()
    assert not east.serves("310104")
    assert (region_prefix("310000"), region_prefix("310100"), region_prefix("310104")) == (
        "31",
        "3101",
        "310104",
    )
    for bad in ("31", "3101040", "abcdef", "000000", 310000):
        with pytest.raises(InvalidStock):
            region_prefix(bad)
    with pytest.raises(InvalidStock):
        Warehouse.new(id=B, code="", name="x", regions={"310000"})
    with pytest.raises(InvalidStock):
        Warehouse.new(id=B, code="W", name="x", regions=set())
