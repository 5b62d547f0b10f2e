"""The checkout's gift-card tender read from the gift-card context (:class:`GiftCardWallet`):
the customer's cards that can pay now, through that context's own read side and its verified
phones (a card an operator bound to the customer's phone is theirs too, GC-5)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

from shop_app.giftcards.ports import VerifiedPhones
from shop_app.giftcards.queries import CardView, GiftCardQueries
from shop_app.ordering.ports import TenderCard
from shop_app.shared.paging import PageRequest
from shop_domain.giftcards.batch import BatchState

PAGE: Final = 100
MAX_PAGES: Final = 10
"""A customer with more than a thousand cards is offered the first thousand read."""


def _usable(card: CardView, now: dt.datetime) -> bool:
    return (
        card.state == "activated"
        and card.batch_state == BatchState.OPENED.value
        and card.balance.is_positive()
        and (card.valid_from is None or card.valid_from <= now)
        and (card.valid_until is None or now < card.valid_until)
    )


class QueriedGiftCards:
    def __init__(self, queries: GiftCardQueries, phones: VerifiedPhones) -> None:
        self._queries, self._phones = queries, phones

    async def usable(self, user_id: uuid.UUID, now: dt.datetime) -> list[TenderCard]:
        phone = await self._phones.verified_phone(user_id)
        cards: list[CardView] = []
        for number in range(1, MAX_PAGES + 1):
            page = await self._queries.user_cards(
                user_id, now, PageRequest(page=number, page_size=PAGE), phone=phone
            )
            cards.extend(page.items)
            if number * PAGE >= page.total:
                break
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        found = sorted(
            (card for card in cards if _usable(card, now)),
            key=lambda card: (card.valid_until or far, card.number),
        )
        return [
            TenderCard(
                card_id=card.id,
                number=card.number,
                balance=card.balance,
                valid_until=card.valid_until,
            )
            for card in found
        ]


__all__ = ["QueriedGiftCards"]
