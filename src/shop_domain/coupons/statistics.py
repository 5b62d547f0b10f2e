"""Per-template statistics (CPN-11) as a fold over coupon events.

The counts of coupons by state are *current* (a released coupon leaves ``locked``); ``issued``
and ``claimed`` only grow; ``discount``, ``gmv`` and ``orders`` cover the coupons used and not
returned. Storage keeps the running totals up to date in the same transaction as the coupons
(see the adapters), so reading the statistics never scans coupons.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import attrs

from shop_domain.coupons import events as ev
from shop_domain.shared.events import DomainEvent


@attrs.frozen
class StatsDelta:
    issued: int = 0
    claimed: int = 0
    available: int = 0
    locked: int = 0
    used: int = 0
    expired: int = 0
    voided: int = 0
    discount_minor: int = 0
    gmv_minor: int = 0
    orders: int = 0
    distinct_users: int = 0

    def __add__(self, other: StatsDelta) -> StatsDelta:
        return StatsDelta(
            **{
                f.name: getattr(self, f.name) + getattr(other, f.name)
                for f in attrs.fields(StatsDelta)
            }
        )

    def as_dict(self) -> dict[str, int]:
        return attrs.asdict(self)

    @property
    def is_zero(self) -> bool:
        return not any(self.as_dict().values())


ZERO = StatsDelta()


def _moved(from_state: str, to_state: str) -> dict[str, int]:
    moves = {from_state: -1}
    moves[to_state] = moves.get(to_state, 0) + 1
    return moves


def delta_for(event: DomainEvent) -> StatsDelta | None:
    """How ``event`` changes its template's statistics; None for events that do not."""
    match event:
        case ev.CouponClaimed() | ev.CouponIssued():
            return StatsDelta(
                issued=1,
                claimed=1 if isinstance(event, ev.CouponClaimed) else 0,
                available=1,
                distinct_users=1 if event.first_for_user else 0,
            )
        case ev.CouponLocked():
            return StatsDelta(**_moved("available", "locked"))
        case ev.CouponUsed():
            return StatsDelta(
                **_moved("locked", "used"),
                discount_minor=event.discount.minor,
                gmv_minor=event.order_amount.minor,
                orders=1,
            )
        case ev.CouponReleased():
            return StatsDelta(**_moved("locked", event.to_state))
        case ev.CouponReturned():
            return StatsDelta(
                **_moved("used", event.to_state),
                discount_minor=-event.discount.minor,
                gmv_minor=-event.order_amount.minor,
                orders=-1,
            )
        case ev.CouponExpired():
            return StatsDelta(**_moved("available", "expired"))
        case ev.CouponVoided():
            return StatsDelta(**_moved("available", "voided"))
    return None


def deltas_by_template(events: Iterable[DomainEvent]) -> dict[uuid.UUID, StatsDelta]:
    """The summed delta of each template touched by ``events`` (zero sums left out)."""
    sums: dict[uuid.UUID, StatsDelta] = {}
    for event in events:
        delta = delta_for(event)
        if delta is not None and isinstance(event, ev.CouponEvent):
            sums[event.template_id] = sums.get(event.template_id, ZERO) + delta
    return {key: value for key, value in sums.items() if not value.is_zero}
