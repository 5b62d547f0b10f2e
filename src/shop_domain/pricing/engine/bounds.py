"""The search's upper bound: the most a branch could still save (see :mod:`.search`).

At a node, some clusters of the current level are still open (``open_``), and every
later level too. The bound is

    saved(low) + later(low) + extra

- ``low``: each open line at the lowest amount any of its cluster's choices gives it. Whatever
  the open clusters choose, they save ``saved(low)`` less the total by which their choices
  leave lines above ``low`` (a cluster whose choices share a bundle's reduction differently may
  leave some line above it whatever it chooses).
- ``later(low)``: each later promotion's saving on ``low`` with all the lines it may take, and
  the coupons' bound — a promotion or coupon saves no more on lower prices or fewer lines, so
  this bounds what the later levels save from ``low``.
- ``extra``: leaving lines above ``low`` by a total ``R`` costs ``R`` and can make the later
  levels save more: each later promotion and coupon by at most its ``gain`` (what it saves on the
  prices before the open clusters, less what it saves on ``low``), and one with a slope ``s``
  by at most ``s`` times the raise of its lines. Each cluster that raises does so by at least
  the least raise of its choices; its *part* (:func:`_parts`) is what the gains on its lines
  can pass that by. A cluster that may stay at ``low`` adds its part only when positive; one
  every choice of which raises adds it whatever its sign. So a flat threshold (its tier reached
  either way) adds nothing, and a branch is cut as soon as no threshold or coupon is near a
  step.

:meth:`Bounds.assess` also gives, for each open cluster with one deepest choice (the one that
saves most, one future), the bound of the plans that leave it: the same sum, with that
cluster raised by at least the least raise of its other choices. The search takes every
deepest choice whose leaving cannot beat the best plan at once.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import attrs

from shop_domain.pricing.engine.clusters import Cluster
from shop_domain.pricing.engine.coupon_search import CouponSearch
from shop_domain.pricing.engine.outcomes import Outcomes
from shop_domain.pricing.engine.plan import LEVELS, Offer, Problem, State, offer_order
from shop_domain.pricing.kinds.base import AddOnOffer, Applied, PriceCut, Reduction

Gain = tuple[int, decimal.Decimal | None, Sequence[str], int]
"""What a later promotion or coupon could gain from a raise, its slope (None: it may jump), its
lines, and the minor units its rounded saving may run ahead of its slope (MON-2)."""


@attrs.frozen
class Assessment:
    """A node's bound; the open clusters that have one deepest choice (the one that saves
    most, one future), with that choice; and for each of those the bound of the plans that
    leave its deepest choice for another (``deviations``; a cluster every choice of which is
    the deepest is not there: it cannot be left)."""

    bound: int
    deepest: Mapping[int, int]
    deviations: Mapping[int, int]


def saving_of(problem: Problem, offer: Offer, line_ids: Sequence[str], state: State) -> int:
    """What promotion ``offer`` would take off ``line_ids`` as ``state`` prices them (an
    add-on purchase: what its add-on lines would save)."""
    outcome = problem.evaluate(offer, line_ids, state)
    if not isinstance(outcome, Applied):
        return 0
    saved = 0
    by_id = problem.by_id
    for effect in outcome.effects:
        if isinstance(effect, Reduction):
            saved += effect.amount.minor
        elif isinstance(effect, PriceCut):
            for line_id, unit in effect.unit_prices.items():
                saved += (state.units[line_id] - unit.minor) * by_id[line_id].quantity
        elif isinstance(effect, AddOnOffer):
            for line in problem.add_on_lines:
                if line.add_on_of == offer.id and line.item.sku_id == effect.sku_id:
                    saved += max(0, state.units[line.line_id] - effect.price.minor) * line.quantity
    return saved


class Bounds:
    def __init__(
        self,
        problem: Problem,
        clusters: Sequence[Sequence[Cluster]],
        joinable: Mapping[Offer, tuple[str, ...]],
        coupons: CouponSearch,
        outcomes: Outcomes,
    ) -> None:
        self.problem = problem
        self.clusters = clusters
        self.coupons = coupons
        self.structures = [
            _structures(level, joinable) if index else []  # the bound reads later levels only
            for index, level in enumerate(clusters)
        ]
        self._savings: dict[object, int] = {}
        self.outcomes = outcomes

    def saving(self, offer: Offer, line_ids: tuple[str, ...], state: State) -> int:
        key = (offer, *state.prices(line_ids))
        found = self._savings.get(key)
        if found is None:
            found = self._savings[key] = saving_of(self.problem, offer, line_ids, state)
        return found

    def assess(self, index: int, open_: Sequence[int], state: State) -> Assessment:
        """What a plan could save at most from ``state``, with the clusters ``open_`` of level
        ``index`` and every later level still to decide; and the deepest choices (see
        :class:`Assessment`)."""
        low_units, low_amounts = dict(state.units), dict(state.amounts)
        raises: list[tuple[Sequence[str], int]] = []
        """Each open cluster that may raise a line: its lines, and the least it raises them."""
        forced: set[int] = set()
        """Of :data:`raises`, the clusters every choice of which raises (no choice leaves all
        their lines at ``low``: a bundle's reduction shared differently by each choice)."""
        leaving: dict[int, int] = {}
        """Of :data:`raises`, the clusters with one deepest choice: the least a choice other
        than the deepest raises them."""
        position_of: dict[int, int] = {}
        clusters = self.clusters[index] if index < len(LEVELS) else ()
        deepest: dict[int, int] = {}
        for at in open_:
            found = self.outcomes.of(index, at, state)
            low_units.update(found.low_units)
            low_amounts.update(found.low_amounts)
            if found.deepest is not None:
                deepest[at] = found.deepest
            if found.least is not None:
                if found.forced:
                    forced.add(len(raises))
                if found.leaving is not None:
                    leaving[len(raises)] = found.leaving
                    position_of[len(raises)] = at
                raises.append((clusters[at].lines, found.least))
        low = State(low_units, low_amounts, state.took)
        later = 0
        kept: dict[str, int] = {}
        savings: list[tuple[int, Sequence[str], int, int, bool]] = []
        gains: list[Gain] = []
        for level_index in range(index + 1, len(LEVELS)):
            # a line left out of every promotion at a level gives up at least the smallest of
            # those it may take there: it may park in one that then does not apply
            at_level: dict[str, int] = {}
            for offer, line_ids, every, slope, ahead in self.structures[level_index]:
                on_low = self.saving(offer, line_ids, low)
                later += on_low
                on_high = self.saving(offer, line_ids, state)
                # a kind that may leave some of its lines out (a bundle groups only some units)
                # frees them at no cost, and may put all of its saving on any of them
                savings.append((on_low, line_ids, level_index, on_high, every))
                for line_id in line_ids:
                    given_up = on_low if every else 0
                    at_level[line_id] = min(at_level.get(line_id, given_up), given_up)
                if raises:
                    gain = on_high - on_low
                    if gain > 0:
                        gains.append((gain, slope, line_ids, ahead))
            for line_id, given_up in at_level.items():
                kept[line_id] = kept.get(line_id, 0) + given_up
        later += self.coupons.bound(low, kept, savings, state)
        total = self.problem.list_total()
        saved = total - sum(low_amounts.values())
        if not raises:  # no choice raises a line
            return Assessment(min(total, saved + later), deepest, {})
        gains += self.coupons.gains(low, state)
        parts, left = _parts(gains, raises, leaving)
        # raising lines in a set of clusters gains at most the sum of their parts; a cluster
        # that may stay at ``low`` adds its part only when it is positive
        counted = [part if n in forced else max(part, 0) for n, part in enumerate(parts)]
        extra = sum(counted)
        deviations = {}
        if leaving:
            # a plan that leaves the deepest choice of one of them raises it by at least its
            # ``leaving`` (its part then ``left``), and the others as they may
            for n in leaving:
                deviations[position_of[n]] = min(
                    total, saved + later + extra + left[n] - counted[n]
                )
        return Assessment(min(total, saved + later + extra), deepest, deviations)


class _Structure(NamedTuple):
    """A later promotion as the bound reads it: the offer, the lines it may take, and its
    kind's contracts (``takes_every_line``, ``slope()``, and the units a rounded saving may
    run ahead of its slope)."""

    offer: Offer
    line_ids: tuple[str, ...]
    every: bool
    slope: decimal.Decimal | None
    ahead: int


def _structures(
    level: Sequence[Cluster], joinable: Mapping[Offer, tuple[str, ...]]
) -> list[_Structure]:
    """The later promotions of a level, cluster by cluster. A kind that takes every line it is
    given (``takes_every_line``) is known to take all of its lines only when no other promotion
    of its level may take one of them: in a cluster with others, a line may go to another
    (PRO-5) — and its reduction then lands on the lines it kept."""
    found = []
    for cluster in level:
        offers = sorted({offer for steps in cluster.steps for offer, _ in steps}, key=offer_order)
        alone = len(offers) == 1
        for offer in offers:
            kind = offer.promotion.definition.kind
            found.append(
                _Structure(
                    offer,
                    joinable[offer],
                    alone and _kind_fact(kind, "takes_every_line", default=False),
                    _slope(kind),
                    0 if _kind_fact(kind, "slope_is_exact", default=False) else 1,
                )
            )
    return found


def _kind_fact(kind: object, name: str, *, default: bool) -> bool:
    return bool(getattr(kind, name, default))


def _slope(kind: object) -> decimal.Decimal | None:
    slope = getattr(kind, "slope", None)
    return slope() if slope is not None else None


def _parts(
    gains: Sequence[Gain],
    raises: Sequence[tuple[Sequence[str], int]],
    leaving: Mapping[int, int],
) -> tuple[list[int], dict[int, int]]:
    """For each open cluster that may raise its lines, the most that leaving it above its
    deepest choice can gain beyond what it costs (negative: it always costs more than it can
    gain); and for each cluster of ``leaving``, the same when it is raised by at least its
    ``leaving`` instead of its least raise.

    A cluster left above its deepest raises its lines by ``R ≥`` its least raise, which costs
    ``R``; the gains it may unlock are those of the promotions and coupons on its lines (a gain
    shared by several clusters is counted for each: the answer stays above). For each cluster
    the smaller of two sound answers:

    - every such gain in full, less the raise;
    - the jumps in full, and for a promotion or coupon with a slope ``s`` only what ``s`` of the
      raise of its lines pays: with ``σ`` the most the slopes over one of the cluster's lines
      add up to, those gains give back at most ``σ·R``, so ``jumps − (1 − σ)·R`` is left.
      Slopes over a line adding up past 1 count their gains in full, as jumps; a rounded
      discount may follow its slope one minor unit ahead (MON-2), and that unit counts (a kind
      that declares ``slope_is_exact`` — a set price — never runs ahead).

    Leaving several clusters above their deepest gains at most the sum of their parts."""
    zero = decimal.Decimal(0)
    over_line: dict[str, decimal.Decimal] = {}
    for _, slope, line_ids, _ in gains:
        if slope is not None:
            for line_id in line_ids:
                over_line[line_id] = over_line.get(line_id, zero) + slope
    steep = {line_id for line_id, slope in over_line.items() if slope > 1}
    cluster_of = {i: n for n, (lines, _) in enumerate(raises) for i in lines}
    everything = [0] * len(raises)
    jumps = [0] * len(raises)
    paid_back: dict[str, decimal.Decimal] = {}
    for gain, slope, line_ids, ahead in gains:
        touched = {cluster_of[i] for i in line_ids if i in cluster_of}
        full = slope is None or any(line_id in steep for line_id in line_ids)
        for n in touched:
            everything[n] += gain
            jumps[n] += gain if full else min(gain, ahead)
        if not full:
            assert slope is not None
            for line_id in line_ids:
                paid_back[line_id] = paid_back.get(line_id, zero) + slope
    sigmas = [
        max((paid_back.get(i, zero) for i in lines), default=zero) if paid_back else zero
        for lines, _ in raises
    ]

    def part(n: int, raised: int) -> int:
        kept_raise = raised
        if sigmas[n]:
            kept_raise = int((1 - sigmas[n]) * raised)  # rounded down: the answer stays above
        return min(everything[n] - raised, jumps[n] - kept_raise)

    parts = [part(n, least) for n, (_, least) in enumerate(raises)]
    return parts, {n: part(n, raised) for n, raised in leaving.items()}


__all__ = ["Bounds", "saving_of"]
