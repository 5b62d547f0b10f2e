"""Response bodies of a customer's own gift cards (``/me/giftcards``): the card as its holder
sees it and the payments made with it. Amounts are
:class:`~shop_adapters.http.schemas.MoneySchema` objects (MON-1).
"""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from shop_adapters.http.giftcards.responses import money_out
from shop_adapters.http.schemas import MoneySchema
from shop_app.giftcards.queries import CardView, UsageView


class MyCardOut(msgspec.Struct, frozen=True):
    """One of the caller's cards, as its holder sees it. ``state`` is effective (``expired``
    once its validity has ended); ``usable`` says whether it can pay now (activated, inside its
    validity, a balance left, and its batch open)."""

    id: uuid.UUID
    number: str
    name: str
    kind: str
    face_value: MoneySchema
    balance: MoneySchema
    state: str
    sales_state: str
    usable: bool
    sold_at: dt.datetime | None
    activated_at: dt.datetime | None
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None

    @classmethod
    def of(cls, view: CardView, now: dt.datetime) -> MyCardOut:
        usable = (
            view.state == "activated"
            and view.batch_state == "opened"
            and view.balance.is_positive()
            and (view.valid_from is None or view.valid_from <= now)
        )
        return cls(
            id=view.id,
            number=view.number,
            name=view.batch_name,
            kind=view.kind,
            face_value=money_out(view.face_value),
            balance=money_out(view.balance),
            state=view.state,
            sales_state=view.sales_state,
            usable=usable,
            sold_at=view.sold_at,
            activated_at=view.activated_at,
            valid_from=view.valid_from,
            valid_until=view.valid_until,
        )


class MyUsageOut(msgspec.Struct, frozen=True):
    """One payment made with one of the caller's cards (GC-8)."""

    id: uuid.UUID
    card_id: uuid.UUID
    order_id: uuid.UUID
    sub_order_id: str | None
    amount: MoneySchema
    restored: MoneySchema
    state: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, view: UsageView) -> MyUsageOut:
        return cls(
            id=view.id,
            card_id=view.card_id,
            order_id=view.order_id,
            sub_order_id=view.sub_order_id,
            amount=money_out(view.amount),
            restored=money_out(view.restored),
            state=view.state,
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


__all__ = [
    "MyCardOut",
    "MyUsageOut",
]
