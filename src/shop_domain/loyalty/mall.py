"""The points mall (PTS-9): items priced in points, or points plus cash, with stock and a
low-stock warning; a redemption is an order of its own.

::

    pending_payment ──pay──▶ pending_shipment ──ship──▶ shipped ──complete──▶ completed
          │                        │
          └────────cancel──────────┴──▶ cancelled (points and stock given back)

A redemption without a cash part starts pending shipment. Stock never goes below zero: an item
is locked while it is redeemed, and the database refuses a negative stock whatever happens.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import ClassVar

import attrs

from shop_domain.loyalty.errors import (
    InvalidMallItem,
    InvalidPoints,
    MallItemUnavailable,
    MallSoldOut,
    RedemptionStateConflict,
)
from shop_domain.loyalty.lots import check_points
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.events import DomainEvent
from shop_domain.shared.money import Money

NAME_MAX = 200
MAX_QUANTITY = 99


class RedemptionState(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PENDING_SHIPMENT = "pending_shipment"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@attrs.frozen(kw_only=True)
class MallStockLow(DomainEvent):
    """The item's stock fell to its warning level or below (STK-2)."""

    event_type: ClassVar[str] = "loyalty.mall_stock_low"
    item_id: uuid.UUID
    stock: int
    low_stock: int


@attrs.frozen(kw_only=True)
class RedemptionChanged(DomainEvent):
    event_type: ClassVar[str] = "loyalty.redemption_changed"
    redemption_id: uuid.UUID
    user_id: uuid.UUID
    item_id: uuid.UUID
    state: str
    points: int


def _count(value: object, what: str, least: int = 0, most: int = 10**9) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise InvalidMallItem(f"{what} is a whole number from {least} to {most}")
    return value


@attrs.define(slots=False, eq=False)
class MallItem(Aggregate):
    name: str
    points: int
    """The points one costs."""
    cash: Money | None
    """The cash part of its price, if any."""
    stock: int
    low_stock: int
    active: bool = True

    @classmethod
    def new(
        cls,
        *,
        id: uuid.UUID,
        name: str,
        points: int,
        cash: Money | None,
        stock: int,
        low_stock: int,
    ) -> MallItem:
        name = name.strip() if isinstance(name, str) else ""
        if not name or len(name) > NAME_MAX:
            raise InvalidMallItem(f"a mall item has a name of 1 to {NAME_MAX} characters")
        check_points(points, "a mall item's points price")
        if cash is not None and not cash.minor > 0:
            raise InvalidMallItem("a cash part is more than zero (leave it out for none)")
        return cls(
            id=id,
            name=name,
            points=points,
            cash=cash,
            stock=_count(stock, "stock"),
            low_stock=_count(low_stock, "the low-stock level"),
        )

    def redeem(self, quantity: int, now: dt.datetime) -> None:
        """Take ``quantity`` off the stock, or refuse: never below zero (PTS-9)."""
        _count(quantity, "a quantity", 1, MAX_QUANTITY)
        if not self.active:
            raise MallItemUnavailable(f"{self.name} is no longer in the mall")
        if quantity > self.stock:
            raise MallSoldOut(self.id, quantity, self.stock)
        was = self.stock
        self.stock -= quantity
        if self.stock <= self.low_stock < was:
            self.record(
                MallStockLow(
                    occurred_at=now, item_id=self.id, stock=self.stock, low_stock=self.low_stock
                )
            )

    def give_back(self, quantity: int) -> None:
        self.stock += _count(quantity, "a quantity", 1, MAX_QUANTITY)

    def restock(self, quantity: int) -> None:
        self.stock += _count(quantity, "a restock", 1)

    def offer(self, offered: bool) -> None:
        """Put the item in the mall, or withdraw it: a withdrawn item is redeemed no more
        (``points.mall_item_unavailable``); its redemptions go on, and a cancelled one still
        gives its stock back."""
        self.active = bool(offered)


@attrs.define(slots=False, eq=False)
class Redemption(Aggregate):
    user_id: uuid.UUID
    item_id: uuid.UUID
    quantity: int
    points: int
    cash: Money | None
    state: RedemptionState
    created_at: dt.datetime
    changed_at: dt.datetime

    @classmethod
    def place(
        cls, *, id: uuid.UUID, user_id: uuid.UUID, item: MallItem, quantity: int, now: dt.datetime
    ) -> Redemption:
        cash = None if item.cash is None else item.cash * quantity
        state = RedemptionState.PENDING_PAYMENT if cash else RedemptionState.PENDING_SHIPMENT
        made = cls(
            id=id,
            user_id=user_id,
            item_id=item.id,
            quantity=quantity,
            points=item.points * quantity,
            cash=cash,
            state=state,
            created_at=now,
            changed_at=now,
        )
        made._changed(now)
        return made

    def pay(self, now: dt.datetime) -> None:
        self._move(RedemptionState.PENDING_PAYMENT, RedemptionState.PENDING_SHIPMENT, now)

    def ship(self, now: dt.datetime) -> None:
        self._move(RedemptionState.PENDING_SHIPMENT, RedemptionState.SHIPPED, now)

    def complete(self, now: dt.datetime) -> None:
        self._move(RedemptionState.SHIPPED, RedemptionState.COMPLETED, now)

    def cancel(self, now: dt.datetime) -> None:
        """Cancelled before it ships; the caller gives back its points and stock."""
        if self.state not in (RedemptionState.PENDING_PAYMENT, RedemptionState.PENDING_SHIPMENT):
            raise RedemptionStateConflict(f"a {self.state} redemption cannot be cancelled")
        self.state = RedemptionState.CANCELLED
        self._changed(now)

    def _move(self, source: RedemptionState, target: RedemptionState, now: dt.datetime) -> None:
        if self.state is not source:
            raise RedemptionStateConflict(f"a {self.state} redemption cannot become {target}")
        self.state = target
        self._changed(now)

    def _changed(self, now: dt.datetime) -> None:
        self.changed_at = now
        self.record(
            RedemptionChanged(
                occurred_at=now,
                redemption_id=self.id,
                user_id=self.user_id,
                item_id=self.item_id,
                state=self.state.value,
                points=self.points,
            )
        )


def quantity_of(value: object) -> int:
    try:
        return _count(value, "a quantity", 1, MAX_QUANTITY)
    except InvalidMallItem as bad:
        raise InvalidPoints(bad.message) from None


__all__ = [
    "MallItem",
    "MallStockLow",
    "Redemption",
    "RedemptionChanged",
    "RedemptionState",
    "quantity_of",
]
