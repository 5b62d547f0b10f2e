"""The gift cards' aggregates in their tables (the mapper of ADR 0023).

- Value objects spread over flat columns: a batch's ``validity`` (``starts_at``, ``ends_at``,
  ``days_from_activation``), money as minor units and a currency column (a card's face value
  and balance share one currency column, as do a usage's amount and restored amount), a card's
  sealed ``secret`` (key id and blob), an export's optional sealed ``password`` (all-NULL reads
  back as ``None``).
- A usage's optional :class:`TenderSplit` is three minor-unit columns and a currency of its own:
  ``None`` sets all four to NULL, which a currency shared with the amount could not survive.
- A card names its batch by id; the foreign key is checked at commit (deferred), so new rows may
  reach the database in any order. The card store moves a batch's ``generated`` with a statement
  that bumps the version too, so a batch read before a chunk was written is stale.
"""

from __future__ import annotations

from typing import Any

from shop_adapters.sql.giftcards.tables import (
    giftcard_batches,
    giftcard_exports,
    giftcard_usages,
    giftcards,
)
from shop_adapters.sql.mapper import TableMap, Value, money, value
from shop_domain.giftcards.batch import GiftCardBatch, Validity
from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.export import CardExport
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.giftcards.usage import CardUsage, TenderSplit
from shop_domain.shared.money import Money


def tender_from_columns(cash: int, points: int, gift_cards: int, currency: str) -> TenderSplit:
    return TenderSplit(
        cash=Money(int(cash), currency),
        points=Money(int(points), currency),
        gift_cards=Money(int(gift_cards), currency),
    )


def tender_to_columns(tender: TenderSplit) -> tuple[Any, ...]:
    return (tender.cash.minor, tender.points.minor, tender.gift_cards.minor, tender.cash.currency)


BATCHES = TableMap(
    GiftCardBatch,
    giftcard_batches,
    values=[
        money("face_value", "face_value_minor", "currency"),
        value("validity", Validity, "starts_at", "ends_at", "days_from_activation"),
    ],
)
CARDS = TableMap(
    GiftCard,
    giftcards,
    values=[
        value("secret", SealedSecret, "secret_key_id", "secret_blob"),
        money("face_value", "face_value_minor", "currency"),
        money("balance", "balance_minor", "currency"),
    ],
)
USAGES = TableMap(
    CardUsage,
    giftcard_usages,
    values=[
        money("amount", "amount_minor", "currency"),
        money("restored", "restored_minor", "currency"),
        Value(
            "tender",
            (
                "tender_cash_minor",
                "tender_points_minor",
                "tender_gift_cards_minor",
                "tender_currency",
            ),
            tender_from_columns,
            tender_to_columns,
            optional=True,
        ),
    ],
)
EXPORTS = TableMap(
    CardExport,
    giftcard_exports,
    values=[value("password", SealedSecret, "password_key_id", "password_blob", optional=True)],
)
