"""The books of a points account (PTS-2, PTS-3, PTS-7, PTS-8): lots, entries, and the figures
they add up to.

::

    balance  = the points the customer may use now = Σ entries' points
             = Σ open lots' remaining − debt
    held     = points set aside for unpaid orders  = Σ entries' held
    pending  = points earned, not yet released     = Σ entries' pending

**Loaded lots.** An account's history may hold thousands of lots (years of daily check-ins);
an operation never reads them all. :attr:`PointsAccount.lots` holds the lots a repository
loaded for the operation: every open lot that is due (so the account is exact at ``now``), the
soonest-expiring open lots that cover the points it asks for, and the lots its order names. In
memory every lot is there. An operation that finds fewer than the balance promises raises
:class:`~shop_domain.loyalty.errors.LotsNotLoaded` — a repository's bug, never the customer's.

**Time.** Every operation takes ``now`` and first expires the due lots it holds, so a lot is
never spent, held or restored to after its last day, whether or not the sweep (PTS-7) has run.

**Debt.** With :attr:`ShortfallPolicy.NEGATIVE`, a reversal that finds its points spent takes
the balance below zero (``debt``); points added later — granted, released, restored, unheld —
repay it first (``repay`` entries), so while there is debt no lot holds points.

The commands — grant, adjust, and those an order calls — are
:class:`~shop_domain.loyalty.account.PointsAccount`'s.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

from shop_domain.loyalty import events as ev
from shop_domain.loyalty.errors import InsufficientPoints, InvalidPoints, LotsNotLoaded
from shop_domain.loyalty.lots import Entry, EntryKind, Lot, Source
from shop_domain.loyalty.orders import OrderPoints
from shop_domain.loyalty.programme import Programme
from shop_domain.shared.aggregate import Aggregate


class PointsBooks(Aggregate):
    """The books of :class:`~shop_domain.loyalty.account.PointsAccount`, which declares the
    fields (this base is not an attrs class of its own: it adds methods, not fields)."""

    user_id: uuid.UUID
    created_at: dt.datetime
    balance: int
    pending: int
    held: int
    debt: int
    seq: int
    lots: dict[uuid.UUID, Lot]
    orders: dict[uuid.UUID, OrderPoints]
    entries: list[Entry]

    # --- reading ----------------------------------------------------------------------------

    @property
    def available(self) -> int:
        """What may be spent or held (never below zero), as of the last operation."""
        return max(0, self.balance)

    def available_at(self, now: dt.datetime) -> int:
        """What may be spent or held at ``now``: :attr:`available` less what the lots due by
        then hold (loaded, as every due lot is)."""
        due = sum(
            lot.remaining for lot in self.lots.values() if not lot.expired and lot.is_due(now)
        )
        return max(0, self.balance - due)

    # --- expiring ---------------------------------------------------------------------------

    def expire(self, now: dt.datetime) -> int:
        """Expire every loaded lot that is due at ``now``: one entry per lot with points left
        (PTS-7). Idempotent: a lot expires once. The points expired."""
        expired = lots = 0
        for lot in sorted(self.lots.values(), key=Lot.spend_order):
            if lot.expired or not lot.remaining or not lot.is_due(now):
                continue
            lot.expired = True
            expired += lot.remaining
            lots += 1
            self._write(EntryKind.EXPIRE, now, -lot.remaining, lot=lot)
        if expired:
            self._record(ev.PointsExpired, now, expired, lots=lots)
        return expired

    # --- the parts the order commands share ----------------------------------------------

    def take(self, points: int, now: dt.datetime) -> list[tuple[Lot, int]]:
        """Which lots ``points`` come from: the soonest-expiring first (PTS-3). Changes
        nothing; refuses more than the balance."""
        available = self.available_at(now)
        if points > available:
            raise InsufficientPoints(points, available)
        taken: list[tuple[Lot, int]] = []
        need = points
        for lot in self._open_lots(now):
            part = min(need, lot.remaining)
            taken.append((lot, part))
            need -= part
            if not need:
                return taken
        raise LotsNotLoaded(f"the loaded lots hold fewer than the {points} points asked for")

    def lot(self, lot_id: uuid.UUID) -> Lot:
        found = self.lots.get(lot_id)
        if found is None:
            raise LotsNotLoaded(f"lot {lot_id} is not loaded")
        return found

    def _open_lots(self, now: dt.datetime) -> Iterator[Lot]:
        for lot in sorted(self.lots.values(), key=Lot.spend_order):
            if lot.remaining and not lot.is_due(now):
                yield lot

    def _new_lot(
        self,
        points: int,
        source: Source,
        lot_id: uuid.UUID,
        programme: Programme,
        now: dt.datetime,
        ref: str | None,
    ) -> Lot:
        if lot_id in self.lots:
            raise InvalidPoints(f"lot {lot_id} exists already")
        lot = Lot(lot_id, source, points, 0, now, programme.expiry.expires_at(now), ref)
        self.lots[lot_id] = lot
        return lot

    def _repay(self, now: dt.datetime) -> None:
        """Let open lots pay back what the balance owes."""
        if not self.debt:
            return
        for lot in list(self._open_lots(now)):
            part = min(self.debt, lot.remaining)
            self._write(EntryKind.REPAY, now, -part, lot=lot)
            self.debt -= part
            self._write(EntryKind.REPAY, now, part)
            if not self.debt:
                return

    def _write(
        self,
        kind: EntryKind,
        now: dt.datetime,
        points: int,
        *,
        pending: int = 0,
        held: int = 0,
        lot: Lot | None = None,
        order_id: uuid.UUID | None = None,
        key: str | None = None,
        reason: str | None = None,
        actor: str = "system",
    ) -> Entry:
        """Write one entry and apply it: the figures, and the lot's remaining."""
        self.balance += points
        self.pending += pending
        self.held += held
        if lot is not None:
            lot.remaining += points
            if lot.remaining < 0 or lot.remaining > lot.granted:
                raise AssertionError(f"lot {lot.id} would hold {lot.remaining}")
        if self.pending < 0 or self.held < 0:
            raise AssertionError("pending and held points are never negative")
        self.seq += 1
        entry = Entry(
            self.seq, kind, now, points, self.balance, pending, self.pending, held, self.held,
            None if lot is None else lot.id, order_id, key, reason, actor,
        )  # fmt: skip
        self.entries.append(entry)
        return entry

    def _record(
        self, event: type[ev.PointsEvent], now: dt.datetime, points: int, **more: object
    ) -> None:
        self.record(
            event(
                occurred_at=now,
                account_id=self.id,
                user_id=self.user_id,
                points=points,
                balance_after=self.balance,
                pending_after=self.pending,
                held_after=self.held,
                **more,  # type: ignore[arg-type]
            )
        )


__all__ = ["PointsBooks"]
