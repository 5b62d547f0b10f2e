"""Stock per SKU per warehouse (STK-1, STK-2): on hand, reserved, available = on hand − reserved.

A :class:`StockItem` holds one SKU at one warehouse and the reservations of the orders that
hold some of it. Submission reserves (once per order: a repeat with the same quantity answers
the same, another quantity is refused), cancellation or timeout releases, shipment consumes —
taking the reserved units off what is on hand. Nothing ever makes ``available`` negative: a
reservation beyond it is refused (``stock.insufficient``), an operator's adjustment may not
leave less on hand than is reserved (``stock.below_reserved``). When ``available`` falls to the
low-stock level or below from above it, :class:`StockLow` is recorded (STK-2).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any, ClassVar, Final

import attrs

from shop_domain.fulfillment.errors import (
    BelowReserved,
    InsufficientStock,
    InvalidStock,
    ReservationConflict,
)
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.events import DomainEvent

MAX_UNITS: Final = 10**9
REASON_MAX: Final = 500


def units(value: Any, what: str, least: int = 0, most: int = MAX_UNITS) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise InvalidStock(f"{what} is a whole number from {least} to {most:,}")
    return value


class ReservationState(enum.StrEnum):
    HELD = "held"
    RELEASED = "released"
    CONSUMED = "consumed"


@attrs.define(slots=False)
class Reservation:
    order_id: uuid.UUID
    quantity: int
    state: ReservationState
    at: dt.datetime
    """When it was made, then when it ended."""


@attrs.frozen(kw_only=True)
class StockEvent(DomainEvent):
    stock_id: uuid.UUID
    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    on_hand: int
    reserved: int


@attrs.frozen(kw_only=True)
class StockReserved(StockEvent):
    event_type: ClassVar[str] = "stock.reserved"
    order_id: uuid.UUID
    quantity: int


@attrs.frozen(kw_only=True)
class StockReleased(StockEvent):
    event_type: ClassVar[str] = "stock.released"
    order_id: uuid.UUID
    quantity: int


@attrs.frozen(kw_only=True)
class StockConsumed(StockEvent):
    event_type: ClassVar[str] = "stock.consumed"
    order_id: uuid.UUID
    quantity: int


@attrs.frozen(kw_only=True)
class StockAdjusted(StockEvent):
    event_type: ClassVar[str] = "stock.adjusted"
    change: int
    reason: str
    actor: str


@attrs.frozen(kw_only=True)
class StockLow(StockEvent):
    """STK-2: what is available fell to the low-stock level or below."""

    event_type: ClassVar[str] = "stock.low"
    available: int
    low_stock: int


@attrs.frozen
class StockLevel:
    """What a SKU's stock at a warehouse stands at."""

    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    on_hand: int
    reserved: int
    available: int

    @classmethod
    def of(cls, item: StockItem) -> StockLevel:
        return cls(item.sku_id, item.warehouse_id, item.on_hand, item.reserved, item.available)


@attrs.define(slots=False, eq=False)
class StockItem(Aggregate):
    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    on_hand: int = 0
    reserved: int = 0
    low_stock: int = 0
    reservations: dict[uuid.UUID, Reservation] = attrs.Factory(dict)
    """By order: those the operation needs (a repository may load only the order's)."""

    @classmethod
    def new(
        cls,
        *,
        id: uuid.UUID,
        sku_id: uuid.UUID,
        warehouse_id: uuid.UUID,
        on_hand: int = 0,
        low_stock: int = 0,
    ) -> StockItem:
        return cls(
            id=id,
            sku_id=sku_id,
            warehouse_id=warehouse_id,
            on_hand=units(on_hand, "stock on hand"),
            low_stock=units(low_stock, "a low-stock level"),
        )

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    # --- orders --------------------------------------------------------------------------------
    def reserve(self, order_id: uuid.UUID, quantity: int, now: dt.datetime) -> bool:
        """Hold ``quantity`` for the order (once: a repeat of the same answers ``False`` and
        changes nothing)."""
        units(quantity, "a quantity reserved", 1)
        held = self.reservations.get(order_id)
        if held is not None:
            if held.state is ReservationState.HELD and held.quantity == quantity:
                return False
            raise ReservationConflict(
                f"order {order_id} has a {held.state.value} reservation of {held.quantity}",
                details={"order_id": str(order_id), "state": held.state.value},
            )
        if quantity > self.available:
            raise InsufficientStock(
                f"{quantity} asked for, {self.available} available",
                details={"available": self.available},
            )
        before = self.available
        self.reserved += quantity
        self.reservations[order_id] = Reservation(order_id, quantity, ReservationState.HELD, now)
        self.record(StockReserved(**self._figures(now), order_id=order_id, quantity=quantity))
        self._low_after(before, now)
        return True

    def release(self, order_id: uuid.UUID, now: dt.datetime) -> int:
        """Give back what the order holds (cancellation, timeout); 0 if it holds nothing any
        more — released already, or never reserved here."""
        held = self.reservations.get(order_id)
        if held is None or held.state is ReservationState.RELEASED:
            return 0
        if held.state is ReservationState.CONSUMED:
            raise ReservationConflict(
                f"order {order_id} has shipped what it reserved",
                details={"order_id": str(order_id), "state": held.state.value},
            )
        self.reserved -= held.quantity
        held.state, held.at = ReservationState.RELEASED, now
        self.record(StockReleased(**self._figures(now), order_id=order_id, quantity=held.quantity))
        return held.quantity

    def consume(self, order_id: uuid.UUID, now: dt.datetime) -> int:
        """The order shipped: what it reserved leaves the warehouse (once)."""
        held = self.reservations.get(order_id)
        if held is not None and held.state is ReservationState.CONSUMED:
            return 0
        if held is None or held.state is not ReservationState.HELD:
            raise ReservationConflict(
                f"order {order_id} holds no stock here to ship",
                details={"order_id": str(order_id)},
            )
        self.reserved -= held.quantity
        self.on_hand -= held.quantity
        held.state, held.at = ReservationState.CONSUMED, now
        self.record(StockConsumed(**self._figures(now), order_id=order_id, quantity=held.quantity))
        return held.quantity

    # --- operators -----------------------------------------------------------------------------
    def adjust(self, change: int, *, reason: str, actor: str, now: dt.datetime) -> None:
        """Add (received, found) or take away (counted short, damaged) units, with a reason;
        never below what is reserved."""
        if isinstance(change, bool) or not isinstance(change, int) or not change:
            raise InvalidStock("an adjustment is a whole number of units other than 0")
        units(abs(change), "an adjustment", 1)
        reason = reason.strip() if isinstance(reason, str) else ""
        if not 0 < len(reason) <= REASON_MAX:
            raise InvalidStock(f"an adjustment gives a reason (1..{REASON_MAX} characters)")
        if self.on_hand + change < self.reserved:
            raise BelowReserved(
                f"{self.reserved} are reserved; on hand may not fall below that",
                details={"reserved": self.reserved},
            )
        if self.on_hand + change > MAX_UNITS:
            raise InvalidStock(f"stock on hand is at most {MAX_UNITS:,}")
        before = self.available
        self.on_hand += change
        self.record(StockAdjusted(**self._figures(now), change=change, reason=reason, actor=actor))
        self._low_after(before, now)

    def count(self, on_hand: int, *, reason: str, actor: str, now: dt.datetime) -> int:
        """A stock count: what is on hand is ``on_hand`` — an adjustment by the difference
        (none when it already is, so a count taken again changes nothing). The change."""
        change = units(on_hand, "a counted quantity") - self.on_hand
        if change:
            self.adjust(change, reason=reason, actor=actor, now=now)
        return change

    # --- internals -----------------------------------------------------------------------------
    def _figures(self, now: dt.datetime) -> dict[str, Any]:
        return {
            "occurred_at": now,
            "stock_id": self.id,
            "sku_id": self.sku_id,
            "warehouse_id": self.warehouse_id,
            "on_hand": self.on_hand,
            "reserved": self.reserved,
        }

    def _low_after(self, before: int, now: dt.datetime) -> None:
        if self.available <= self.low_stock < before:
            self.record(
                StockLow(**self._figures(now), available=self.available, low_stock=self.low_stock)
            )


__all__ = [
    "Reservation",
    "ReservationState",
    "StockAdjusted",
    "StockConsumed",
    "StockItem",
    "StockLevel",
    "StockLow",
    "StockReleased",
    "StockReserved",
    "units",
]
