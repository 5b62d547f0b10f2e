"""What the gift cards' read side shows of a runtime, read whole: every batch, card, usage and
operation, through the application's port (``shop.runtime.get(GiftCardQueries)``), page after
page. The gift cards' invariant checks read it once and judge it (see
:mod:`shop_testing.invariants.giftcards`)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import TypeVar

import attrs

from shop_app.giftcards.queries import (
    BatchView,
    CardView,
    GiftCardQueries,
    OperationView,
    UsageView,
)
from shop_app.shared.paging import MAX_PAGE_SIZE, Page, PageRequest
from shop_domain.giftcards.card import CardState
from shop_testing.harness import MemoryShop

T = TypeVar("T")

_STORED_STATES = frozenset(state.value for state in CardState)


async def every_page(fetch: Callable[[PageRequest], Awaitable[Page[T]]]) -> list[T]:
    """Every item of a paged query, page after page."""
    items: list[T] = []
    number = 1
    while True:
        page = await fetch(PageRequest(number, MAX_PAGE_SIZE))
        items.extend(page.items)
        if number >= page.pages:
            return items
        number += 1


@attrs.frozen
class Books:
    """What the read side shows of every batch, card, usage and operation."""

    batches: list[BatchView]
    cards: dict[uuid.UUID, CardView]
    usages: list[UsageView]
    operations: list[OperationView]

    def cards_by_batch(self) -> dict[uuid.UUID, list[CardView]]:
        found: dict[uuid.UUID, list[CardView]] = defaultdict(list)
        for card in self.cards.values():
            found[card.batch_id].append(card)
        return found

    def usages_by_card(self) -> dict[uuid.UUID, list[UsageView]]:
        found: dict[uuid.UUID, list[UsageView]] = defaultdict(list)
        for usage in self.usages:
            found[usage.card_id].append(usage)
        return found

    def operations_by_usage(self, action: str) -> dict[str, list[OperationView]]:
        """The card operations named ``action`` by the usage they were for."""
        found: dict[str, list[OperationView]] = defaultdict(list)
        for op in self.operations:
            if op.action == action and op.card_id is not None:
                found[str(op.detail.get("usage_id"))].append(op)
        return found


async def read_books(shop: MemoryShop) -> Books:
    """Everything the gift cards' read side shows, cards as of the shop's clock."""
    queries: GiftCardQueries = shop.runtime.get(GiftCardQueries)
    now = shop.clock.now()
    batches = await every_page(queries.batches)
    cards: dict[uuid.UUID, CardView] = {}
    for batch in batches:

        async def page_of(page: PageRequest, batch_id: uuid.UUID = batch.id) -> Page[CardView]:
            return await queries.cards(batch_id, page, now)

        cards.update((card.id, card) for card in await every_page(page_of))
    usages = await every_page(queries.usages)
    operations = await every_page(queries.history)
    return Books(batches, cards, usages, operations)


def stored_state(card: CardView) -> str:
    """The card's stored state: a view shows ``expired`` for a card whose validity has ended,
    which is a pending card if it was never activated and an activated one otherwise."""
    if card.state in _STORED_STATES:
        return card.state
    return CardState.ACTIVATED.value if card.activated_at is not None else CardState.PENDING.value


__all__ = ["Books", "every_page", "read_books", "stored_state"]
