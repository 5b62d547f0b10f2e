"""The participation log (PRO-7): each time an order takes a promotion, one entry (promotion,
user, order); the promotion's limits — per user and in total (``definition.limits``) — count the
entries that are not released.

An order counts once per promotion whatever it buys: "a free gift once per member" is one
participation per order. Cancelling the order releases its entries, which then count no more
(and stay in the log, with the time they were released).

The rules say what a participation needs: the promotion is active, and one more participation
stays within its limits. Checking them against counts read at one moment is not enough under
concurrency; the store takes a participation only if the counts, as they are when it is
written, allow it (see ``shop_app.pricing.participation_ports``), and these rules explain why
one was refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

import attrs

from shop_domain.pricing.terms import PromotionLimits
from shop_domain.shared.errors import Conflict
from shop_domain.shared.rules import BusinessRule, BusinessRuleBroken


@attrs.frozen(kw_only=True)
class Participation:
    """One entry of the log: ``order_id`` of ``user_id`` took ``promotion_id`` at
    ``recorded_at``; ``released_at`` once the order was cancelled."""

    promotion_id: uuid.UUID
    user_id: uuid.UUID
    order_id: uuid.UUID
    recorded_at: dt.datetime
    released_at: dt.datetime | None = None

    @property
    def counts(self) -> bool:
        """Whether it counts toward the promotion's limits (it is not released)."""
        return self.released_at is None

    def release(self, now: dt.datetime) -> Participation:
        """Released at ``now`` (an entry released already keeps its first release)."""
        return self if self.released_at is not None else attrs.evolve(self, released_at=now)


@attrs.frozen
class Tally:
    """The participations of one promotion that count: in all, and of one user."""

    total: int = 0
    of_user: int = 0


# --- the rules --------------------------------------------------------------------------------


@attrs.frozen
class PromotionIsActive:
    """Only an active promotion is taken: not a draft, a paused or an ended one, nor one whose
    window has not begun."""

    code: ClassVar[str] = "promotion.not_active"
    kind: ClassVar[str] = "conflict"
    promotion_id: uuid.UUID
    status: str

    def is_broken(self) -> bool:
        return self.status != "active"

    def message(self) -> str:
        return f"promotion {self.promotion_id} is {self.status}, not active"


@attrs.frozen
class WithinTotalLimit:
    """PRO-7: the participations that count never pass the promotion's total."""

    code: ClassVar[str] = "promotion.total_limit"
    kind: ClassVar[str] = "conflict"
    promotion_id: uuid.UUID
    taken: int
    limit: int | None

    def is_broken(self) -> bool:
        return self.limit is not None and self.taken >= self.limit

    def message(self) -> str:
        return f"promotion {self.promotion_id} has been taken its most times ({self.limit})"


@attrs.frozen
class WithinPerUserLimit:
    """PRO-7: no user's participations that count pass the promotion's per-user limit (a free
    gift once per member)."""

    code: ClassVar[str] = "promotion.per_user_limit"
    kind: ClassVar[str] = "conflict"
    promotion_id: uuid.UUID
    taken: int
    limit: int | None

    def is_broken(self) -> bool:
        return self.limit is not None and self.taken >= self.limit

    def message(self) -> str:
        return f"you have taken promotion {self.promotion_id} its most times ({self.limit})"


class ParticipationRefused(BusinessRuleBroken):
    """A rule of PRO-7 refused a participation; ``details`` name the promotion (and the limit
    that was reached)."""

    def __init__(self, rule: BusinessRule) -> None:
        super().__init__(rule)
        details: dict[str, object] = {"promotion_id": str(getattr(rule, "promotion_id", ""))}
        limit = getattr(rule, "limit", None)
        if limit is not None:
            details["limit"] = limit
        self.details = details


def check(rule: BusinessRule) -> None:
    """Raise :class:`ParticipationRefused` if ``rule`` is broken."""
    if rule.is_broken():
        raise ParticipationRefused(rule)


def limit_rules(
    promotion_id: uuid.UUID, limits: PromotionLimits, tally: Tally
) -> tuple[WithinTotalLimit, WithinPerUserLimit]:
    """The limit rules one more participation must keep, given what counts now: the total
    first, then the user's."""
    return (
        WithinTotalLimit(promotion_id, tally.total, limits.total),
        WithinPerUserLimit(promotion_id, tally.of_user, limits.per_user),
    )


def admit(promotion_id: uuid.UUID, limits: PromotionLimits, tally: Tally) -> None:
    """Raise :class:`ParticipationRefused` unless one more participation fits ``limits``."""
    for rule in limit_rules(promotion_id, limits, tally):
        check(rule)


class ParticipationConflict(Conflict):
    """The order's participation in the promotion cannot be recorded again: it was released
    (the order was cancelled), or it was recorded for another user."""

    code = "promotion.participation_conflict"


__all__ = [
    "Participation",
    "ParticipationConflict",
    "ParticipationRefused",
    "PromotionIsActive",
    "Tally",
    "WithinPerUserLimit",
    "WithinTotalLimit",
    "admit",
    "check",
    "limit_rules",
]
