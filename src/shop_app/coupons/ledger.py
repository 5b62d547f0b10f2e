"""The coupons' in-transaction ledger: statistics totals (CPN-11) and the usage log (CPN-9).

Storage adapters implement :class:`~shop_app.shared.unit_of_work.Projection` with
:func:`ledger_changes`: whatever the events of a commit change is written in that same commit,
so the statistics always equal the coupons' states and every use and return is logged exactly
once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

import attrs

from shop_app.coupons.queries import UsageAction, UsageEntry
from shop_domain.coupons import events as ev
from shop_domain.coupons.statistics import StatsDelta, deltas_by_template
from shop_domain.shared.events import DomainEvent


@attrs.frozen
class LedgerChanges:
    deltas: dict[uuid.UUID, StatsDelta]
    usage: tuple[UsageEntry, ...]

    @property
    def empty(self) -> bool:
        return not self.deltas and not self.usage


def ledger_changes(events: Sequence[DomainEvent], new_id: Callable[[], uuid.UUID]) -> LedgerChanges:
    usage = tuple(
        UsageEntry(
            id=new_id(),
            coupon_id=event.coupon_id,
            template_id=event.template_id,
            user_id=event.user_id,
            order_id=event.order_id,
            action=UsageAction.USED if isinstance(event, ev.CouponUsed) else UsageAction.RETURNED,
            discount=event.discount,
            order_amount=event.order_amount,
            at=event.occurred_at,
        )
        for event in events
        if isinstance(event, ev.CouponUsed | ev.CouponReturned)
    )
    return LedgerChanges(deltas_by_template(events), usage)
