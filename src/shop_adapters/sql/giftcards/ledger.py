"""The gift cards' in-transaction ledger in SQL: the operation history (GC-10) and the
activation records (GC-9), inserted by the unit of work's transaction in the same transaction as
the cards and batches whose events they follow (see :mod:`shop_app.giftcards.ledger`). Both
tables are append-only: the migration's triggers refuse any UPDATE or DELETE."""

from __future__ import annotations

from collections.abc import Sequence

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.giftcards.tables import giftcard_activations, giftcard_operations
from shop_adapters.sql.uow import SqlUnitOfWork
from shop_app.giftcards.ledger import ledger_entries
from shop_domain.shared.events import DomainEvent

_OPERATIONS = Prepared(giftcard_operations.insert())
_ACTIVATIONS = Prepared(giftcard_activations.insert())


class SqlGiftCardLedger:
    """A :class:`~shop_app.shared.unit_of_work.Projection` over the unit of work's transaction."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def apply(self, events: Sequence[DomainEvent]) -> None:
        entries = ledger_entries(events, self._uow.ids.new_id)
        if entries.empty:
            return
        uow = self._uow
        if entries.operations:
            uow.write_at_commit(
                _OPERATIONS,
                [
                    {
                        "id": entry.id,
                        "batch_id": entry.batch_id,
                        "card_id": entry.card_id,
                        "number": entry.number,
                        "action": entry.action,
                        "actor": entry.actor,
                        "at": entry.at,
                        "detail": entry.detail,
                    }
                    for entry in entries.operations
                ],
            )
        if entries.activations:
            uow.write_at_commit(
                _ACTIVATIONS,
                [
                    {
                        "id": entry.id,
                        "batch_id": entry.batch_id,
                        "card_id": entry.card_id,
                        "number": entry.number,
                        "amount_minor": entry.amount.minor,
                        "currency": entry.amount.currency,
                        "user_id": entry.user_id,
                        "phone": entry.phone,
                        "via": entry.via,
                        "actor": entry.actor,
                        "at": entry.at,
                    }
                    for entry in entries.activations
                ],
            )
