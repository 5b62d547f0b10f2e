"""Response bodies of the gift cards' money operations: sales of virtual cards (GC-6),
payments (GC-7) and restores (GC-8), built from the command results. Amounts are
:class:`~shop_adapters.http.schemas.MoneySchema` objects (MON-1).
"""

from __future__ import annotations

import uuid

import msgspec

from shop_adapters.http.giftcards.responses import maybe_money_out, money_out
from shop_adapters.http.schemas import MoneySchema
from shop_app.giftcards.results import Charge, Charged, Given, Restored, SoldCard


class SoldCardOut(msgspec.Struct, frozen=True):
    card_id: uuid.UUID
    number: str

    @classmethod
    def of(cls, sold: SoldCard) -> SoldCardOut:
        return cls(card_id=sold.card_id, number=sold.number)


class SaleOut(msgspec.Struct, frozen=True):
    """GC-6: the cards assigned to the buyer (the first sale's, for a repeated ``sale_ref``)."""

    batch_id: uuid.UUID
    buyer_id: uuid.UUID
    sale_ref: str
    cards: list[SoldCardOut]


class ChargeOut(msgspec.Struct, frozen=True):
    """One card's part of an order's payment, and its balance afterwards."""

    card_id: uuid.UUID
    number: str
    usage_id: uuid.UUID
    amount: MoneySchema
    balance: MoneySchema

    @classmethod
    def of(cls, charge: Charge) -> ChargeOut:
        return cls(
            card_id=charge.card_id,
            number=charge.number,
            usage_id=charge.usage_id,
            amount=money_out(charge.amount),
            balance=money_out(charge.balance),
        )


class ChargedOut(msgspec.Struct, frozen=True):
    """GC-7: what the cards paid of the order."""

    order_id: uuid.UUID
    amount: MoneySchema
    charges: list[ChargeOut]

    @classmethod
    def of(cls, charged: Charged) -> ChargedOut:
        return cls(
            order_id=charged.order_id,
            amount=money_out(charged.amount),
            charges=[ChargeOut.of(c) for c in charged.charges],
        )


class GivenOut(msgspec.Struct, frozen=True):
    """One card's part of a restore; ``usage_state`` is the usage's state afterwards."""

    card_id: uuid.UUID
    usage_id: uuid.UUID
    amount: MoneySchema
    balance: MoneySchema
    usage_state: str

    @classmethod
    def of(cls, given: Given) -> GivenOut:
        return cls(
            card_id=given.card_id,
            usage_id=given.usage_id,
            amount=money_out(given.amount),
            balance=money_out(given.balance),
            usage_state=given.usage_state,
        )


class RestoredOut(msgspec.Struct, frozen=True):
    """GC-8: what went back to the cards. ``repeated``: this key was applied already and
    nothing changed this time; ``amount`` is ``null`` when nothing was given back."""

    order_id: uuid.UUID
    key: str
    amount: MoneySchema | None
    given: list[GivenOut]
    repeated: bool

    @classmethod
    def of(cls, restored: Restored) -> RestoredOut:
        return cls(
            order_id=restored.order_id,
            key=restored.key,
            amount=maybe_money_out(restored.amount),
            given=[GivenOut.of(g) for g in restored.given],
            repeated=restored.repeated,
        )


__all__ = [
    "ChargeOut",
    "ChargedOut",
    "GivenOut",
    "RestoredOut",
    "SaleOut",
    "SoldCardOut",
]
