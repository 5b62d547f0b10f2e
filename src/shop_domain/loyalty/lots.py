"""What a points account is made of: lots (PTS-2) and the entries that change them (PTS-8).

Every grant is a :class:`Lot`: the points granted, what is left of them, when and why they
were granted and when they expire. Every change to an account is an :class:`Entry` with three
figures — the change to the *balance* (the points the customer may use now), to the *pending*
points (earned by purchases still inside their after-sales window, PTS-5) and to the *held*
points (set aside for an order not yet paid) — and each figure after it. So each of the three
always equals the sum of its entries, and an entry that moves points into, out of or within a
lot names that lot: a lot's ``remaining`` is the sum of the balance changes of its entries.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import attrs

from shop_domain.loyalty.errors import InvalidPoints

MAX_POINTS = 10**12
"""No single change moves more points than this."""


def check_points(value: Any, what: str = "points") -> int:
    """``value`` as a positive whole number of points, or :class:`InvalidPoints`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_POINTS:
        raise InvalidPoints(
            f"{what} is a whole number from 1 to {MAX_POINTS}", details={"points": repr(value)}
        )
    return value


class Source(enum.StrEnum):
    """Why a lot was granted (PTS-1)."""

    PURCHASE = "purchase"
    CHECK_IN = "check_in"
    ACTIVITY = "activity"
    REVIEW = "review"
    ADJUSTMENT = "adjustment"


class EntryKind(enum.StrEnum):
    EARN = "earn"
    """A lot granted: balance up."""
    PENDING = "pending"
    """Points earned by a purchase, pending until its window closes (PTS-5): pending up."""
    PENDING_CANCELLED = "pending_cancelled"
    """Pending points a refund cancelled before they were released: pending down."""
    RELEASE = "release"
    """Pending points released into a lot: pending down, balance up."""
    SPEND = "spend"
    """Points of a lot spent: balance down."""
    HOLD = "hold"
    """Points of a lot set aside for an order: balance down, held up."""
    CAPTURE = "capture"
    """Held points spent as the order is paid: held down."""
    UNHOLD = "unhold"
    """Held points given back to their lot as the order is cancelled: held down, balance up."""
    RESTORE = "restore"
    """Spent points given back to their lot by a refund (PTS-6): balance up."""
    EXPIRE = "expire"
    """What was left of a lot when it expired (PTS-7), or held points of a lot that expired
    while held: balance (or held) down."""
    REVERSE = "reverse"
    """Points a refund takes back from a lot, or — with no lot — what the balance owes when
    they were spent already (PTS-6): balance down."""
    REPAY = "repay"
    """Points of a new lot that pay back what the balance owed: balance unchanged, one entry
    on the lot (down) and one without (up)."""
    ADJUST = "adjust"
    """An operator's change, with its reason: balance up (a lot of its own) or down."""


@attrs.define(slots=False, eq=False)
class Lot:
    """Points granted together: ``remaining`` of ``granted`` are left to spend."""

    id: uuid.UUID
    source: Source
    granted: int
    remaining: int
    granted_at: dt.datetime
    expires_at: dt.datetime | None
    ref: str | None = None
    """What granted it: an order's id, an activity's, a review's."""
    expired: bool = False
    """Whether it expired holding points: the sweep, or an operation at or after
    ``expires_at``, wrote its ``expire`` entry."""

    def spend_order(self) -> tuple[bool, dt.datetime, dt.datetime, int]:
        """Lots are spent soonest-expiring first (PTS-3): then never-expiring, each group by
        grant time, then by id."""
        never = self.expires_at is None
        expires = self.granted_at if self.expires_at is None else self.expires_at
        return (never, expires, self.granted_at, self.id.int)

    def is_due(self, now: dt.datetime) -> bool:
        """Whether the lot has expired at ``now`` (its last day is over)."""
        return self.expires_at is not None and self.expires_at <= now


@attrs.frozen(slots=False)
class Entry:
    """One change to an account: immutable once written (PTS-8). (Not slotted: persistence
    reads and writes its fields through the instance dict.)"""

    seq: int
    """Its place in the account's history, from 1."""
    kind: EntryKind
    at: dt.datetime
    points: int
    """The change to the balance."""
    balance_after: int
    pending: int = 0
    pending_after: int = 0
    held: int = 0
    held_after: int = 0
    lot_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    key: str | None = None
    """The order command's key, for entries an order command wrote."""
    reason: str | None = None
    actor: str = "system"


@attrs.frozen
class Part:
    """Points of one lot that an order holds or spent, and how many came back."""

    lot_id: uuid.UUID
    points: int
    expires_at: dt.datetime | None
    returned: int = 0
    """Given back (restored or unheld) or forfeited because the lot had expired."""

    @property
    def left(self) -> int:
        return self.points - self.returned


__all__ = ["MAX_POINTS", "Entry", "EntryKind", "Lot", "Part", "Source", "check_points"]
