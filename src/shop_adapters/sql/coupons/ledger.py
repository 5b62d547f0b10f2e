"""The coupons' in-transaction ledger in SQL: statistics totals (CPN-11) and the usage log
(CPN-9), written by the unit of work's transaction in the same transaction as the coupons.

Each template's totals are spread over :data:`STATS_SLOTS` rows; a commit adds its delta to one
slot, picked at random, with one upsert (``INSERT … ON CONFLICT (template_id, slot) DO UPDATE SET
col = col + excluded.col``, on SQLite and PostgreSQL alike). Two orders using coupons of one hot
template then rarely wait for the same row, and the readers sum the slots. Templates are
written in id order, so two commits touching several templates cannot deadlock.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from shop_adapters.sql.coupons.tables import (
    STATS_COLUMNS,
    STATS_SLOTS,
    coupon_stats,
    coupon_usage_log,
)
from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.uow import SqlUnitOfWork
from shop_app.coupons.ledger import ledger_changes
from shop_domain.shared.events import DomainEvent


def stats_upsert(dialect: str) -> Any:
    """The statement adding a delta to one slot's totals (parameters: template_id, slot and
    every column of :data:`STATS_COLUMNS`)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(coupon_stats)
    return statement.on_conflict_do_update(
        index_elements=[coupon_stats.c.template_id, coupon_stats.c.slot],
        set_={name: coupon_stats.c[name] + statement.excluded[name] for name in STATS_COLUMNS},
    )


_STATS_UPSERT = Prepared(stats_upsert)
_USAGE_LOG = Prepared(coupon_usage_log.insert())


class SqlCouponLedger:
    """A :class:`~shop_app.shared.unit_of_work.Projection` over the unit of work's transaction."""

    def __init__(self, uow: SqlUnitOfWork, *, slots: int = STATS_SLOTS) -> None:
        self._uow = uow
        self._slots = slots

    async def apply(self, events: Sequence[DomainEvent]) -> None:
        changes = ledger_changes(events, self._uow.ids.new_id)
        if changes.empty:
            return
        uow = self._uow
        if changes.deltas:
            # one round for every template, in id order (two commits cannot deadlock)
            uow.write_at_commit(
                _STATS_UPSERT,
                [
                    {
                        "template_id": template_id,
                        "slot": random.randrange(self._slots),
                        **changes.deltas[template_id].as_dict(),
                    }
                    for template_id in sorted(changes.deltas)
                ],
            )
        if changes.usage:
            uow.write_at_commit(
                _USAGE_LOG,
                [
                    {
                        "id": entry.id,
                        "coupon_id": entry.coupon_id,
                        "template_id": entry.template_id,
                        "user_id": entry.user_id,
                        "order_id": entry.order_id,
                        "action": entry.action.value,
                        "discount_minor": entry.discount.minor,
                        "order_amount_minor": entry.order_amount.minor,
                        "currency": entry.discount.currency,
                        "at": entry.at,
                    }
                    for entry in changes.usage
                ],
            )
