"""A plain model of a points-mall item, its redemptions and its customers' points (PTS-9,
STK-2) for :mod:`shop_testing.machines.mall`: stock as a number, a redemption as a state, points
as what each customer was granted and holds. It predicts what every command answers — the
redemption's state, the stock, or the code it is refused with — and the events it records.

::

    pending_payment ──pay──▶ pending_shipment ──ship──▶ shipped ──complete──▶ completed
          │                        │
          └────────cancel──────────┴──▶ cancelled (points and stock given back)
"""

from __future__ import annotations

import uuid

import attrs

from shop_domain.loyalty.errors import (
    InsufficientPoints,
    InvalidMallItem,
    InvalidPoints,
    MallSoldOut,
    RedemptionStateConflict,
)
from shop_domain.loyalty.mall import MAX_QUANTITY, RedemptionState

Answer = RedemptionState | int | str
"""A redemption's state, the stock, or the code of a refusal."""

S = RedemptionState
MOVES: dict[str, tuple[tuple[RedemptionState, ...], RedemptionState]] = {
    "pay": ((S.PENDING_PAYMENT,), S.PENDING_SHIPMENT),
    "ship": ((S.PENDING_SHIPMENT,), S.SHIPPED),
    "complete": ((S.SHIPPED,), S.COMPLETED),
    "cancel": ((S.PENDING_PAYMENT, S.PENDING_SHIPMENT), S.CANCELLED),
}
"""Each command: the states it may start from, and the one it leads to."""
LIVE = frozenset({S.PENDING_PAYMENT, S.PENDING_SHIPMENT, S.SHIPPED, S.COMPLETED})
"""The states of a redemption that holds its stock and points."""
OPEN = frozenset({S.PENDING_PAYMENT, S.PENDING_SHIPMENT, S.SHIPPED})
"""The states a redemption may still move from."""


@attrs.define
class ModelRedemption:
    user: uuid.UUID
    quantity: int
    points: int
    state: RedemptionState


@attrs.define
class MallModel:
    price: int
    """The points one of the item costs."""
    cash: bool
    """Whether it has a cash part (a redemption then waits for payment)."""
    stock: int
    low_stock: int
    initial: int
    restocked: int = 0
    granted: dict[uuid.UUID, int] = attrs.Factory(dict)
    balance: dict[uuid.UUID, int] = attrs.Factory(dict)
    redemptions: dict[uuid.UUID, ModelRedemption] = attrs.Factory(dict)
    warnings: list[tuple[int, int]] = attrs.Factory(list)
    """Low-stock events expected since the machine last compared: (stock, low-stock level)."""
    changes: list[tuple[uuid.UUID, RedemptionState, int]] = attrs.Factory(list)
    """Redemption events expected since then: (redemption, state, points)."""

    # --- figures -------------------------------------------------------------------------------
    def live(self, user: uuid.UUID | None = None) -> list[ModelRedemption]:
        return [
            r
            for r in self.redemptions.values()
            if r.state in LIVE and (user is None or r.user == user)
        ]

    # --- commands ------------------------------------------------------------------------------
    def grant(self, user: uuid.UUID, points: int) -> None:
        self.granted[user] = self.granted.get(user, 0) + points
        self.balance[user] = self.balance.get(user, 0) + points

    def redeem(self, redemption_id: uuid.UUID, user: uuid.UUID, quantity: int) -> Answer:
        """Stock first, then the points: all or nothing (PTS-9). The low-stock warning when
        the stock falls from above its level to it or below (STK-2)."""
        if not 1 <= quantity <= MAX_QUANTITY:
            return InvalidPoints.code
        if quantity > self.stock:
            return MallSoldOut.code
        points = self.price * quantity
        if points > self.balance.get(user, 0):
            return InsufficientPoints.code
        was, self.stock = self.stock, self.stock - quantity
        if was > self.low_stock >= self.stock:
            self.warnings.append((self.stock, self.low_stock))
        self.balance[user] -= points
        state = S.PENDING_PAYMENT if self.cash else S.PENDING_SHIPMENT
        self.redemptions[redemption_id] = ModelRedemption(user, quantity, points, state)
        self.changes.append((redemption_id, state, points))
        return state

    def move(self, redemption_id: uuid.UUID, command: str) -> Answer:
        """Only the moves of :data:`MOVES`; a cancellation gives back the stock and the points,
        once."""
        redemption = self.redemptions[redemption_id]
        sources, target = MOVES[command]
        if redemption.state not in sources:
            return RedemptionStateConflict.code
        redemption.state = target
        if target is S.CANCELLED:
            self.stock += redemption.quantity
            self.balance[redemption.user] += redemption.points
        self.changes.append((redemption_id, target, redemption.points))
        return target

    def restock(self, quantity: int) -> Answer:
        if quantity < 1:
            return InvalidMallItem.code
        self.stock += quantity
        self.restocked += quantity
        return self.stock

    def pull_events(
        self,
    ) -> tuple[list[tuple[int, int]], list[tuple[uuid.UUID, RedemptionState, int]]]:
        events = (self.warnings, self.changes)
        self.warnings, self.changes = [], []
        return events


__all__ = ["LIVE", "MOVES", "OPEN", "Answer", "MallModel", "ModelRedemption"]
