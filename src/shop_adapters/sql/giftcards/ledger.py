"""The gift cards' in-transaction ledger in SQL: the operation history (GC-10) and the
activation records (GC-9), inserted by the unit of work's session in the same transaction as
the cards and batches whose events they follow (see :mod:`shop_app.giftcards.ledger`). Both
tables are append-only: the migration's triggers refuse any UPDATE or DELETE."""

from __future__ import annotations

from collections.abc import Sequence

from shop_adapters.sql.giftcards.tables import giftcard_activations, giftcard_operations
from shop_adapters.sql.uow import SqlUnitOfWork, flush
from shop_app.giftcards.ledger import ledger_entries
from shop_domain.shared.events import DomainEvent


class SqlGiftCardLedger:
    """A :class:`~shop_app.shared.unit_of_work.Projection` over the unit of work's session."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def apply(self, events: Sequence[DomainEvent]) -> None:
        entries = ledger_entries(events, self._uow.ids.new_id)
        if entries.empty:
            return
        session = self._uow.session
        await flush(session)  # a stale card or batch fails here, before anything is recorded
        if entries.operations:
            await session.execute(
                giftcard_operations.insert(),
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
            await session.execute(
                giftcard_activations.insert(),
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
