"""From the best plan to the :class:`Quote` that explains it (PRO-8, PRO-9, CPN-7, MON-3)."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence

from shop_domain.pricing.engine.errors import NotEnoughPoints
from shop_domain.pricing.engine.inputs import Choices, PointsOffer
from shop_domain.pricing.engine.plan import LEVELS, Amounts, Offer, Problem, State
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

_LEVEL_NAMES = {level: level.name.lower() for level in Level}
"""How a quote names each level (``item``, ``bundle``…): an enum's name is slow to read."""


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
    amounts = final.amounts
    max_points, points_off, points_used = _points(final, points, choices.points, currency)
    points_shares = allocate_minor(points_off, [amounts[line.line_id] for line in problem.lines])
    money = problem.money
    # every adjustment of each line, in the order they were made: promotions, then coupons
    made: dict[str, list[Adjustment]] = {line.line_id: [] for line in problem.lines}
    source = Source.PROMOTION
    for offer, off in final.ledger:
        offer_id, name, level = offer.id, offer.promotion.definition.name, _LEVEL_NAMES[offer.level]
        for line_id, amount in off.items():
            if amount:
                made[line_id].append(Adjustment(source, offer_id, name, level, money[amount]))
    source = Source.COUPON
    for coupon, off in final.coupons:
        coupon_id, name = coupon.coupon_id, coupon.name
        for line_id, amount in off.items():
            if amount:
                made[line_id].append(Adjustment(source, coupon_id, name, "coupon", money[amount]))
    lines = []
    took = final.took
    for line, share in zip(problem.lines, points_shares, strict=True):
        line_id = line.line_id
        adjustments = made[line_id]
        if share:
            adjustments.append(Adjustment(Source.POINTS, None, "points", "points", money[share]))
        lines.append(
            QuoteLine(
                line_id,
                line.item.sku_id,
                line.quantity,
                line.unit_price,
                money[line.unit_price.minor * line.quantity],
                tuple(adjustments),
                money[amounts[line_id] - share],
                line.add_on_of,
                line.add_on_of is not None and line_id in took,
            )
        )
    list_total = problem.list_total()
    before_payable, final_payable = before_coupons.payable(), final.payable()
    gifts = _gifts(problem, final, money)
    totals = Totals(
        list_total=money[list_total],
        promotion_discount=money[list_total - before_payable],
        coupon_discount=money[before_payable - final_payable],
        points_discount=money[points_off],
        payable=money[final_payable - points_off],
        points_used=points_used,
        gift_value=money[sum(g.value.minor * g.quantity for g in gifts)],
    )
    chosen_ids = tuple(coupon.coupon_id for coupon, _ in final.coupons)
    chosen = {coupon_id.int for coupon_id in chosen_ids}  # an int hashes faster than a UUID
    not_applied = _not_applied(problem, final, entries)
    verdicts = [
        _verdict(
            problem, coupon, before_coupons, at, channel, coupon.coupon_id.int in chosen, money
        )
        for coupon in wallet
    ]
    return Quote(
        currency=currency,
        lines=tuple(lines),
        totals=totals,
        gifts=gifts,
        add_ons=_add_ons(final),
        not_applied=not_applied,
        coupons=tuple(verdicts),
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


def _gifts(problem: Problem, state: State, money: Amounts) -> tuple[QuoteGift, ...]:
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
                shares={line_id: money[s] for line_id, s in zip(line_ids, shares, strict=True)},
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
    """Each offer not in the price and why (evaluated at its level's entry state), and each
    applied offer whose kind names a next tier, with what that tier misses."""
    applied = {offer for offer, _, _ in final.applied}  # offers are their own identity
    by_id, context = problem.by_id, problem.context
    found = []
    for offer in problem.offers.values():
        entry = entries[offer.level]
        if offer in applied:
            next_tier = getattr(offer.promotion.definition.kind, "next_tier", None)
            if next_tier is not None:
                hint = next_tier(
                    [problem.line_at(by_id[i], entry) for i in offer.line_ids], context
                )
                if isinstance(hint, Missed):
                    found.append(_missed(offer, hint))
            continue
        outcome = problem.evaluate(offer, offer.line_ids, entry)
        if isinstance(outcome, Missed):
            found.append(_missed(offer, outcome))
        elif isinstance(outcome, Applied):
            found.append(_missed(offer, _NOT_CHOSEN_MISS))
    return tuple(found)


_NOT_CHOSEN_MISS = Missed(NOT_CHOSEN, "another combination of offers saves more on these lines")


def _missed(offer: Offer, missed: Missed) -> NotApplied:
    definition = offer.promotion.definition
    return NotApplied(
        offer.id,
        definition.name,
        definition.kind.tag(),
        _LEVEL_NAMES[offer.level],
        missed.reason,
        missed.message,
        missed.missing_amount,
        missed.missing_count,
    )


def _verdict(
    problem: Problem,
    coupon: WalletCoupon,
    state: State,
    at: dt.datetime,
    channel: Channel,
    chosen: bool,
    money: Amounts,
) -> CouponVerdict:
    if not coupon.available:
        return _no(
            coupon, money, "coupon.not_available", "this coupon is locked, used, voided or expired"
        )
    if coupon.valid is not None and not coupon.valid.contains(at):
        return _no(
            coupon, money, "coupon.outside_validity", "this coupon cannot be used at this time"
        )
    if channel not in coupon.channels:
        return _no(
            coupon,
            money,
            "coupon.wrong_channel",
            f"this coupon is not for the {channel.value} channel",
        )
    if coupon.benefit.currency != money.currency:
        return _no(
            coupon, money, "coupon.other_currency", f"this coupon is in {coupon.benefit.currency}"
        )
    if not problem.scope(coupon):
        return _no(
            coupon, money, "coupon.out_of_scope", "no line of the cart is in this coupon's scope"
        )
    base = problem.coupon_base(coupon, state)
    if not base:
        return _no(
            coupon, money, "coupon.not_combinable", "every line it covers already took a promotion"
        )
    eligible = sum(map(state.amounts.__getitem__, base))
    threshold = coupon.benefit.threshold_minor()
    if eligible < threshold:
        missing = money[threshold - eligible]
        return _no(
            coupon,
            money,
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
        money[off],
        chosen,
        confirm,
    )


def _no(
    coupon: WalletCoupon, money: Amounts, reason: str, message: str, missing: Money | None = None
) -> CouponVerdict:
    """The verdict of a coupon not usable on this cart, for ``reason``."""
    return CouponVerdict(
        coupon.coupon_id, coupon.name, False, reason, message, money[0], missing_amount=missing
    )


__all__ = ["NOT_CHOSEN", "explain"]
