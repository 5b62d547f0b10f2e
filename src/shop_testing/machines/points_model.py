"""A plain model of one points account (PTS-2..8) for :mod:`shop_testing.machines.points`: lots
as numbers, orders as lists of (lot, points), and each rule stated as directly as it reads in
RULES.md. It predicts what every command answers — the points, or the code it is refused with.
"""

from __future__ import annotations

import datetime as dt
import uuid

import attrs

from shop_domain.loyalty.programme import Programme, ShortfallPolicy

INSUFFICIENT = "points.insufficient"
CONFLICT = "points.order_conflict"
KEY_REUSED = "points.key_reused"

Answer = int | str
"""Points moved, or the code of a refusal."""


@attrs.define
class ModelLot:
    id: uuid.UUID
    granted_at: dt.datetime
    expires_at: dt.datetime | None
    granted: int
    remaining: int

    def due(self, now: dt.datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


@attrs.define
class ModelOrder:
    held: list[list] = attrs.Factory(list)  # type: ignore[type-arg]  # [lot, points]
    spent: list[list] = attrs.Factory(list)  # type: ignore[type-arg]  # [lot, points, returned]
    captured: bool = False
    earned: int = 0
    paid: int = 0
    refunded: int = 0
    reversed: int = 0
    released: bool = False
    lot: ModelLot | None = None
    keys: dict[tuple[object, str], tuple[object, int]] = attrs.Factory(dict)
    """By (command, key): keys are per command."""


@attrs.define
class PointsModel:
    programme: Programme
    lots: dict[uuid.UUID, ModelLot] = attrs.Factory(dict)
    orders: dict[uuid.UUID, ModelOrder] = attrs.Factory(dict)
    debt: int = 0
    pending: int = 0

    # --- figures -------------------------------------------------------------------------------
    @property
    def held(self) -> int:
        return sum(p for o in self.orders.values() for _, p in o.held)

    @property
    def balance(self) -> int:
        return sum(lot.remaining for lot in self.lots.values()) - self.debt

    def usable(self, now: dt.datetime) -> list[ModelLot]:
        """Lots with points, not due, soonest-expiring first (never-expiring last)."""
        live = [lot for lot in self.lots.values() if lot.remaining and not lot.due(now)]
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        return sorted(live, key=lambda lot: (lot.expires_at or far, lot.granted_at, lot.id.int))

    # --- time ----------------------------------------------------------------------------------
    def expire(self, now: dt.datetime) -> int:
        gone = 0
        for lot in self.lots.values():
            if lot.due(now):
                gone, lot.remaining = gone + lot.remaining, 0
        return gone

    # --- points in and out ---------------------------------------------------------------------
    def grant(self, lot_id: uuid.UUID, points: int, now: dt.datetime) -> ModelLot:
        self.expire(now)
        lot = ModelLot(lot_id, now, self.programme.expiry.expires_at(now), points, points)
        self.lots[lot_id] = lot
        self.repay(now)
        return lot

    def repay(self, now: dt.datetime) -> None:
        for lot in self.usable(now):
            paid = min(self.debt, lot.remaining)
            lot.remaining -= paid
            self.debt -= paid

    def take(self, points: int, now: dt.datetime) -> list[list] | None:  # type: ignore[type-arg]
        """The parts ``points`` come from, or None when there are not enough."""
        lots = self.usable(now)
        if sum(lot.remaining for lot in lots) - self.debt < points:
            return None
        parts = []
        for lot in lots:
            part = min(points, lot.remaining)
            if part:
                lot.remaining -= part
                parts.append([lot, part])
                points -= part
        return parts

    # --- orders --------------------------------------------------------------------------------
    def order_command(self, order_id: uuid.UUID, key: str, request: object) -> Answer | None:
        """What a repeated key answers (or its refusal); None for a new key."""
        order = self.orders.get(order_id)
        slot = (request[0], key)  # type: ignore[index]
        if order is None or slot not in order.keys:
            return None
        known, answer = order.keys[slot]
        return answer if known == request else KEY_REUSED

    def done(self, order_id: uuid.UUID, key: str, request: object, answer: int) -> int:
        slot = (request[0], key)  # type: ignore[index]
        self.orders.setdefault(order_id, ModelOrder()).keys[slot] = (request, answer)
        return answer

    def hold_or_spend(
        self, order_id: uuid.UUID, points: int, now: dt.datetime, *, hold: bool
    ) -> Answer:
        order = self.orders.get(order_id, ModelOrder())
        if (hold and (order.held or order.spent)) or (not hold and order.held):
            return CONFLICT
        parts = self.take(points, now)
        if parts is None:
            return INSUFFICIENT
        self.expire(now)
        order = self.orders.setdefault(order_id, order)
        if hold:
            order.held = parts
        else:
            order.spent += [[lot, p, 0] for lot, p in parts]
        return points

    def capture(self, order_id: uuid.UUID, now: dt.datetime) -> Answer:
        order = self.orders.get(order_id)
        if order is None or not order.held:
            return CONFLICT
        self.expire(now)
        total: int = sum(p for _, p in order.held)
        order.spent += [[lot, p, 0] for lot, p in order.held]
        order.held, order.captured = [], True
        return total

    def unhold(self, order_id: uuid.UUID, now: dt.datetime) -> Answer:
        order = self.orders.get(order_id)
        if order is None or not order.held:
            return CONFLICT
        self.expire(now)
        back = 0
        for lot, points in order.held:
            if not lot.due(now):
                lot.remaining += points
                back += points
        order.held = []
        self.repay(now)
        return back

    def restore(self, order_id: uuid.UUID, points: int, now: dt.datetime) -> Answer:
        order = self.orders.get(order_id)
        if order is None or points > sum(p - r for _, p, r in order.spent):
            return CONFLICT
        self.expire(now)
        back = 0
        # live lots, the latest spent first; then the expired ones (forfeited)
        ranked = sorted(range(len(order.spent)), key=lambda n: (not order.spent[n][0].due(now), n))
        for n in reversed(ranked):
            lot, spent, returned = order.spent[n]
            given = min(points, spent - returned)
            order.spent[n][2] += given
            points -= given
            if not lot.due(now):
                lot.remaining += given
                back += given
        self.repay(now)
        return back

    def earn(self, order_id: uuid.UUID, points: int, paid: int, now: dt.datetime) -> Answer:
        order = self.orders.get(order_id, ModelOrder())
        if order.earned:
            return CONFLICT
        self.expire(now)
        self.orders[order_id] = order
        order.earned, order.paid = points, paid
        self.pending += points
        return points

    def release(self, order_id: uuid.UUID, lot_id: uuid.UUID, now: dt.datetime) -> Answer:
        order = self.orders.get(order_id)
        if order is None or not order.earned or order.released:
            return CONFLICT
        self.expire(now)
        order.released = True
        points = order.earned - order.reversed
        self.pending -= points
        if points:
            order.lot = self.grant(lot_id, points, now)
        return points

    def reverse(self, order_id: uuid.UUID, refunded: int, now: dt.datetime) -> Answer:
        order = self.orders.get(order_id)
        if order is None or not order.earned or order.refunded + refunded > order.paid:
            return CONFLICT
        self.expire(now)
        order.refunded += refunded
        points = order.earned * order.refunded // order.paid - order.reversed
        order.reversed += points
        if not order.released:
            self.pending -= points
            return points
        need = points
        sources = [order.lot] if order.lot is not None else []
        for lot in sources + self.usable(now):
            if lot.due(now):
                continue
            taken = min(need, lot.remaining)
            lot.remaining -= taken
            need -= taken
        if need and self.programme.shortfall is ShortfallPolicy.NEGATIVE:
            self.debt += need
        return points


__all__ = ["CONFLICT", "INSUFFICIENT", "KEY_REUSED", "ModelLot", "ModelOrder", "PointsModel"]
