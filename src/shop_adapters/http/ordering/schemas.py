"""Orders on the wire: the checkout a customer sends (``POST /checkout/confirm``, ``POST
/orders``), the priced checkout, the submitted order, the pay page, and orders as customers and
operators read them.

Amounts are ``{"amount": "99.00", "currency": "CNY"}`` as everywhere in the API (MON-1), the
gift-card tender and the confirmed payable included; a client never sends a price, only what it
chose (coupons, points, cards and how much of the payable they pay).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Final

import msgspec
from msgspec import Meta

from shop_adapters.http.pricing.definition import PromotionChannel
from shop_adapters.http.schemas import MoneyIn, MoneySchema, bounded_int, text
from shop_app.ordering.checkout import MAX_CARDS, CheckoutRequest
from shop_app.ordering.ports import CheckoutItem
from shop_app.pricing.quoting import MAX_LINES, MAX_QUANTITY
from shop_domain.shared.money import Money

MAX_COUPONS: Final = 50
MAX_POINTS: Final = 1_000_000_000


def money(value: Money) -> MoneySchema:
    return MoneySchema.from_domain(value)


def minor(value: MoneyIn | None) -> int:
    """A stated amount in minor units (422 ``money.too_precise`` for too many decimals)."""
    return 0 if value is None else value.to_domain().minor


class _In(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are an error, not silently ignored."""


class ItemIn(_In, frozen=True):
    sku_id: uuid.UUID
    quantity: Annotated[int, bounded_int(1, MAX_QUANTITY)]


class CheckoutIn(_In, frozen=True):
    """What the customer checks out: the items (1 to 100), where to (goods that ship need an
    address), the coupons (``null``: the recommended set; ``[]``: none), the points to pay
    with, and the gift cards that pay ``gift_card`` of the payable."""

    items: Annotated[list[ItemIn], Meta(min_length=1, max_length=MAX_LINES)]
    address_id: uuid.UUID | None = None
    coupons: Annotated[list[uuid.UUID], Meta(max_length=MAX_COUPONS)] | None = None
    points: Annotated[int, bounded_int(0, MAX_POINTS)] = 0
    card_ids: Annotated[list[uuid.UUID], Meta(max_length=MAX_CARDS)] = msgspec.field(
        default_factory=list
    )
    gift_card: MoneyIn | None = None
    channel: PromotionChannel = PromotionChannel("app")

    def fields(self, user_id: uuid.UUID) -> dict[str, Any]:
        """The :class:`CheckoutRequest` fields of this body, for ``user_id``."""
        return {
            "user_id": user_id,
            "items": tuple(CheckoutItem(sku_id=i.sku_id, quantity=i.quantity) for i in self.items),
            "address_id": self.address_id,
            "coupons": None if self.coupons is None else frozenset(self.coupons),
            "points": self.points,
            "card_ids": tuple(self.card_ids),
            "gift_card": minor(self.gift_card),
            "channel": self.channel.value,
        }

    def request(self, user_id: uuid.UUID) -> CheckoutRequest:
        return CheckoutRequest(**self.fields(user_id))


class SubmitIn(CheckoutIn, frozen=True):
    """The checkout, plus the payable the customer confirmed (another one now is 409
    ``order.price_changed`` with the new figures) and whether the items leave the cart."""

    expected_payable: MoneyIn | None = None
    from_cart: bool = False


class PayIn(_In, frozen=True):
    return_url: Annotated[str, text(2000, min_length=1, examples=["https://shop.example/paid"])]
    """Where the payer's browser goes back to once paid."""


class RefundIn(_In, frozen=True):
    """A refund after-sales asks for: once per ``key`` (a retry answers the first refund)."""

    key: Annotated[str, text(100, min_length=1, examples=["afs-1001"])]
    amount: MoneyIn
    reason: Annotated[str, text(500, min_length=1)]


# --- answers --------------------------------------------------------------------------------


class SummaryOut(msgspec.Struct, frozen=True):
    """ORD-2: payable = goods + shipping − (promotion + coupon + points)."""

    goods: MoneySchema
    promotion: MoneySchema
    coupon: MoneySchema
    points: MoneySchema
    points_used: int
    shipping: MoneySchema
    payable: MoneySchema

    @classmethod
    def of(cls, summary: Mapping[str, Any]) -> SummaryOut:
        currency = summary["currency"]

        def m(key: str) -> MoneySchema:
            return money(Money(summary[key], currency))

        return cls(
            m("goods"),
            m("promotion"),
            m("coupon"),
            m("points"),
            summary["points_used"],
            m("shipping"),
            m("payable"),
        )


class AmountsOut(msgspec.Struct, frozen=True):
    goods: MoneySchema
    promotion: MoneySchema
    coupon: MoneySchema
    points: MoneySchema
    shipping: MoneySchema
    gift_card: MoneySchema
    payable: MoneySchema
    points_used: int

    @classmethod
    def of(cls, amounts: Mapping[str, int], currency: str) -> AmountsOut:
        def m(key: str) -> MoneySchema:
            return money(Money(amounts.get(key, 0), currency))

        return cls(
            m("goods"),
            m("promotion"),
            m("coupon"),
            m("points"),
            m("shipping"),
            m("gift_card"),
            m("payable"),
            amounts.get("points_used", 0),
        )


class PricedLineOut(msgspec.Struct, frozen=True):
    line_id: str
    sku_id: uuid.UUID
    shop_id: uuid.UUID
    kind: str
    name: str
    attributes: dict[str, str]
    quantity: int
    unit_price: MoneySchema
    warehouse_id: uuid.UUID | None
    amounts: AmountsOut


class ShippingOut(msgspec.Struct, frozen=True):
    shop_id: uuid.UUID
    fee: MoneySchema


class CouponOut(msgspec.Struct, frozen=True):
    coupon_id: uuid.UUID
    name: str
    usable: bool
    reason: str | None
    message: str
    saving: MoneySchema
    chosen: bool
    needs_confirmation: bool
    missing_amount: MoneySchema | None


class TenderCardOut(msgspec.Struct, frozen=True):
    card_id: uuid.UUID
    number: str
    balance: MoneySchema
    valid_until: dt.datetime | None


class GiftCardTenderOut(msgspec.Struct, frozen=True):
    """The customer's cards that can pay now, and the most they may pay of this checkout (their
    balances, at most the payable)."""

    cards: list[TenderCardOut]
    max_amount: MoneySchema


class ConfirmOut(msgspec.Struct, frozen=True):
    summary: SummaryOut
    lines: list[PricedLineOut]
    shipping: list[ShippingOut]
    max_points: int
    coupons: list[CouponOut]
    chosen_coupons: list[uuid.UUID]
    gift_card: GiftCardTenderOut


class SubmittedOut(msgspec.Struct, frozen=True):
    order_id: uuid.UUID
    number: str
    state: str
    payable: MoneySchema
    external: MoneySchema
    """What is left to pay through the payment gateway."""
    gift_card: MoneySchema
    payment_id: uuid.UUID
    payment_number: str
    expires_at: dt.datetime
    children: list[str]


class PayPageOut(msgspec.Struct, frozen=True):
    order_id: uuid.UUID
    payment_number: str
    amount: MoneySchema
    pay_url: str
    expires_at: dt.datetime


class NotifiedOut(msgspec.Struct, frozen=True):
    code: str


class MovedOut(msgspec.Struct, frozen=True):
    order_id: uuid.UUID
    state: str
    changed: bool


class RefundOut(msgspec.Struct, frozen=True):
    order_id: uuid.UUID
    refund_id: uuid.UUID
    gift_card: MoneySchema
    external: MoneySchema
    state: str


__all__ = [
    "CheckoutIn",
    "ConfirmOut",
    "PayIn",
    "RefundIn",
    "SubmitIn",
    "SubmittedOut",
]
