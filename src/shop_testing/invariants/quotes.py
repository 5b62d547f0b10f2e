"""Checks of the pricing engine's quotes, and two references to hold its search against.

- :func:`check_quote` — a quote adds up (PRO-8, PRO-9, MON-3, MON-4): every line's final
  amount is its list amount less its adjustments and never below zero, the totals are the sums
  of the lines, every gift's shares add up to its value, the coupons in the price may be used
  together (CPN-8).
- :func:`exhaustive_best` — the best score of a problem found by trying every plan the engine
  may choose from (see :mod:`shop_domain.pricing.engine.search`), sharing only the evaluation
  of a plan with the engine. Exponential: for carts of a few lines.
- :func:`priority_plan_saving` — what applying promotions greedily by priority saves, the way
  the common open-source shops do: the baseline the engine must never be worse than.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator, Sequence

from shop_domain.pricing.engine.plan import LEVELS, Problem, State
from shop_domain.pricing.engine.quote import Quote
from shop_domain.pricing.engine.search import Score
from shop_domain.pricing.engine.wallet import WalletCoupon
from shop_domain.pricing.kinds.base import AddOnOffer
from shop_domain.pricing.promotion import Level
from shop_testing.invariants.base import Findings


def check_quote(quote: Quote) -> None:
    """Raise :class:`~shop_testing.invariants.base.InvariantBroken` listing every way
    ``quote`` does not add up."""
    findings = Findings("quote")
    for line in quote.lines:
        off = sum(adjustment.amount.minor for adjustment in line.adjustments)
        if line.list_amount.minor - off != line.final_amount.minor:
            findings.add(
                f"line {line.line_id}: list {line.list_amount} less adjustments {off} is not "
                f"its final amount {line.final_amount}"
            )
        if line.final_amount.is_negative():
            findings.add(f"line {line.line_id} is below zero: {line.final_amount}")
        for adjustment in line.adjustments:
            if not adjustment.amount.is_positive():
                findings.add(f"line {line.line_id} has an adjustment of {adjustment.amount}")
    totals = quote.totals
    payable = sum(line.final_amount.minor for line in quote.lines)
    listed = sum(line.list_amount.minor for line in quote.lines)
    if payable != totals.payable.minor or listed != totals.list_total.minor:
        findings.add(f"the lines sum to {payable} of {listed}, the totals say {totals}")
    discounts = (
        totals.promotion_discount.minor
        + totals.coupon_discount.minor
        + totals.points_discount.minor
    )
    if listed - discounts != totals.payable.minor:
        findings.add(f"list {listed} less discounts {discounts} is not the payable")
    for gift in quote.gifts:
        shared = sum(share.minor for share in gift.shares.values())
        if shared != gift.value.minor * gift.quantity:
            findings.add(f"gift {gift.sku_id}'s shares sum to {shared}, not its whole value")
    by_id = {verdict.coupon_id: verdict for verdict in quote.coupons}
    for coupon_id in quote.chosen_coupons:
        verdict = by_id.get(coupon_id)
        if verdict is None or not verdict.usable or not verdict.chosen:
            findings.add(f"coupon {coupon_id} is in the price but not shown usable and chosen")
    findings.raise_if_any()


def _coupon_sets(coupons: Sequence[WalletCoupon]) -> Iterator[tuple[WalletCoupon, ...]]:
    yield ()
    for coupon in coupons:
        if not coupon.stackable:
            yield (coupon,)
    stackable = [coupon for coupon in coupons if coupon.stackable]
    for size in range(1, len(stackable) + 1):
        yield from itertools.combinations(stackable, size)


def _assignments(problem: Problem, level: Level) -> Iterator[dict[str, uuid.UUID]]:
    lines = [line.line_id for line in problem.lines if line.add_on_of is None]
    if level is Level.ITEM:
        options = [[*problem.fits.get((line_id, level), ()), None] for line_id in lines]
        for chosen in itertools.product(*options):
            yield {line_id: o for line_id, o in zip(lines, chosen, strict=True) if o is not None}
        return
    offers = sorted({o for line_id in lines for o in problem.fits.get((line_id, level), ())})
    for size in range(len(offers) + 1):
        for on in itertools.combinations(offers, size):
            per_line: list[list[uuid.UUID | None]] = [
                [o for o in problem.fits.get((line_id, level), ()) if o in on] or [None]
                for line_id in lines
            ]
            for chosen in itertools.product(*per_line):
                yield {
                    line_id: o for line_id, o in zip(lines, chosen, strict=True) if o is not None
                }


def _key(index: int, state: State) -> object:
    offered = frozenset(
        (offer.id, effect.sku_id)
        for offer, _, applied in state.applied
        for effect in applied.effects
        if isinstance(effect, AddOnOffer)
    )
    return (
        index,
        tuple(sorted(state.units.items())),
        tuple(sorted(state.amounts.items())),
        frozenset(state.took),
        offered,
        state.gift_value(),
    )


def exhaustive_best(problem: Problem) -> Score:
    """The best (saving, gift value) over every plan of ``problem``: every choice at every
    level and every feasible set of its coupons (CPN-8). States reached twice are searched once
    (what follows a level depends only on the state it leaves)."""
    memo: dict[object, Score] = {}
    total = problem.list_total()

    def best_from(index: int, state: State) -> Score:
        key = _key(index, state)
        if key in memo:
            return memo[key]
        if index == len(LEVELS):
            found = max(
                (
                    (total - after.payable(), after.gift_value())
                    for after in (
                        problem.run_coupons(coupons, state)
                        for coupons in _coupon_sets(problem.coupons)
                    )
                ),
            )
        else:
            level = LEVELS[index]
            found = max(
                best_from(index + 1, problem.run_level(level, assignment, state))
                for assignment in _assignments(problem, level)
            )
        memo[key] = found
        return found

    return best_from(0, problem.start())


def priority_plan_saving(problem: Problem) -> int:
    """What a greedy shop saves: at each level every line takes its best-ranked promotion
    (priority, then age); then the coupon that takes off most on its own, then — while it
    stacks — the next one that takes off most on what is left."""
    state = problem.start()
    for level in LEVELS:
        assignment = {}
        for line in problem.lines:
            fits = problem.fits.get((line.line_id, level), ())
            if line.add_on_of is None and fits:
                assignment[line.line_id] = fits[0]
        state = problem.run_level(level, assignment, state)
    chosen: list[WalletCoupon] = []
    while True:
        candidates = [
            c
            for c in problem.coupons
            if c not in chosen and (not chosen or (c.stackable and chosen[0].stackable))
        ]
        scored = [
            (problem.coupon_off(c, problem.run_coupons(chosen, state)), c) for c in candidates
        ]
        scored = [(off, c) for off, c in scored if off > 0]
        if not scored:
            break
        chosen.append(max(scored, key=lambda pair: (pair[0], pair[1].coupon_id))[1])
        if not chosen[0].stackable:
            break
    ordered = sorted(chosen, key=lambda c: (c.goods.narrowness, c.coupon_id))
    return problem.list_total() - problem.run_coupons(ordered, state).payable()


__all__ = ["check_quote", "exhaustive_best", "priority_plan_saving"]
