"""The points account (PTS-1..8): granting, adjusting, and the commands an order calls, each of
those idempotent per (order, key). Its books — lots, entries, figures — are
:class:`~shop_domain.loyalty.books.PointsBooks`'.

- at submission, :meth:`PointsAccount.hold` sets the order's points aside (from the lots that
  expire soonest); at payment :meth:`PointsAccount.capture` spends them, on cancellation
  :meth:`PointsAccount.unhold` gives them back to their lots — those that expired meanwhile
  are forfeited, as they would have expired unused;
- :meth:`PointsAccount.spend` spends at once (a points-mall redemption);
- a refund :meth:`PointsAccount.restore` gives spent points to their original lots with their
  original expiry, the latest-expiring first; points of lots expired by then are forfeited
  (PTS-6);
- a paid order :meth:`PointsAccount.earn_pending` earns points, pending until its after-sales
  window closes (PTS-5), when :meth:`PointsAccount.release` puts them in a lot;
- a refund :meth:`PointsAccount.reverse` takes back earned points in proportion to what it
  refunds of what was paid: pending ones are cancelled; released ones are taken back from the
  order's own lot, then from the lots that expire soonest, and what is spent already takes the
  balance below zero or is forgiven, as the programme says (PTS-6).

Each answers the points it moved; repeated with the same key and figures it answers that again.
"""

from __future__ import annotations

import datetime as dt
import uuid

import attrs

from shop_domain.loyalty import events as ev
from shop_domain.loyalty.books import PointsBooks
from shop_domain.loyalty.errors import InvalidPoints, LotsNotLoaded, OrderPointsConflict
from shop_domain.loyalty.lots import Entry, EntryKind, Lot, Part, Source, check_points
from shop_domain.loyalty.orders import OrderPoints, Request
from shop_domain.loyalty.programme import Programme, ShortfallPolicy

KEY_MAX = 100
REASON_MAX = 500


def _key(key: object) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > KEY_MAX:
        raise InvalidPoints(f"an order command's key is 1 to {KEY_MAX} characters")
    return key


@attrs.define(slots=False, eq=False)
class PointsAccount(PointsBooks):
    user_id: uuid.UUID
    created_at: dt.datetime
    balance: int = 0
    pending: int = 0
    held: int = 0
    debt: int = 0
    seq: int = 0
    """Entries written so far (the last one's ``seq``)."""
    lots: dict[uuid.UUID, Lot] = attrs.Factory(dict)
    """The lots loaded (see the module)."""
    orders: dict[uuid.UUID, OrderPoints] = attrs.Factory(dict)
    """The orders loaded: those the operation names."""
    entries: list[Entry] = attrs.Factory(list)
    """The entries written since the account was loaded (older ones are not read)."""

    @classmethod
    def open(cls, *, id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime) -> PointsAccount:
        return cls(id=id, user_id=user_id, created_at=now)

    # --- granting ---------------------------------------------------------------------------

    def grant(
        self,
        *,
        points: int,
        source: Source,
        lot_id: uuid.UUID,
        programme: Programme,
        now: dt.datetime,
        ref: str | None = None,
    ) -> Lot:
        """A new lot of ``points`` (PTS-1, PTS-2), expiring as the programme says."""
        check_points(points)
        if lot_id in self.lots:
            raise InvalidPoints(f"lot {lot_id} exists already")
        self.expire(now)
        lot = self._new_lot(points, source, lot_id, programme, now, ref)
        self._write(EntryKind.EARN, now, points, lot=lot)
        self._repay(now)
        self._record(
            ev.PointsGranted,
            now,
            points,
            source=source.value,
            lot_id=lot.id,
            expires_at=None if lot.expires_at is None else lot.expires_at.isoformat(),
        )
        return lot

    def adjust(
        self,
        *,
        points: int,
        reason: str,
        actor: str,
        programme: Programme,
        now: dt.datetime,
        lot_id: uuid.UUID | None = None,
    ) -> None:
        """An operator's change of ``points`` (negative: taken away), with its reason (PTS-1).
        Points added are a lot of their own (``lot_id``); points taken come from the lots that
        expire soonest and never take the balance below zero."""
        if isinstance(points, bool) or not isinstance(points, int) or points == 0:
            raise InvalidPoints("an adjustment is a whole number of points other than zero")
        check_points(abs(points))
        reason = reason.strip() if isinstance(reason, str) else ""
        if not reason or len(reason) > REASON_MAX:
            raise InvalidPoints(f"an adjustment has a reason of 1 to {REASON_MAX} characters")
        if points > 0:
            if lot_id is None or lot_id in self.lots:
                raise InvalidPoints("points added by an adjustment need a new lot's id")
            self.expire(now)
            lot = self._new_lot(points, Source.ADJUSTMENT, lot_id, programme, now, None)
            self._write(EntryKind.ADJUST, now, points, lot=lot, reason=reason, actor=actor)
            self._repay(now)
        else:
            taken_from = self.take(-points, now)
            self.expire(now)
            for lot, taken in taken_from:
                self._write(EntryKind.ADJUST, now, -taken, lot=lot, reason=reason, actor=actor)
        self._record(
            ev.PointsAdjusted,
            now,
            abs(points),
            direction="up" if points > 0 else "down",
            reason=reason,
            actor=actor,
        )

    # --- orders: the common steps ----------------------------------------------------------

    def _begin(
        self, order_id: uuid.UUID, key: str, request: Request, now: dt.datetime
    ) -> tuple[OrderPoints, int | None]:
        """The order's points (registered only when a command succeeds: a refused one changes
        nothing), and what ``key`` answered if it ran before."""
        order = self.orders.get(order_id) or OrderPoints(order_id)
        return order, order.answered(_key(key), request)

    def _done(self, order: OrderPoints, key: str, request: Request, answer: int) -> int:
        self.orders[order.order_id] = order
        return order.remember(key, request, answer)

    def _moved(
        self,
        kind: EntryKind,
        now: dt.datetime,
        order: OrderPoints,
        key: str,
        lot: Lot | None,
        points: int = 0,
        *,
        held: int = 0,
        pending: int = 0,
    ) -> None:
        self._write(kind, now, points, held=held, pending=pending, lot=lot,
                    order_id=order.order_id, key=key)  # fmt: skip

    # --- holding and spending ---------------------------------------------------------------

    def hold(self, order_id: uuid.UUID, key: str, points: int, now: dt.datetime) -> int:
        """Set ``points`` aside for an unpaid order (once per order)."""
        order, known = self._begin(order_id, key, ("hold", (check_points(points),)), now)
        if known is not None:
            return known
        if order.hold_parts or order.spent_parts:
            raise OrderPointsConflict(f"order {order_id} has held or spent points already")
        taken = self.take(points, now)
        self.expire(now)
        for lot, part in taken:
            self._moved(EntryKind.HOLD, now, order, key, lot, -part, held=part)
            order.hold_parts.append(Part(lot.id, part, lot.expires_at))
        order.held = points
        self._record(ev.PointsHeld, now, points, order_id=order_id)
        return self._done(order, key, ("hold", (points,)), points)

    def capture(self, order_id: uuid.UUID, key: str, now: dt.datetime) -> int:
        """Spend what the order holds: it is paid."""
        order, known = self._begin(order_id, key, ("capture", ()), now)
        if known is not None:
            return known
        if not order.held:
            raise OrderPointsConflict(f"order {order_id} holds no points")
        self.expire(now)
        for part in order.hold_parts:
            self._moved(
                EntryKind.CAPTURE, now, order, key, self.lot(part.lot_id), held=-part.points
            )
        order.spent_parts, order.hold_parts = order.hold_parts, []
        captured, order.held, order.captured = order.held, 0, True
        self._record(ev.HoldCaptured, now, captured, order_id=order_id)
        return self._done(order, key, ("capture", ()), captured)

    def unhold(self, order_id: uuid.UUID, key: str, now: dt.datetime) -> int:
        """Give back what the order holds: it is cancelled. Points of lots that expired
        meanwhile are forfeited. Answers the points given back."""
        order, known = self._begin(order_id, key, ("unhold", ()), now)
        if known is not None:
            return known
        if not order.held:
            raise OrderPointsConflict(f"order {order_id} holds no points")
        self.expire(now)
        back = forfeited = 0
        for part in order.hold_parts:
            lot = self.lot(part.lot_id)
            if lot.is_due(now):
                self._moved(EntryKind.EXPIRE, now, order, key, lot, held=-part.points)
                forfeited += part.points
            else:
                self._moved(EntryKind.UNHOLD, now, order, key, lot, part.points, held=-part.points)
                back += part.points
        order.hold_parts, order.held = [], 0
        order.forfeited += forfeited
        self._repay(now)
        self._record(ev.HoldReleased, now, back, order_id=order_id, forfeited=forfeited)
        return self._done(order, key, ("unhold", ()), back)

    def spend(self, order_id: uuid.UUID, key: str, points: int, now: dt.datetime) -> int:
        """Spend ``points`` at once for the order (the lots that expire soonest first)."""
        order, known = self._begin(order_id, key, ("spend", (check_points(points),)), now)
        if known is not None:
            return known
        if order.held:
            raise OrderPointsConflict(f"order {order_id} holds points: capture them instead")
        taken = self.take(points, now)
        self.expire(now)
        for lot, part in taken:
            self._moved(EntryKind.SPEND, now, order, key, lot, -part)
            order.spent_parts.append(Part(lot.id, part, lot.expires_at))
        self._record(ev.PointsSpent, now, points, order_id=order_id)
        return self._done(order, key, ("spend", (points,)), points)

    def restore(self, order_id: uuid.UUID, key: str, points: int, now: dt.datetime) -> int:
        """Give ``points`` of what the order spent back to their lots (PTS-6): the
        latest-expiring first; what comes from lots expired by now is forfeited. Answers the
        points given back."""
        order, known = self._begin(order_id, key, ("restore", (check_points(points),)), now)
        if known is not None:
            return known
        if points > order.spent:
            raise OrderPointsConflict(
                f"order {order_id} has {order.spent} spent points to give back, not {points}"
            )
        self.expire(now)
        need, back = points, 0
        # live lots first (latest-expiring first), then the expired ones
        ranked = sorted(
            range(len(order.spent_parts)),
            key=lambda n: (not self.lot(order.spent_parts[n].lot_id).is_due(now), n),
            reverse=True,
        )
        for n in ranked:
            part = order.spent_parts[n]
            given = min(need, part.left)
            if not given:
                continue
            lot = self.lot(part.lot_id)
            if not lot.is_due(now):
                self._moved(EntryKind.RESTORE, now, order, key, lot, given)
                back += given
            order.spent_parts[n] = Part(part.lot_id, part.points, part.expires_at,
                                        part.returned + given)  # fmt: skip
            need -= given
            if not need:
                break
        order.forfeited += points - back
        self._repay(now)
        self._record(ev.PointsRestored, now, back, order_id=order_id, forfeited=points - back)
        return self._done(order, key, ("restore", (points,)), back)

    # --- earning ----------------------------------------------------------------------------

    def earn_pending(
        self, order_id: uuid.UUID, key: str, points: int, paid: int, now: dt.datetime
    ) -> int:
        """Points a paid order earns, pending until its after-sales window closes (PTS-5);
        ``paid`` (minor units) is what earned them, so refunds reverse in proportion."""
        check_points(paid, "an amount paid")
        order, known = self._begin(order_id, key, ("earn", (check_points(points), paid)), now)
        if known is not None:
            return known
        if order.earned:
            raise OrderPointsConflict(f"order {order_id} has earned its points already")
        self.expire(now)
        self._moved(EntryKind.PENDING, now, order, key, None, pending=points)
        order.earned, order.paid = points, paid
        self._record(ev.PendingEarned, now, points, order_id=order_id)
        return self._done(order, key, ("earn", (points, paid)), points)

    def release(
        self, order_id: uuid.UUID, key: str, lot_id: uuid.UUID, programme: Programme,
        now: dt.datetime,
    ) -> int:  # fmt: skip
        """The window closed: what is still pending becomes a lot, expiring as the programme
        says from now."""
        order, known = self._begin(order_id, key, ("release", (lot_id.int,)), now)
        if known is not None:
            return known
        if not order.earned or order.released:
            raise OrderPointsConflict(f"order {order_id} has no pending points")
        if lot_id in self.lots:
            raise InvalidPoints(f"lot {lot_id} exists already")
        self.expire(now)
        points = order.earned - order.reversed
        order.released = True
        if points:
            lot = self._new_lot(points, Source.PURCHASE, lot_id, programme, now, str(order_id))
            self._moved(EntryKind.RELEASE, now, order, key, lot, points, pending=-points)
            order.lot_id = lot.id
            self._repay(now)
            self._record(ev.PendingReleased, now, points, order_id=order_id, lot_id=lot.id)
        return self._done(order, key, ("release", (lot_id.int,)), points)

    def reverse(
        self, order_id: uuid.UUID, key: str, refunded: int, programme: Programme,
        now: dt.datetime,
    ) -> int:  # fmt: skip
        """A refund of ``refunded`` (minor units) takes back the order's earned points in
        proportion to it (PTS-5, PTS-6). Answers the points reversed."""
        check_points(refunded, "an amount refunded")
        order, known = self._begin(order_id, key, ("reverse", (refunded,)), now)
        if known is not None:
            return known
        if not order.earned:
            raise OrderPointsConflict(f"order {order_id} earned no points")
        if order.refunded + refunded > order.paid:
            raise OrderPointsConflict(
                f"order {order_id} paid {order.paid}; {order.refunded} is refunded already"
            )
        self.expire(now)
        order.refunded += refunded
        # by the total refunded, so partial refunds add up to the whole when all is refunded
        points = order.earned * order.refunded // order.paid - order.reversed
        order.reversed += points
        from_pending = forgiven = 0
        if points and not order.released:
            self._moved(EntryKind.PENDING_CANCELLED, now, order, key, None, pending=-points)
            from_pending = points
        elif points:
            forgiven = self._take_back(order, key, points, programme, now)
        self._record(ev.PointsReversed, now, points, order_id=order_id,
                     from_pending=from_pending, forgiven=forgiven)  # fmt: skip
        return self._done(order, key, ("reverse", (refunded,)), points)

    def _take_back(
        self, order: OrderPoints, key: str, points: int, programme: Programme, now: dt.datetime
    ) -> int:
        """Take ``points`` back from the order's own lot, then the lots that expire soonest;
        what they lack is owed or forgiven. Answers what is forgiven."""
        need = points
        own = self.lots.get(order.lot_id) if order.lot_id is not None else None
        if own is None and order.lot_id is not None:
            self.lot(order.lot_id)  # raises: the repository did not load it
        sources = [own] if own is not None and own.remaining and not own.is_due(now) else []
        for lot in sources + [lot for lot in self._open_lots(now) if lot is not own]:
            part = min(need, lot.remaining)
            self._moved(EntryKind.REVERSE, now, order, key, lot, -part)
            need -= part
            if not need:
                return 0
        if self.balance > 0:  # the balance holds points the loaded lots do not
            raise LotsNotLoaded(f"the loaded lots hold fewer than the {points} points to take back")
        if programme.shortfall is ShortfallPolicy.CLAMP:
            order.forgiven += need
            return need
        self._moved(EntryKind.REVERSE, now, order, key, None, -need)
        self.debt += need
        return 0


__all__ = ["KEY_MAX", "REASON_MAX", "PointsAccount"]
