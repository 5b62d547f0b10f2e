"""From the best plan to the :class:`Quote` that explains it (PRO-8, PRO-9, CPN-7, MON-3)."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence

from shop_domain.pricing.engine.errors import NotEnoughPoints
from shop_domain.pricing.engine.inputs import Choices, PointsOffer
from shop_domain.pricing.engine.plan import LEVELS, Offer, Problem, State
from shop_domain.pricing.engine.quote import (
    AddOn,
    Adjustment,
    CouponVerdict,
    NotApplied,
    Quote,
    QuoteGift,
    QuoteLine,
    Source,
    Totals,
)
from shop_domain.pricing.engine.search import Result
from shop_domain.pricing.engine.wallet import BenefitKind, WalletCoupon
from shop_domain.pricing.kinds.base import AddOnOffer, Applied, Missed
from shop_domain.pricing.promotion import Level
from shop_domain.pricing.terms import Channel
from shop_domain.shared.money import Money, allocate_minor

NOT_CHOSEN = "pricing.not_chosen"
"""The reason of an offer that would apply but is not in the best combination."""


def explain(
    problem: Problem,
    result: Result,
    wallet: Sequence[WalletCoupon],
    at: dt.datetime,
    channel: Channel,
    points: PointsOffer | None,
    choices: Choices,
) -> Quote:
    currency = problem.context.currency
    entries = dict(zip(LEVELS, result.entries, strict=False))
    before_coupons = result.entries[len(LEVELS)]
    final = result.state
    max_points, points_off, points_used = _points(final, points, choices.points, currency)
    points_shares = allocate_minor(
        points_off, [final.amounts[line.line_id] for line in problem.lines]
    )
    # every adjustment of each line, in the order they were made: promotions, then coupons
    made: dict[str, list[Adjustment]] = {line.line_id: [] for line in problem.lines}
    for offer, off in final.ledger:
        name, level = offer.promotion.definition.name, offer.level.name.lower()
        for line_id, amount in off.items():
            if amount:
                made[line_id].append(
                    Adjustment(Source.PROMOTION, offer.id, name, level, Money(amount, currency))
                )
    for coupon, off in final.coupons:
        for line_id, amount in off.items():
            if amount:
                made[line_id].append(
                    Adjustment(
                        Source.COUPON,
                        coupon.coupon_id,
                        coupon.name,
                        "coupon",
                        Money(amount, currency),
                    )
                )
    lines = []
    for index, line in enumerate(problem.lines):
        adjustments = made[line.line_id]
        if points_shares[index]:
            adjustments.append(
                Adjustment(
                    Source.POINTS, None, "points", "points", Money(points_shares[index], currency)
                )
            )
        lines.append(
            QuoteLine(
                line_id=line.line_id,
                sku_id=line.item.sku_id,
                quantity=line.quantity,
                list_unit_price=line.unit_price,
                list_amount=line.unit_price * line.quantity,
                adjustments=tuple(adjustments),
                final_amount=Money(final.amounts[line.line_id] - points_shares[index], currency),
                add_on_of=line.add_on_of,
                add_on_granted=line.add_on_of is not None and line.line_id in final.took,
            )
        )
    list_total = problem.list_total()
    promotion_off = list_total - before_coupons.payable()
    coupon_off = before_coupons.payable() - final.payable()
    gifts = _gifts(problem, final)
    totals = Totals(
        list_total=Money(list_total, currency),
        promotion_discount=Money(promotion_off, currency),
        coupon_discount=Money(coupon_off, currency),
        points_discount=Money(points_off, currency),
        payable=Money(final.payable() - points_off, currency),
        points_used=points_used,
        gift_value=Money(sum(g.value.minor * g.quantity for g in gifts), currency),
    )
    chosen_ids = tuple(coupon.coupon_id for coupon, _ in final.coupons)
    return Quote(
        currency=currency,
        lines=tuple(lines),
        totals=totals,
        gifts=gifts,
        add_ons=_add_ons(final),
        not_applied=_not_applied(problem, final, entries),
        coupons=tuple(
            _verdict(problem, coupon, before_coupons, at, channel, coupon.coupon_id in chosen_ids)
            for coupon in wallet
        ),
        chosen_coupons=chosen_ids,
        recommended=choices.coupons is None,
        max_points=max_points,
        proven_best=result.proven,
        explored=result.nodes,
    )


def _points(
    state: State, offer: PointsOffer | None, wanted: int, currency: str
) -> tuple[int, int, int]:
    """The most points that may pay, and the money and points of ``wanted`` (PTS-4)."""
    if offer is None:
        if wanted:
            raise NotEnoughPoints("this customer has no points to pay with")
        return 0, 0, 0
    scale = 10 ** Money.zero(currency).exponent
    cap_money = int(decimal.Decimal(state.payable()) * offer.max_share)  # floor: never above
    max_points = min(offer.available, cap_money * offer.per_unit // scale)
    if wanted > max_points:
        raise NotEnoughPoints(
            f"at most {max_points} points may pay for this cart", details={"max": max_points}
        )
    money = wanted * scale // offer.per_unit
    used = -(-money * offer.per_unit // scale)  # the points that money is worth, rounded up
    return max_points, money, used


def _gifts(problem: Problem, state: State) -> tuple[QuoteGift, ...]:
    currency = problem.context.currency
    gifts = []
    for offer, gift, line_ids in state.gifts():
        bases = [
            problem.by_id[line_id].unit_price.minor * problem.by_id[line_id].quantity
            for line_id in line_ids
        ]
        whole = gift.value.minor * gift.quantity
        shares = allocate_minor(whole, bases if any(bases) else [1] * len(bases), capped=False)
        gifts.append(
            QuoteGift(
                promotion_id=offer.id,
                name=offer.promotion.definition.name,
                sku_id=gift.sku_id,
                quantity=gift.quantity,
                value=gift.value,
                price=gift.price,
                shares={
                    line_id: Money(s, currency) for line_id, s in zip(line_ids, shares, strict=True)
                },
            )
        )
    return tuple(gifts)


def _add_ons(state: State) -> tuple[AddOn, ...]:
    return tuple(
        AddOn(
            offer.id, offer.promotion.definition.name, effect.sku_id, effect.price, effect.quantity
        )
        for offer, _, applied in state.applied
        for effect in applied.effects
        if isinstance(effect, AddOnOffer)
    )


def _not_applied(
    problem: Problem, final: State, entries: dict[Level, State]
) -> tuple[NotApplied, ...]:
    applied = {offer.id for offer, _, _ in final.applied}
    found = []
    for offer in problem.offers.values():
        definition = offer.promotion.definition
        entry = entries[offer.level]
        outcome = problem.evaluate(offer, offer.line_ids, entry)
        if offer.id in applied:
            next_tier = getattr(definition.kind, "next_tier", None)
            hint = (
                next_tier(
                    [problem.line_at(problem.by_id[i], entry) for i in offer.line_ids],
                    problem.context,
                )
                if next_tier
                else None
            )
            if isinstance(hint, Missed):
                found.append(_missed(offer, hint))
            continue
        if isinstance(outcome, Missed):
            found.append(_missed(offer, outcome))
        elif isinstance(outcome, Applied):
            found.append(
                _missed(
                    offer,
                    Missed(NOT_CHOSEN, "another combination of offers saves more on these lines"),
                )
            )
    return tuple(found)


def _missed(offer: Offer, missed: Missed) -> NotApplied:
    definition = offer.promotion.definition
    return NotApplied(
        promotion_id=offer.id,
        name=definition.name,
        tag=definition.kind.tag(),
        level=offer.level.name.lower(),
        reason=missed.reason,
        message=missed.message,
        missing_amount=missed.missing_amount,
        missing_count=missed.missing_count,
    )


def _verdict(
    problem: Problem,
    coupon: WalletCoupon,
    state: State,
    at: dt.datetime,
    channel: Channel,
    chosen: bool,
) -> CouponVerdict:
    currency = problem.context.currency
    zero = Money.zero(currency)

    def no(reason: str, message: str, missing: Money | None = None) -> CouponVerdict:
        return CouponVerdict(
            coupon.coupon_id, coupon.name, False, reason, message, zero, missing_amount=missing
        )

    if not coupon.available:
        return no("coupon.not_available", "this coupon is locked, used, voided or expired")
    if coupon.valid is not None and not coupon.valid.contains(at):
        return no("coupon.outside_validity", "this coupon cannot be used at this time")
    if channel not in coupon.channels:
        return no("coupon.wrong_channel", f"this coupon is not for the {channel.value} channel")
    if coupon.benefit.currency != currency:
        return no("coupon.other_currency", f"this coupon is in {coupon.benefit.currency}")
    if not problem.scope(coupon):
        return no("coupon.out_of_scope", "no line of the cart is in this coupon's scope")
    base = problem.coupon_base(coupon, state)
    if not base:
        return no("coupon.not_combinable", "every line it covers already took a promotion")
    eligible = sum(state.amounts[line_id] for line_id in base)
    threshold = coupon.benefit.threshold_minor()
    if eligible < threshold:
        missing = Money(threshold - eligible, currency)
        return no(
            "coupon.below_threshold",
            f"add {missing.amount} more of the goods it covers to use it",
            missing,
        )
    off = coupon.benefit.discount_minor(eligible)
    face = coupon.benefit.face_value
    confirm = coupon.benefit.kind is not BenefitKind.RATE and face is not None and face.minor > off
    return CouponVerdict(
        coupon.coupon_id,
        coupon.name,
        True,
        None if chosen else NOT_CHOSEN,
        "in the price" if chosen else "another set of coupons saves more",
        Money(off, currency),
        chosen=chosen,
        needs_confirmation=confirm,
    )


__all__ = ["NOT_CHOSEN", "explain"]
