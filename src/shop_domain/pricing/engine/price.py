"""``price``: the best price of a cart (PRO-4..6, PRO-12, CPN-6..8), a pure function.

Given the same cart, customer, time, channel, promotions, coupons, points and choices it gives
the same :class:`~shop_domain.pricing.engine.quote.Quote`: nothing is read from anywhere else,
and every order it depends on (promotions by id, coupons by scope and id) is fixed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence

from shop_domain.pricing.engine.errors import (
    CouponNotUsable,
    CouponsNotStackable,
    InvalidCart,
    InvalidChoice,
)
from shop_domain.pricing.engine.explain import explain
from shop_domain.pricing.engine.inputs import NO_CHOICES, CartLine, Choices, PointsOffer
from shop_domain.pricing.engine.keys import Named, lines_by_id, named_lines
from shop_domain.pricing.engine.plan import LEVELS, Offer, Problem, coupon_order, offer_order
from shop_domain.pricing.engine.quote import Quote
from shop_domain.pricing.engine.search import DEFAULT_BUDGET, Search
from shop_domain.pricing.engine.wallet import WalletCoupon
from shop_domain.pricing.kinds.base import Context
from shop_domain.pricing.promotion import Level, Promotion
from shop_domain.pricing.terms import Channel, CustomerFacts


def price(
    cart: Sequence[CartLine],
    customer: CustomerFacts,
    at: dt.datetime,
    channel: Channel,
    promotions: Iterable[Promotion],
    coupons: Sequence[WalletCoupon] = (),
    points: PointsOffer | None = None,
    choices: Choices = NO_CHOICES,
    *,
    budget: int = DEFAULT_BUDGET,
) -> Quote:
    """The quote of ``cart``: the combination of ``promotions`` (those active at ``at`` on
    ``channel`` for ``customer``) and ``coupons`` that saves most, then ``choices.points``."""
    problem = prepare(cart, customer, at, channel, promotions, coupons, choices)
    chosen = _chosen_coupons(coupons, problem.coupons, choices)
    result = Search(problem, picks=choices.promotions, coupons=chosen, budget=budget).run()
    return explain(problem, result, coupons, at, channel, points, choices)


def prepare(
    cart: Sequence[CartLine],
    customer: CustomerFacts,
    at: dt.datetime,
    channel: Channel,
    promotions: Iterable[Promotion],
    coupons: Sequence[WalletCoupon] = (),
    choices: Choices = NO_CHOICES,
) -> Problem:
    """The :class:`Problem` a quote searches: the promotions that fit each line at each level
    (active at ``at``, on ``channel``, for ``customer``) and the coupons usable at all; the
    customer's picks checked against them."""
    context = Context(_currency_of(cart), customer.member_level)
    named = lines_by_id(cart)
    offers = _offers(cart, named, customer, at, channel, promotions)
    fits = _fits(cart, offers)
    _check_picks(cart, choices, fits)
    _check_gift_picks(choices, offers)
    currency = context.currency
    usable = [c for c in coupons if c.usable_at(at, channel) and c.benefit.currency == currency]
    usable.sort(key=coupon_order)
    return Problem(
        tuple(cart),
        context,
        {offer.id: offer for offer in offers},
        fits,
        tuple(usable),
        dict(choices.gifts),
        named=named,
    )


def _currency_of(cart: Sequence[CartLine]) -> str:
    if not cart:
        raise InvalidCart("a cart to price has at least one line")
    currencies = {line.unit_price.currency for line in cart}
    if len(currencies) > 1:
        raise InvalidCart("every line of a cart is in one currency")
    if len({line.line_id for line in cart}) != len(cart):
        raise InvalidCart("each line of a cart has its own id")
    return currencies.pop()


def _offers(
    cart: Sequence[CartLine],
    named: Named,
    customer: CustomerFacts,
    at: dt.datetime,
    channel: Channel,
    promotions: Iterable[Promotion],
) -> list[Offer]:
    """An offer for each promotion (the first of each id) active at ``at``, on ``channel``, for
    ``customer``, that names some lines of ``cart`` (add-on lines aside): the lines named by one
    of its keys (:meth:`Targets.keys`), in the cart's order, less exclusions. By id."""
    offers = []
    seen: set[int] = set()
    line_ids = [line.line_id for line in cart]
    for promotion in promotions:
        definition = promotion.definition
        promotion_key = promotion.id.int
        if (
            promotion_key in seen
            or not promotion.is_active(at)
            or channel not in definition.channels
            or not definition.audience.admits(customer)
        ):
            continue
        seen.add(promotion_key)
        targets = definition.targets
        kind = targets.kind
        found = named_lines(
            named, [(kind, i) for i in targets.ids] if targets.ids else [(kind, None)]
        )
        excluded_skus, excluded_spus = targets.excluded_skus, targets.excluded_spus
        if excluded_skus or excluded_spus:
            found = [
                n
                for n in found
                if cart[n].item.sku_id not in excluded_skus
                and cart[n].item.spu_id not in excluded_spus
            ]
        if found:
            offers.append(Offer(promotion, tuple([line_ids[n] for n in found])))
    offers.sort(key=offer_order)
    return offers


def _fits(
    cart: Sequence[CartLine], offers: Sequence[Offer]
) -> dict[tuple[str, Level], tuple[uuid.UUID, ...]]:
    """The promotions that fit each (line, level), best-ranked first (PRO-5); the (line, level)
    pairs in the order ``offers`` first name them."""
    fits: dict[tuple[str, Level], list[Offer]] = {}
    for offer in offers:
        level = offer.level
        for line_id in offer.line_ids:
            key = (line_id, level)
            found = fits.get(key)
            if found is None:
                fits[key] = [offer]
            else:
                found.append(offer)
    return {
        key: (found[0].id,) if len(found) == 1 else _best_first(found)
        for key, found in fits.items()
    }


def _best_first(offers: list[Offer]) -> tuple[uuid.UUID, ...]:
    offers.sort(key=_rank_order)
    return tuple([offer.id for offer in offers])


def _rank_order(offer: Offer) -> tuple[tuple[int, dt.datetime], int]:
    """:meth:`Promotion.rank`, then the id (as an integer: the same order as the UUID's)."""
    return (offer.promotion.rank(), offer.id.int)


def _check_picks(
    cart: Sequence[CartLine],
    choices: Choices,
    fits: dict[tuple[str, Level], tuple[uuid.UUID, ...]],
) -> None:
    if not choices.promotions:
        return
    line_ids = {line.line_id for line in cart}
    for (line_id, level), promotion_id in choices.promotions.items():
        if line_id not in line_ids or level not in LEVELS:
            raise InvalidChoice(f"no line {line_id!r} in the cart to pick a promotion for")
        if promotion_id is not None and promotion_id not in fits.get((line_id, level), ()):
            raise InvalidChoice(
                f"promotion {promotion_id} does not apply to line {line_id!r} at the "
                f"{level.name.lower()} level",
                details={"line_id": line_id, "promotion_id": str(promotion_id)},
            )


def _check_gift_picks(choices: Choices, offers: Sequence[Offer]) -> None:
    """A pick of gifts names a promotion of this cart that has a gift pool."""
    if not choices.gifts:
        return
    pools = {
        offer.id
        for offer in offers
        if getattr(offer.promotion.definition.kind, "has_gift_pool", False)
    }
    for promotion_id in choices.gifts:
        if promotion_id not in pools:
            raise InvalidChoice(
                f"promotion {promotion_id} has no gift pool to pick from on this cart",
                details={"promotion_id": str(promotion_id)},
            )


def _chosen_coupons(
    wallet: Sequence[WalletCoupon], usable: Sequence[WalletCoupon], choices: Choices
) -> tuple[WalletCoupon, ...] | None:
    if choices.coupons is None:
        return None
    by_id = {coupon.coupon_id: coupon for coupon in usable}
    known = {coupon.coupon_id for coupon in wallet}
    chosen = []
    for coupon_id in sorted(choices.coupons):
        if coupon_id not in by_id:
            why = "is not usable now" if coupon_id in known else "is not in the wallet"
            raise CouponNotUsable(
                f"coupon {coupon_id} {why}", details={"coupon_id": str(coupon_id)}
            )
        chosen.append(by_id[coupon_id])
    if len(chosen) > 1 and not all(coupon.stackable for coupon in chosen):
        raise CouponsNotStackable("a coupon that does not stack is used alone (CPN-8)")
    return tuple(sorted(chosen, key=coupon_order))


__all__ = ["prepare", "price"]
