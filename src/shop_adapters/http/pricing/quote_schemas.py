"""A quote on the wire: the cart and choices a client sends (``POST /pricing/quote``), the
explained quote it gets back (PRO-8), and a product page's promotion tags.

Amounts are ``{"amount": "99.00", "currency": "CNY"}`` as everywhere in the API; an adjustment's
amount is what it takes off (positive). A client never sends a price: the catalog's is used.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Final

import msgspec
from msgspec import Meta

from shop_adapters.http.pricing.definition import PromotionChannel, PromotionLevel
from shop_adapters.http.schemas import MoneySchema, bounded_int, text
from shop_app.pricing.quoting import (
    LINE_ID_MAX,
    MAX_LINES,
    MAX_QUANTITY,
    ProductTag,
    QuoteItem,
    QuoteRequest,
)
from shop_domain.pricing.engine import (
    AddOn,
    Adjustment,
    CouponVerdict,
    InvalidChoice,
    NotApplied,
    Quote,
    QuoteGift,
    QuoteLine,
    Totals,
)
from shop_domain.pricing.promotion import Level
from shop_domain.pricing.terms import AudienceKind, Channel

MAX_PICKS: Final = 4 * MAX_LINES
"""A pick per line and level at most."""
MAX_GIFT_PROMOTIONS: Final = 50
MAX_GIFTS: Final = 50
MAX_COUPONS: Final = 50
MAX_POINTS: Final = 1_000_000_000

LineId = Annotated[str, text(LINE_ID_MAX, min_length=1, examples=["line-1"])]


class _In(msgspec.Struct, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are an error, not silently ignored."""


class QuoteLineIn(_In):
    """``quantity`` of ``sku_id``; ``add_on_of`` names the add-on purchase (加价购) it is taken
    under; ``line_id`` is the client's name for the line (``line-<n>``, its position from 1,
    when left out), used by picks and in the answer."""

    sku_id: uuid.UUID
    quantity: Annotated[int, bounded_int(1, MAX_QUANTITY)]
    line_id: LineId | None = None
    add_on_of: uuid.UUID | None = None


class PromotionPickIn(_In):
    """The promotion line ``line_id`` takes at ``level`` where several fit (PRO-5); ``null``
    for none at that level."""

    line_id: LineId
    level: PromotionLevel
    promotion_id: uuid.UUID | None


class GiftPickIn(_In):
    sku_id: uuid.UUID
    quantity: Annotated[int, bounded_int(0, MAX_QUANTITY)]


class GiftPicksIn(_In):
    """The gifts taken from the pool of the threshold-gift promotion ``promotion_id``."""

    promotion_id: uuid.UUID
    gifts: Annotated[list[GiftPickIn], Meta(max_length=MAX_GIFTS)]


class QuoteChoicesIn(_In):
    """The customer's choices: promotion picks, gift picks, the coupons to use (``null``: the
    recommended set, CPN-7; ``[]``: none), the points to pay with (PTS-4, at most the quote's
    ``max_points``)."""

    promotions: Annotated[list[PromotionPickIn], Meta(max_length=MAX_PICKS)] = []
    gifts: Annotated[list[GiftPicksIn], Meta(max_length=MAX_GIFT_PROMOTIONS)] = []
    coupons: Annotated[list[uuid.UUID], Meta(max_length=MAX_COUPONS)] | None = None
    points: Annotated[int, bounded_int(0, MAX_POINTS)] = 0


class QuoteIn(_In):
    """A cart to price on ``channel``."""

    channel: PromotionChannel
    lines: Annotated[list[QuoteLineIn], Meta(min_length=1, max_length=MAX_LINES)]
    choices: QuoteChoicesIn = msgspec.field(default_factory=QuoteChoicesIn)

    def to_request(self) -> QuoteRequest:
        """The application's request; two picks of one line and level, two pick lists of one
        promotion or one gift named twice are ``pricing.invalid_choice`` (422)."""
        picks: dict[tuple[str, Level], uuid.UUID | None] = {}
        for pick in self.choices.promotions:
            key = (pick.line_id, pick.level.level)
            if key in picks:
                raise InvalidChoice(
                    f"line {pick.line_id!r} has two picks at the {pick.level.value} level"
                )
            picks[key] = pick.promotion_id
        gifts: dict[uuid.UUID, dict[uuid.UUID, int]] = {}
        for chosen in self.choices.gifts:
            taken = {gift.sku_id: gift.quantity for gift in chosen.gifts}
            if chosen.promotion_id in gifts or len(taken) != len(chosen.gifts):
                raise InvalidChoice(f"the gifts of promotion {chosen.promotion_id} are picked once")
            gifts[chosen.promotion_id] = taken
        coupons = self.choices.coupons
        return QuoteRequest(
            items=tuple(
                QuoteItem(line.sku_id, line.quantity, line.add_on_of, line.line_id)
                for line in self.lines
            ),
            promotion_picks=picks,
            gift_picks=gifts,
            coupons=None if coupons is None else frozenset(coupons),
            points=self.choices.points,
        )

    @property
    def domain_channel(self) -> Channel:
        return Channel(self.channel.value)


# --- the answer -------------------------------------------------------------------------------


class AdjustmentOut(msgspec.Struct, frozen=True):
    """``amount`` taken off the line by ``source`` (``promotion``, ``coupon``, ``points``):
    ``source_id`` names the promotion or coupon, ``level`` is ``item``, ``bundle``, ``shop``,
    ``order``, ``coupon`` or ``points``."""

    source: str
    source_id: uuid.UUID | None
    name: str
    level: str
    amount: MoneySchema

    @classmethod
    def of(cls, adjustment: Adjustment) -> AdjustmentOut:
        return cls(
            source=adjustment.source.value,
            source_id=adjustment.source_id,
            name=adjustment.name,
            level=adjustment.level,
            amount=MoneySchema.from_domain(adjustment.amount),
        )


class QuoteLineOut(msgspec.Struct, frozen=True):
    """A line at list price, every adjustment, and what it pays."""

    line_id: str
    sku_id: uuid.UUID
    quantity: int
    list_unit_price: MoneySchema
    list_amount: MoneySchema
    adjustments: list[AdjustmentOut]
    final_amount: MoneySchema
    add_on_of: uuid.UUID | None
    add_on_granted: bool

    @classmethod
    def of(cls, line: QuoteLine) -> QuoteLineOut:
        return cls(
            line_id=line.line_id,
            sku_id=line.sku_id,
            quantity=line.quantity,
            list_unit_price=MoneySchema.from_domain(line.list_unit_price),
            list_amount=MoneySchema.from_domain(line.list_amount),
            adjustments=[AdjustmentOut.of(a) for a in line.adjustments],
            final_amount=MoneySchema.from_domain(line.final_amount),
            add_on_of=line.add_on_of,
            add_on_granted=line.add_on_granted,
        )


class TotalsOut(msgspec.Struct, frozen=True):
    list_total: MoneySchema
    promotion_discount: MoneySchema
    coupon_discount: MoneySchema
    points_discount: MoneySchema
    payable: MoneySchema
    points_used: int
    gift_value: MoneySchema

    @classmethod
    def of(cls, totals: Totals) -> TotalsOut:
        return cls(
            list_total=MoneySchema.from_domain(totals.list_total),
            promotion_discount=MoneySchema.from_domain(totals.promotion_discount),
            coupon_discount=MoneySchema.from_domain(totals.coupon_discount),
            points_discount=MoneySchema.from_domain(totals.points_discount),
            payable=MoneySchema.from_domain(totals.payable),
            points_used=totals.points_used,
            gift_value=MoneySchema.from_domain(totals.gift_value),
        )


class GiftShareOut(msgspec.Struct, frozen=True):
    line_id: str
    amount: MoneySchema


class QuoteGiftOut(msgspec.Struct, frozen=True):
    """A gift: ``quantity`` of ``sku_id`` worth ``value`` each (``price`` each for an
    add-price gift), its whole value shared over the lines that earned it (PRO-9)."""

    promotion_id: uuid.UUID
    name: str
    sku_id: uuid.UUID
    quantity: int
    value: MoneySchema
    price: MoneySchema | None
    shares: list[GiftShareOut]

    @classmethod
    def of(cls, gift: QuoteGift) -> QuoteGiftOut:
        return cls(
            promotion_id=gift.promotion_id,
            name=gift.name,
            sku_id=gift.sku_id,
            quantity=gift.quantity,
            value=MoneySchema.from_domain(gift.value),
            price=None if gift.price is None else MoneySchema.from_domain(gift.price),
            shares=[
                GiftShareOut(line_id, MoneySchema.from_domain(amount))
                for line_id, amount in gift.shares.items()
            ],
        )


class AddOnOut(msgspec.Struct, frozen=True):
    """An add-on purchase the cart has earned: up to ``quantity`` of ``sku_id`` at ``price``."""

    promotion_id: uuid.UUID
    name: str
    sku_id: uuid.UUID
    price: MoneySchema
    quantity: int

    @classmethod
    def of(cls, add_on: AddOn) -> AddOnOut:
        return cls(
            promotion_id=add_on.promotion_id,
            name=add_on.name,
            sku_id=add_on.sku_id,
            price=MoneySchema.from_domain(add_on.price),
            quantity=add_on.quantity,
        )


class NotAppliedOut(msgspec.Struct, frozen=True):
    """An offer that fits the cart but is not in the price: ``reason`` (a stable code),
    ``message`` and what is missing ("add 20.00 more for 满300减50", PRO-8)."""

    promotion_id: uuid.UUID
    name: str
    tag: str
    level: str
    reason: str
    message: str
    missing_amount: MoneySchema | None
    missing_count: int | None

    @classmethod
    def of(cls, missed: NotApplied) -> NotAppliedOut:
        return cls(
            promotion_id=missed.promotion_id,
            name=missed.name,
            tag=missed.tag,
            level=missed.level,
            reason=missed.reason,
            message=missed.message,
            missing_amount=(
                None
                if missed.missing_amount is None
                else MoneySchema.from_domain(missed.missing_amount)
            ),
            missing_count=missed.missing_count,
        )


class CouponVerdictOut(msgspec.Struct, frozen=True):
    """A coupon of the caller's wallet on this cart (CPN-6, CPN-7): usable or not and why
    (``coupon.below_threshold``…, or ``pricing.not_chosen``), what it saves used alone, and
    whether a cash coupon worth more than it takes off needs the customer's confirmation."""

    coupon_id: uuid.UUID
    name: str
    usable: bool
    reason: str | None
    message: str
    saving: MoneySchema
    chosen: bool
    needs_confirmation: bool
    missing_amount: MoneySchema | None

    @classmethod
    def of(cls, verdict: CouponVerdict) -> CouponVerdictOut:
        return cls(
            coupon_id=verdict.coupon_id,
            name=verdict.name,
            usable=verdict.usable,
            reason=verdict.reason,
            message=verdict.message,
            saving=MoneySchema.from_domain(verdict.saving),
            chosen=verdict.chosen,
            needs_confirmation=verdict.needs_confirmation,
            missing_amount=(
                None
                if verdict.missing_amount is None
                else MoneySchema.from_domain(verdict.missing_amount)
            ),
        )


class QuoteOut(msgspec.Struct, frozen=True):
    """The best price of the cart, explained (PRO-8): ``proven_best`` says whether the search
    proved no other combination saves more (else it ran out of budget)."""

    currency: str
    lines: list[QuoteLineOut]
    totals: TotalsOut
    gifts: list[QuoteGiftOut]
    add_ons: list[AddOnOut]
    not_applied: list[NotAppliedOut]
    coupons: list[CouponVerdictOut]
    chosen_coupons: list[uuid.UUID]
    recommended: bool
    max_points: int
    proven_best: bool

    @classmethod
    def of(cls, quote: Quote) -> QuoteOut:
        return cls(
            currency=quote.currency,
            lines=[QuoteLineOut.of(line) for line in quote.lines],
            totals=TotalsOut.of(quote.totals),
            gifts=[QuoteGiftOut.of(gift) for gift in quote.gifts],
            add_ons=[AddOnOut.of(add_on) for add_on in quote.add_ons],
            not_applied=[NotAppliedOut.of(missed) for missed in quote.not_applied],
            coupons=[CouponVerdictOut.of(verdict) for verdict in quote.coupons],
            chosen_coupons=list(quote.chosen_coupons),
            recommended=quote.recommended,
            max_points=quote.max_points,
            proven_best=quote.proven_best,
        )


class PromotionTagOut(msgspec.Struct, frozen=True):
    """A promotion active on the product: its ``tag`` ("满300减50", "直降 30.00"), kind, level,
    audience (a member price is shown to everyone, applied to members), when it ends, and the
    product's SKUs it covers."""

    promotion_id: uuid.UUID
    name: str
    tag: str
    kind: str
    level: PromotionLevel
    audience: AudienceKind
    ends_at: dt.datetime
    sku_ids: list[uuid.UUID]

    @classmethod
    def of(cls, tag: ProductTag) -> PromotionTagOut:
        return cls(
            promotion_id=tag.promotion_id,
            name=tag.name,
            tag=tag.tag,
            kind=tag.kind,
            level=PromotionLevel.of(tag.level),
            audience=tag.audience,
            ends_at=tag.ends_at,
            sku_ids=list(tag.sku_ids),
        )


__all__ = ["PromotionTagOut", "QuoteIn", "QuoteOut"]
