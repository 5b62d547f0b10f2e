"""Response bodies of the gift-card back office: batches, cards, their records, lookups, the
one revealed secret and exports, built from the read models of :mod:`shop_app.giftcards.queries`
and the command results (never from aggregates). Sales, payments and restores answer with
:mod:`shop_adapters.http.giftcards.responses_tender`, customers with
:mod:`shop_adapters.http.giftcards.responses_customer`; request bodies are in
:mod:`shop_adapters.http.giftcards.requests`.

Amounts are exact decimal *strings* in major units (``"100.00"``) next to their ISO 4217
``currency``, never floats (MON-1); amounts read back are :class:`MoneySchema` objects.

No response schema has a field for a card's secret except :class:`SecretOut`, the answer of the
one route that reveals one card's secret to a permission holder (GC-11).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import msgspec

from shop_adapters.http.schemas import MoneySchema
from shop_app.giftcards.queries import (
    ActivationView,
    BatchView,
    CardLookup,
    CardView,
    ExportView,
    OperationView,
    UsageView,
)
from shop_app.giftcards.results import RevealedSecret
from shop_domain.shared.money import Money


class CardStateFilter(enum.StrEnum):
    """A card's effective state: ``expired`` once its validity has ended (GC-4)."""

    PENDING = "pending"
    ACTIVATED = "activated"
    DISCARDED = "discarded"
    EXPIRED = "expired"


def money_out(value: Money) -> MoneySchema:
    return MoneySchema.from_domain(value)


def maybe_money_out(value: Money | None) -> MoneySchema | None:
    return None if value is None else MoneySchema.from_domain(value)


# --- responses: operators ----------------------------------------------------------------------


class ValidityOut(msgspec.Struct, frozen=True):
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    days_from_activation: int | None


class BatchOut(msgspec.Struct, frozen=True):
    """A batch: its definition, state (``created``, ``opened``, ``paused``, ``discarded``) and
    ``generated`` of ``requested`` cards written so far. ``cards_by_state`` counts stored
    card states (and ``sold`` for virtual batches)."""

    id: uuid.UUID
    name: str
    kind: str
    mode: str
    face_value: MoneySchema
    validity: ValidityOut
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
    cards_by_state: dict[str, int]

    @classmethod
    def of(cls, view: BatchView) -> BatchOut:
        return cls(
            id=view.id,
            name=view.name,
            kind=view.kind,
            mode=view.mode,
            face_value=money_out(view.face_value),
            validity=ValidityOut(
                starts_at=view.starts_at,
                ends_at=view.ends_at,
                days_from_activation=view.days_from_activation,
            ),
            owner=view.owner,
            owner_phone=view.owner_phone,
            card_maker=view.card_maker,
            remark=view.remark,
            state=view.state,
            requested=view.requested,
            generated=view.generated,
            created_by=view.created_by,
            created_at=view.created_at,
            updated_at=view.updated_at,
            version=view.version,
            cards_by_state=dict(view.cards_by_state),
        )


class BatchStartedOut(msgspec.Struct, frozen=True):
    """A batch was created or given more cards. ``job_id``: the job writing generated cards
    (progress at ``GET /jobs/{job_id}`` and in the batch's ``generated``); ``null`` when the
    given numbers were written at once."""

    batch_id: uuid.UUID
    requested: int
    job_id: uuid.UUID | None
    batch: BatchOut


class CardOut(msgspec.Struct, frozen=True):
    """A card as operators see it — never its secret (GC-11). ``state`` is effective:
    ``pending``, ``activated``, ``discarded`` or ``expired`` (GC-4)."""

    id: uuid.UUID
    batch_id: uuid.UUID
    batch_name: str
    batch_state: str
    kind: str
    number: str
    face_value: MoneySchema
    balance: MoneySchema
    state: str
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
    version: int

    @classmethod
    def of(cls, view: CardView) -> CardOut:
        return cls(
            id=view.id,
            batch_id=view.batch_id,
            batch_name=view.batch_name,
            batch_state=view.batch_state,
            kind=view.kind,
            number=view.number,
            face_value=money_out(view.face_value),
            balance=money_out(view.balance),
            state=view.state,
            sales_state=view.sales_state,
            user_id=view.user_id,
            phone=view.phone,
            buyer_id=view.buyer_id,
            sold_at=view.sold_at,
            activated_at=view.activated_at,
            activated_by=view.activated_by,
            valid_from=view.valid_from,
            valid_until=view.valid_until,
            created_at=view.created_at,
            version=view.version,
        )


class ActivationOut(msgspec.Struct, frozen=True):
    """GC-9: an activation record (``via``: ``manual``, ``self`` or ``purchase``; ``actor``:
    the operator, or ``user:<id>``), with the card's current state."""

    id: uuid.UUID
    batch_id: uuid.UUID
    batch_name: str
    card_id: uuid.UUID
    number: str
    amount: MoneySchema
    user_id: uuid.UUID | None
    phone: str | None
    via: str
    actor: str
    at: dt.datetime
    card_state: str

    @classmethod
    def of(cls, view: ActivationView) -> ActivationOut:
        return cls(
            id=view.id,
            batch_id=view.batch_id,
            batch_name=view.batch_name,
            card_id=view.card_id,
            number=view.number,
            amount=money_out(view.amount),
            user_id=view.user_id,
            phone=view.phone,
            via=view.via,
            actor=view.actor,
            at=view.at,
            card_state=view.card_state,
        )


class TenderOut(msgspec.Struct, frozen=True):
    cash: MoneySchema | None = None
    points: MoneySchema | None = None
    gift_cards: MoneySchema | None = None


def _tender(tender: dict[str, Money] | None) -> TenderOut | None:
    if tender is None:
        return None
    return TenderOut(
        cash=maybe_money_out(tender.get("cash")),
        points=maybe_money_out(tender.get("points")),
        gift_cards=maybe_money_out(tender.get("gift_cards")),
    )


class UsageOut(msgspec.Struct, frozen=True):
    """GC-8: one card's part of an order's payment. ``state``: ``valid``,
    ``partially_refunded`` or ``invalid``; ``restored``: what went back to the card; ``phone``:
    for a card bound to a phone number, the verified phone it was paid through (GC-5)."""

    id: uuid.UUID
    batch_id: uuid.UUID
    card_id: uuid.UUID
    number: str
    user_id: uuid.UUID
    order_id: uuid.UUID
    sub_order_id: str | None
    amount: MoneySchema
    restored: MoneySchema
    state: str
    tender: TenderOut | None
    created_at: dt.datetime
    updated_at: dt.datetime
    phone: str | None

    @classmethod
    def of(cls, view: UsageView) -> UsageOut:
        return cls(
            id=view.id,
            batch_id=view.batch_id,
            card_id=view.card_id,
            number=view.number,
            user_id=view.user_id,
            order_id=view.order_id,
            sub_order_id=view.sub_order_id,
            amount=money_out(view.amount),
            restored=money_out(view.restored),
            state=view.state,
            tender=_tender(view.tender),
            created_at=view.created_at,
            updated_at=view.updated_at,
            phone=view.phone,
        )


class OperationOut(msgspec.Struct, frozen=True):
    """GC-10: one entry of the append-only operation history."""

    id: uuid.UUID
    batch_id: uuid.UUID
    card_id: uuid.UUID | None
    number: str | None
    action: str
    actor: str
    at: dt.datetime
    detail: dict[str, Any]

    @classmethod
    def of(cls, view: OperationView) -> OperationOut:
        return cls(
            id=view.id,
            batch_id=view.batch_id,
            card_id=view.card_id,
            number=view.number,
            action=view.action,
            actor=view.actor,
            at=view.at,
            detail=dict(view.detail),
        )


class LookupOut(msgspec.Struct, frozen=True):
    """GC-14: everything about one card, for customer service (never its secret)."""

    card: CardOut
    batch: BatchOut
    activation: ActivationOut | None
    usages: list[UsageOut]
    operations: list[OperationOut]

    @classmethod
    def of(cls, lookup: CardLookup) -> LookupOut:
        return cls(
            card=CardOut.of(lookup.card),
            batch=BatchOut.of(lookup.batch),
            activation=None if lookup.activation is None else ActivationOut.of(lookup.activation),
            usages=[UsageOut.of(u) for u in lookup.usages],
            operations=[OperationOut.of(o) for o in lookup.operations],
        )


class SecretOut(msgspec.Struct, frozen=True):
    """GC-11: one card's secret, for a holder of the permission; the viewing is recorded."""

    card_id: uuid.UUID
    number: str
    secret: str

    @classmethod
    def of(cls, revealed: RevealedSecret) -> SecretOut:
        return cls(card_id=revealed.card_id, number=revealed.number, secret=revealed.secret)


# --- exports (GC-12) ---------------------------------------------------------------------------


class CodeSentOut(msgspec.Struct, frozen=True):
    """GC-12: a one-time code went by SMS to ``phone`` (masked); it works until
    ``expires_at``."""

    phone: str
    expires_at: dt.datetime


class ExportAcceptedOut(msgspec.Struct, frozen=True):
    """The export is queued; the job writes the file (``GET /jobs/{job_id}``)."""

    export_id: uuid.UUID
    job_id: uuid.UUID


class ExportOut(msgspec.Struct, frozen=True):
    """An export: ``queued``, ``ready`` (the file can be downloaded) or ``failed``."""

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

    @classmethod
    def of(cls, view: ExportView) -> ExportOut:
        return cls(
            id=view.id,
            batch_id=view.batch_id,
            state=view.state,
            whole_batch=view.whole_batch,
            chosen=view.chosen,
            rows=view.rows,
            file_name=view.file_name,
            requested_by=view.requested_by,
            created_at=view.created_at,
            finished_at=view.finished_at,
            error=view.error,
        )


__all__ = [
    "money_out",
    "maybe_money_out",
    "ActivationOut",
    "BatchOut",
    "BatchStartedOut",
    "CardOut",
    "CardStateFilter",
    "CodeSentOut",
    "ExportAcceptedOut",
    "ExportOut",
    "LookupOut",
    "OperationOut",
    "SecretOut",
    "TenderOut",
    "UsageOut",
    "ValidityOut",
]
