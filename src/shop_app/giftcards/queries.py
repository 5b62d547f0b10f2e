"""The read side of gift cards: plain frozen views built straight from storage (CQRS).

No view ever holds a card secret (GC-11): secrets are read one card at a time through
``RevealSecret``. A card's ``state`` is shown effective: ``expired`` once its validity has
ended (GC-4), whatever is stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Protocol

import attrs

from shop_app.shared.paging import Page, PageRequest
from shop_domain.shared.money import Money


@attrs.frozen
class BatchView:
    id: uuid.UUID
    name: str
    kind: str
    mode: str
    face_value: Money
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    days_from_activation: int | None
    owner: str
    owner_phone: str | None
    card_maker: str | None
    remark: str
    state: str
    requested: int
    generated: int
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    cards_by_state: dict[str, int] = attrs.field(factory=dict)
    """Stored card states (pending, activated, discarded) and ``sold`` (virtual cards sold;
    always 0 for a physical batch)."""


@attrs.frozen
class CardView:
    id: uuid.UUID
    batch_id: uuid.UUID
    batch_name: str
    kind: str
    number: str
    face_value: Money
    balance: Money
    state: str
    """Effective: pending, activated, discarded, or expired."""
    sales_state: str
    user_id: uuid.UUID | None
    phone: str | None
    buyer_id: uuid.UUID | None
    sold_at: dt.datetime | None
    activated_at: dt.datetime | None
    activated_by: str | None
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    created_at: dt.datetime
    batch_state: str
    version: int


@attrs.frozen
class ActivationView:
    """GC-9: an activation record, with the card's current state."""

    id: uuid.UUID
    batch_id: uuid.UUID
    batch_name: str
    card_id: uuid.UUID
    number: str
    amount: Money
    user_id: uuid.UUID | None
    phone: str | None
    via: str
    actor: str
    at: dt.datetime
    card_state: str


@attrs.frozen
class UsageView:
    """GC-8: a usage record."""

    id: uuid.UUID
    batch_id: uuid.UUID
    card_id: uuid.UUID
    number: str
    user_id: uuid.UUID
    order_id: uuid.UUID
    sub_order_id: str | None
    amount: Money
    restored: Money
    state: str
    tender: dict[str, Money] | None
    """``{"cash": …, "points": …, "gift_cards": …}`` when the order gave its split."""
    created_at: dt.datetime
    updated_at: dt.datetime
    phone: str | None = None
    """For a card bound to a phone number: the verified phone it was paid through (GC-5)."""


@attrs.frozen
class OperationView:
    """GC-10: one entry of the append-only operation history."""

    id: uuid.UUID
    batch_id: uuid.UUID
    card_id: uuid.UUID | None
    number: str | None
    action: str
    actor: str
    at: dt.datetime
    detail: dict[str, Any]


@attrs.frozen
class CardLookup:
    """GC-14: everything about one card, for customer service."""

    card: CardView
    batch: BatchView
    activation: ActivationView | None
    usages: tuple[UsageView, ...]
    operations: tuple[OperationView, ...]


@attrs.frozen
class ExportView:
    id: uuid.UUID
    batch_id: uuid.UUID
    state: str
    whole_batch: bool
    chosen: int | None
    rows: int
    file_name: str | None
    requested_by: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None


@attrs.frozen
class ActivationFilter:
    batch_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    number: str | None = None
    via: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@attrs.frozen
class UsageFilter:
    batch_id: uuid.UUID | None = None
    card_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    state: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


class GiftCardQueries(Protocol):
    """Lists are newest first unless said otherwise; ``now`` decides expiry."""

    async def batches(self, page: PageRequest, *, state: str | None = None) -> Page[BatchView]: ...

    async def batch(self, batch_id: uuid.UUID) -> BatchView | None: ...

    async def cards(
        self,
        batch_id: uuid.UUID,
        page: PageRequest,
        now: dt.datetime,
        *,
        state: str | None = None,
        sales_state: str | None = None,
    ) -> Page[CardView]:
        """The batch's cards by number; ``state`` filters on the effective state."""
        ...

    async def card(self, card_id: uuid.UUID, now: dt.datetime) -> CardView | None: ...

    async def lookup(self, number: str, now: dt.datetime) -> CardLookup | None:
        """GC-14, by (normalised) card number: operations oldest first, usages newest first."""
        ...

    async def activations(
        self, page: PageRequest, now: dt.datetime, filters: ActivationFilter = ActivationFilter()
    ) -> Page[ActivationView]: ...

    async def usages(
        self, page: PageRequest, filters: UsageFilter = UsageFilter()
    ) -> Page[UsageView]: ...

    async def history(
        self,
        page: PageRequest,
        *,
        batch_id: uuid.UUID | None = None,
        card_id: uuid.UUID | None = None,
    ) -> Page[OperationView]:
        """Operations oldest first; for a batch, its own and its cards'."""
        ...

    async def user_cards(
        self, user_id: uuid.UUID, now: dt.datetime, page: PageRequest, *, phone: str | None = None
    ) -> Page[CardView]:
        """The cards bound to the user — and, with ``phone`` (the user's verified phone,
        canonical), those bound to that number (GC-5) — newest activation first."""
        ...

    async def purchased(self, user_id: uuid.UUID, now: dt.datetime) -> list[CardView]:
        """Cards the user bought and has not bound yet (GC-6)."""
        ...

    async def export(self, export_id: uuid.UUID) -> ExportView | None: ...

    async def exports(self, batch_id: uuid.UUID, page: PageRequest) -> Page[ExportView]: ...
