"""Commands of the gift-card context: one per use case, each handled by one handler.

Every command names its ``actor`` (an operator's subject, ``user:<id>``, or ``system``): the
operation history (GC-10) records who did what. Commands that carry a secret name it in
``secret_fields`` so the audit log never holds it (SEC-3).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar, Final

import attrs

from shop_domain.giftcards.batch import BatchDefinition
from shop_domain.giftcards.usage import RestoreReason, TenderSplit
from shop_domain.shared.money import Money

# --- batches (operator) -----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CreateBatch:
    """GC-1: ``count`` generated cards, or the given ``numbers`` (vanity numbers)."""

    definition: BatchDefinition
    actor: str
    count: int | None = None
    numbers: tuple[str, ...] | None = None


@attrs.frozen(kw_only=True)
class AddCards:
    """GC-13: more cards for a batch: ``count`` generated, or the given ``numbers``."""

    batch_id: uuid.UUID
    actor: str
    count: int | None = None
    numbers: tuple[str, ...] | None = None


@attrs.frozen(kw_only=True)
class ConfirmGenerated:
    """Sent by the generation job when it has written every requested card."""

    batch_id: uuid.UUID


@attrs.frozen(kw_only=True)
class OpenBatch:
    """GC-3: open a created batch or resume a paused one (needs the key)."""

    batch_id: uuid.UUID
    actor: str
    has_open_permission: bool


@attrs.frozen(kw_only=True)
class PauseBatch:
    batch_id: uuid.UUID
    actor: str


@attrs.frozen(kw_only=True)
class DiscardBatch:
    batch_id: uuid.UUID
    actor: str
    has_open_permission: bool


@attrs.frozen(kw_only=True)
class EditBatch:
    """GC-13: name, remark and the end of the validity window."""

    batch_id: uuid.UUID
    actor: str
    name: str | None = None
    remark: str | None = None
    ends_at: dt.datetime | None = None


# --- cards (operator) -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DiscardCard:
    card_id: uuid.UUID
    actor: str
    reason: str = ""


@attrs.frozen(kw_only=True)
class RevealSecret:
    """GC-11: show one card's secret to a permission holder; the viewing is recorded."""

    card_id: uuid.UUID
    actor: str


@attrs.frozen(kw_only=True)
class BindCard:
    """GC-5, manual: an operator binds a pending card to a user or to a phone number."""

    card_id: uuid.UUID
    actor: str
    user_id: uuid.UUID | None = None
    phone: str | None = None


@attrs.frozen(kw_only=True)
class ResealCards:
    """GC-11: re-seal every card secret under the current key, as a job (``RESEAL_CARDS``)
    queued with this command, so an old key can leave the ring. Answers the job's id."""

    actor: str


# --- customers --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ActivateCard:
    """GC-5, self-service: the user types the card's number and secret. Wrong pairs are counted
    per user and per card number; too many lock either out (the bus's attempt limiting, see
    ``shop_app.giftcards.middlewares``)."""

    secret_fields: ClassVar[tuple[str, ...]] = ("secret",)
    user_id: uuid.UUID
    number: str
    secret: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class BindPurchasedCard:
    """GC-6: the buyer binds a virtual card they bought, without typing anything."""

    card_id: uuid.UUID
    user_id: uuid.UUID


# --- selling and paying (called by the ordering context) --------------------------------------


@attrs.frozen(kw_only=True)
class SellCards:
    """GC-6: assign ``quantity`` unsold virtual cards of the batch to the buyer. Repeating
    the same ``sale_ref`` (the order) returns the cards of the first sale."""

    batch_id: uuid.UUID
    buyer_id: uuid.UUID
    quantity: int
    sale_ref: str
    actor: str


@attrs.frozen(kw_only=True)
class SpendGiftCards:
    """GC-7: pay ``amount`` of an order with the user's cards, taken in the order given; all or
    nothing. Repeating it for the same order returns the first outcome."""

    order_id: uuid.UUID
    user_id: uuid.UUID
    amount: Money
    card_ids: tuple[uuid.UUID, ...]
    actor: str
    sub_order_id: str | None = None
    tender: TenderSplit | None = None


@attrs.frozen(kw_only=True)
class RestoreGiftCards:
    """GC-8: give back what gift cards paid for an order: everything (``amount`` None: the
    order was cancelled or wholly refunded) or ``amount``, split over the cards in proportion.
    A restore is applied once per ``key`` (the refund's id)."""

    order_id: uuid.UUID
    key: str
    reason: RestoreReason
    actor: str
    amount: Money | None = None


# --- exports (GC-12) --------------------------------------------------------------------------

EXPORT_PERMISSION: Final = "giftcards.export"
"""What an operator needs to export cards (both steps; checked by the bus)."""


@attrs.frozen(kw_only=True)
class RequestExportCode:
    """GC-12, step 1: send a one-time code by SMS to the batch owner's phone (or the
    administrator's), for ``actor`` (the operator's subject: the sender's, or the code will not
    match) to export this batch. Answers the ``Challenge`` (the masked phone, until when the code
    works). The bus checks the permission first.

    It changes nothing the shop keeps, so only its refusals are audited; and it takes no
    idempotency key (a retry sends a new code, or is told to wait: ``otp.too_soon``)."""

    idempotent: ClassVar[bool] = False
    audit_when_done: ClassVar[bool] = False
    batch_id: uuid.UUID
    actor: str


@attrs.frozen(kw_only=True)
class StartExport:
    """GC-12, step 2: queue an export of chosen cards (``card_ids``) or of the whole batch
    (None), with the ``code`` just sent for it. The bus checks the permission and spends the code
    before the command runs (``shop_app.giftcards.middlewares``); without a code it is refused
    there."""

    secret_fields: ClassVar[tuple[str, ...]] = ("password", "code")
    batch_id: uuid.UUID
    actor: str
    password: str = attrs.field(repr=False)
    card_ids: tuple[uuid.UUID, ...] | None = None
    code: str | None = attrs.field(default=None, repr=False)


@attrs.frozen(kw_only=True)
class FinishExport:
    export_id: uuid.UUID
    rows: int
    file_name: str


@attrs.frozen(kw_only=True)
class FailExport:
    export_id: uuid.UUID
    error: str
