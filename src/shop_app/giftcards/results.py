"""What gift-card commands answer (registered with the codec, so idempotent replays rebuild
them)."""

from __future__ import annotations

import uuid

import attrs

from shop_app.shared import codec
from shop_domain.shared.money import Money


@attrs.frozen
class BatchStarted:
    """A batch was created, or cards added: ``job_id`` is the job writing the cards (None when
    the given numbers were written at once)."""

    batch_id: uuid.UUID
    requested: int
    job_id: uuid.UUID | None


@attrs.frozen
class RevealedSecret:
    card_id: uuid.UUID
    number: str
    secret: str = attrs.field(repr=False)


@attrs.frozen
class SoldCard:
    card_id: uuid.UUID
    number: str


@attrs.frozen
class Charge:
    """One card's part of an order's payment."""

    card_id: uuid.UUID
    number: str
    usage_id: uuid.UUID
    amount: Money
    balance: Money


@attrs.frozen
class Charged:
    order_id: uuid.UUID
    amount: Money
    charges: tuple[Charge, ...]


@attrs.frozen
class Given:
    """One card's part of a restore."""

    card_id: uuid.UUID
    usage_id: uuid.UUID
    amount: Money
    balance: Money
    usage_state: str


@attrs.frozen
class Restored:
    order_id: uuid.UUID
    key: str
    amount: Money | None
    """What this restore gave back in all (None when nothing was left to give)."""
    given: tuple[Given, ...]
    repeated: bool = False
    """True when this key had been applied already (nothing changed this time)."""


@attrs.frozen
class ExportStarted:
    export_id: uuid.UUID
    job_id: uuid.UUID


# a retried command answers its first result, stored by the bus (SEC-5); RevealedSecret is
# deliberately not registered: a secret is never stored as an idempotent outcome
codec.register(BatchStarted, SoldCard, Charge, Charged, Given, Restored, ExportStarted)
