"""Gift cards as a tender (GC-7, GC-8): usage records, and how an amount is split over cards
and given back.

A :class:`CardUsage` is made for each card that pays part of an order. It stays ``valid`` until
the order is cancelled or refunded: a restore of everything it took makes it ``invalid``, a
partial refund makes it ``partially_refunded``. What a usage gives back never exceeds what it
took, so a card's balance never exceeds its face value; what a card spends never exceeds its
balance, so the balance never goes below zero.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence

import attrs

from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.errors import InsufficientBalance, RestoreExceedsSpent
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import CurrencyMismatch, InvalidValue
from shop_domain.shared.money import Money, allocate, total


class UsageState(enum.StrEnum):
    VALID = "valid"
    PARTIALLY_REFUNDED = "partially_refunded"
    INVALID = "invalid"


class RestoreReason(enum.StrEnum):
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


@attrs.frozen
class TenderSplit:
    """How the whole order was paid (GC-8): cash, points (their money value) and gift cards."""

    cash: Money
    points: Money
    gift_cards: Money

    def __attrs_post_init__(self) -> None:
        currencies = {self.cash.currency, self.points.currency, self.gift_cards.currency}
        if len(currencies) != 1:
            raise InvalidValue("a tender split is in one currency")
        if any(m.is_negative() for m in (self.cash, self.points, self.gift_cards)):
            raise InvalidValue("a tender split has no negative part")


@attrs.define(slots=False, eq=False)
class CardUsage(Aggregate):
    card_id: uuid.UUID
    batch_id: uuid.UUID
    number: str
    user_id: uuid.UUID
    order_id: uuid.UUID
    sub_order_id: str | None
    amount: Money
    restored: Money
    state: UsageState
    tender: TenderSplit | None
    created_at: dt.datetime
    updated_at: dt.datetime
    restore_keys: list[str] = attrs.field(factory=list)
    """The keys of the restores applied (a restore is applied once per key)."""
    phone: str | None = None
    """For a card bound to a phone number: the verified phone the payer held it through
    (canonical; GC-5). ``None`` for a card bound to the payer's account."""

    @classmethod
    def record_spend(
        cls,
        *,
        id: uuid.UUID,
        card: GiftCard,
        user_id: uuid.UUID,
        order_id: uuid.UUID,
        sub_order_id: str | None,
        amount: Money,
        tender: TenderSplit | None,
        now: dt.datetime,
        payer_phone: str | None = None,
    ) -> CardUsage:
        """A usage of ``card`` by ``user_id``; ``payer_phone`` (their verified phone) is kept
        when the card is bound to a phone, not to an account."""
        return cls(
            id=id,
            card_id=card.id,
            batch_id=card.batch_id,
            number=card.number,
            user_id=user_id,
            order_id=order_id,
            sub_order_id=sub_order_id,
            amount=amount,
            restored=Money.zero(amount.currency),
            state=UsageState.VALID,
            tender=tender,
            created_at=now,
            updated_at=now,
            phone=payer_phone if card.user_id is None else None,
        )

    @property
    def remaining(self) -> Money:
        return self.amount - self.restored

    def give_back(self, amount: Money, *, key: str, now: dt.datetime) -> None:
        """Account for ``amount`` of this usage going back to its card."""
        if not amount.is_positive():
            raise InvalidValue("a restored amount is positive")
        if amount > self.remaining:
            raise RestoreExceedsSpent(
                f"this payment has {self.remaining} left to give back, not {amount}"
            )
        self.restored = self.restored + amount
        self.state = (
            UsageState.INVALID if self.remaining.is_zero() else UsageState.PARTIALLY_REFUNDED
        )
        if key not in self.restore_keys:
            self.restore_keys = [*self.restore_keys, key]
        self.updated_at = now


def plan_spend(amount: Money, cards: Sequence[GiftCard]) -> list[tuple[GiftCard, Money]]:
    """Take ``amount`` from ``cards`` in the order given, each card as much as its balance
    allows, until it is paid; cards not needed are left out. All or nothing: if the cards
    together hold less, nothing is planned. Every card must hold the payment's currency: one
    that does not is a mistake in the request (``money.currency_mismatch``), found before any
    balance is looked at, never a shortfall."""
    for card in cards:
        if card.balance.currency != amount.currency:
            raise CurrencyMismatch(
                f"card {card.number} holds {card.balance.currency}, not {amount.currency}",
                details={"card_currency": card.balance.currency, "currency": amount.currency},
            )
    if not amount.is_positive():
        raise InvalidValue("a gift-card payment is a positive amount")
    if len({card.id for card in cards}) != len(cards):
        raise InvalidValue("each card is given once")
    plan: list[tuple[GiftCard, Money]] = []
    rest = amount
    for card in cards:
        if rest.is_zero():
            break
        share = card.balance.capped_at(rest)
        if share.is_positive():
            plan.append((card, share))
            rest = rest - share
    if rest.is_positive():
        held = total((c.balance for c in cards), amount.currency)
        raise InsufficientBalance(
            f"the cards hold {held}, less than {amount}",
            details={"held": str(held.amount), "asked": str(amount.amount)},
        )
    return plan


def plan_restore(
    amount: Money | None, usages: Sequence[CardUsage]
) -> list[tuple[CardUsage, Money]]:
    """What each usage gives back: everything left (``amount`` None, a cancellation or a
    whole refund), or ``amount`` split in proportion to what each has left (MON-3), so each
    card gets back its share of a partial refund."""
    open_usages = [u for u in usages if u.remaining.is_positive()]
    if amount is None:
        return [(u, u.remaining) for u in open_usages]
    if not amount.is_positive():
        raise InvalidValue("a restored amount is positive")
    if not open_usages:
        raise RestoreExceedsSpent("nothing is left to give back on this order")
    left = total((u.remaining for u in open_usages), amount.currency)
    if amount > left:
        raise RestoreExceedsSpent(
            f"gift cards paid {left} of this order that is not yet given back, less than {amount}"
        )
    shares = allocate(amount, [u.remaining for u in open_usages])
    return [(u, s) for u, s in zip(open_usages, shares, strict=True) if s.is_positive()]
