"""The best combination (PRO-4..6, CPN-8): a depth-first branch and bound over plans.

**What is searched.** At the item level each line takes one of the item prices that fit it, or
none. At the bundle and threshold levels each promotion is on or off; one that is on takes
every line it fits that took no other promotion of its level; a line that several promotions
of one level fit, when more than one is on, takes one of them (PRO-5). Then a set of coupons:
one that does not stack alone, or any set of stackable ones (CPN-8). The customer's picks fix
the choices they name.

**How.** Each level splits into *clusters* (:mod:`.clusters`) — a line at the item level, with
the bundle-level cluster of its lines folded in; at the others, the promotions that share
lines, with every way they may share them — whose choices touch no other cluster's lines, so
they are applied one cluster at a time; choices that leave the same future are one. The
search first evaluates the *priority plan* (each line its best-ranked promotion at each level,
every promotion on, the coupons that save most), so the result is never worse than applying
promotions by priority. It then walks the clusters level by level. At each step the bound
(:mod:`.bounds`) assesses the open clusters: a cluster whose deepest choice (the one that saves
most) no plan can leave and beat the best plan takes it at once; the walk branches only on the
others, most saving first, and prunes a branch when an upper bound of what it could still save
is no better than the best plan found. A state reached again at the end of a level is not
searched twice. Within a budget of nodes the result is **proven best**; past it, the search
stops and says so (``proven=False``), keeping the best plan found.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import attrs

from shop_domain.pricing.engine import clusters as clustering
from shop_domain.pricing.engine.bounds import Assessment, Bounds
from shop_domain.pricing.engine.budget import Budget, OutOfBudget
from shop_domain.pricing.engine.clusters import Choice
from shop_domain.pricing.engine.coupon_search import CouponSearch
from shop_domain.pricing.engine.outcomes import Outcomes
from shop_domain.pricing.engine.plan import LEVELS, Offer, Problem, State
from shop_domain.pricing.engine.wallet import WalletCoupon
from shop_domain.pricing.kinds.base import AddOnOffer, Applied, GiftGrant
from shop_domain.pricing.promotion import Level

DEFAULT_BUDGET = 20_000
"""Nodes the search may visit before it stops without proof."""

Score = tuple[int, int]
"""What a plan is worth: the saving, then the value of its gifts (minor units)."""
Found = tuple[Score, "Plan", tuple[State, ...]]
"""A plan found: its worth, the plan, and its states on entering each level and before the
coupons (its final state is built for the best plan only)."""


@attrs.frozen
class Plan:
    levels: Mapping[Level, Mapping[str, uuid.UUID]]
    coupons: tuple[WalletCoupon, ...]


@attrs.frozen
class Result:
    plan: Plan
    state: State
    score: Score
    proven: bool
    nodes: int
    entries: tuple[State, ...]
    """The plan's state on entering each level, and before the coupons (the quote reads
    them: what an offer missed, what a coupon was measured on)."""


_UNFIXABLE = Assessment(0, {}, {})
"""The assessment of open clusters none of which has a single deepest choice: only branching
decides them (its bound is not read)."""


class Search:
    def __init__(
        self,
        problem: Problem,
        *,
        picks: Mapping[tuple[str, Level], uuid.UUID | None],
        coupons: tuple[WalletCoupon, ...] | None,
        budget: int = DEFAULT_BUDGET,
    ) -> None:
        self.problem = problem
        self.picks = picks
        self._options: dict[tuple[str, Level], list[uuid.UUID | None]] = {}
        self.budget = Budget(budget)
        self.best: Found | None = None
        self.coupons = CouponSearch(problem, coupons, self.budget)
        # a line an offer fits may take it unless the customer picked something else there
        offers = problem.offers.values()
        self.joinable: dict[Offer, tuple[str, ...]] = (
            {
                offer: tuple(
                    i
                    for i in offer.line_ids
                    if (i, offer.level) not in picks or picks[(i, offer.level)] == offer.id
                )
                for offer in offers
            }
            if picks
            else {offer: offer.line_ids for offer in offers}
        )
        """The lines each offer may take (by offer: a promotion's id is hashed in Python)."""
        self._units_matter = frozenset(line.line_id for line in problem.add_on_lines)
        self._took_matters = self.coupons.took_read
        self.clusters = clustering.build(problem, set(picks.values()), self.options, self.joinable)
        self.outcomes = Outcomes(problem, self.clusters, self._units_matter, self._took_matters)
        self.bounds = Bounds(problem, self.clusters, self.joinable, self.coupons, self.outcomes)
        self._seen: set[object] = set()
        self._gifts_possible: bool | None = None

    @property
    def gifts_possible(self) -> bool:
        """Whether some promotion could give a gift (then a tie of savings is not a tie: gifts
        break it). Found when first asked — only a tie asks."""
        if self._gifts_possible is None:
            start = self.problem.start()
            self._gifts_possible = any(
                isinstance(effect, GiftGrant)
                for offer in self.problem.offers.values()
                for outcome in (self.problem.evaluate(offer, offer.line_ids, start),)
                if isinstance(outcome, Applied)
                for effect in outcome.effects
            )
        return self._gifts_possible

    # --- the choices ----------------------------------------------------------------------------
    def options(self, line_id: str, level: Level) -> list[uuid.UUID | None]:
        """What the line may take at ``level``: its pick, or what fits, best-ranked first
        (found once: callers only read it)."""
        key = (line_id, level)
        found = self._options.get(key)
        if found is None:
            if key in self.picks:
                found = [self.picks[key]]
            else:
                found = [*self.problem.fits.get(key, ()), None]
            self._options[key] = found
        return found

    # --- entry ----------------------------------------------------------------------------------
    def run(self) -> Result:
        start = self.problem.start()
        proven = True
        try:
            # the walk measures against applying promotions by priority, so it never does worse
            self._consider(self._priority_plan(start))
            self._walk(0, None, start, (), ())
        except OutOfBudget:
            proven = False
            if self.best is None:  # a budget too small even for the priority plan
                self.budget.limit = None
                self._consider(self._priority_plan(start))
        assert self.best is not None
        score, plan, entries = self.best
        final = self.problem.run_coupons(plan.coupons, entries[-1])
        assert self._score(final) == score
        return Result(plan, final, score, proven, self.budget.nodes, entries)

    def _score(self, state: State) -> Score:
        return (self.problem.list_total() - state.payable(), state.gift_value())

    def _consider(self, found: Found) -> None:
        if self.best is None or found[0] > self.best[0]:
            self.best = found

    def _prunes(self, bound: int) -> bool:
        """Whether a branch that saves at most ``bound`` cannot beat the best plan: it saves
        less, or as much when no promotion could give a gift (gifts break ties)."""
        assert self.best is not None
        best = self.best[0][0]
        return bound < best or (bound == best and not self.gifts_possible)

    def _priority_plan(self, start: State) -> Found:
        """Each line its best-ranked promotion at each level, every promotion on: the first
        choice of every cluster (:mod:`.clusters` lists it first), taken from the outcomes the
        bound reads too."""
        state, entries, made = start, [], []
        for index, level in enumerate(LEVELS):
            entries.append(state)
            state = state.copy()
            for position, cluster in enumerate(self.clusters[index]):
                self.outcomes.take(index, position, 0, state)
                made.append(cluster.choices[0])
            if level is Level.ORDER:
                self.problem.price_add_ons(state)
        coupons, off = self.coupons.choose(state)
        score = (self.problem.list_total() - state.payable() + off, state.gift_value())
        return (score, self._plan(tuple(made), coupons), (*entries, state))

    # --- the walk -------------------------------------------------------------------------------
    def _walk(
        self,
        index: int,
        open_: tuple[int, ...] | None,
        state: State,
        made: tuple[Choice, ...],
        entered: tuple[State, ...],
        assessment: Assessment | None = None,
    ) -> None:
        """Walk the plans from ``state`` with the clusters ``open_`` of level ``index`` still to
        decide (None: the whole level)."""
        if index == len(LEVELS):
            coupons, off = self.coupons.choose(state)
            score = (self.problem.list_total() - state.payable() + off, state.gift_value())
            if self.best is None or score > self.best[0]:
                self._consider((score, self._plan(made, coupons), (*entered, state)))
            return
        clusters = self.clusters[index]
        if open_ is None:
            open_ = tuple(range(len(clusters)))
            entered = (*entered, state)
        if not open_:
            if LEVELS[index] is Level.ORDER:
                state = state.copy()
                self.problem.price_add_ons(state)
            key = _key(index, state, self._units_matter, self._took_matters)
            if key in self._seen:
                return
            self._seen.add(key)
            self._walk(index + 1, None, state, made, entered)
            return
        if assessment is None:
            assessment = self.bounds.assess(index, open_, state)
        deepest, deviations = assessment.deepest, assessment.deviations
        fixed = [
            at
            for at in open_
            if at in deepest and (at not in deviations or self._prunes(deviations[at]))
        ]
        if fixed:
            # no plan that leaves one of these deepest choices can beat the best: they are
            # taken at once, and the walk goes on over the other open clusters
            state = state.copy()
            for at in fixed:
                self.outcomes.take(index, at, deepest[at], state)
                made = (*made, clusters[at].choices[deepest[at]])
            rest = tuple(at for at in open_ if at not in fixed)
            # a cluster's deepest choice depends on its own lines only: when none of the rest
            # has one, assessing them again could fix none of them
            again = None if any(at in deepest for at in rest) else _UNFIXABLE
            self._walk(index, rest, state, made, entered, again)
            return
        children: list[tuple[int, int, State, Choice]] = []
        cluster = clusters[open_[0]]
        met: set[object] = set()
        for option, choice in enumerate(cluster.choices):
            self.budget.tick()
            after = state.copy()
            self.outcomes.take(index, open_[0], option, after)
            # choices that leave the same future (a promotion that does not apply is as good as
            # off; a cut a set price absorbs, as no cut) are searched once
            same = clustering.future(
                cluster, after, len(state.applied), self._units_matter, self._took_matters
            )
            if same in met:
                continue
            met.add(same)
            children.append((after.payable(), len(children), after, choice))
        rest = open_[1:]
        for _, _, after, choice in sorted(children, key=lambda c: (c[0], c[1])):
            ahead = self.bounds.assess(index, rest, after)
            if self._prunes(ahead.bound):
                continue
            self._walk(index, rest, after, (*made, choice), entered, ahead)

    @staticmethod
    def _plan(made: tuple[Choice, ...], coupons: tuple[WalletCoupon, ...]) -> Plan:
        levels: dict[Level, dict[str, uuid.UUID]] = {level: {} for level in LEVELS}
        for choice in made:
            for (line_id, level), promotion_id in choice.items():
                levels[level][line_id] = promotion_id
        return Plan(levels, coupons)


def _key(
    index: int, state: State, units_matter: frozenset[str], took_matters: frozenset[str]
) -> object:
    """What the rest of a plan depends on when level ``index`` is done. From the shop level on,
    kinds read amounts and counts, not unit prices (but for add-on lines), and a line's having
    taken a promotion matters only to coupons that do not combine with promotions; so two item
    choices a bundle absorbs (cut or not, the set costs its price) meet in one state. After the
    order level the add-on lines are priced, and what was offered is read no more."""
    offered = frozenset(
        (offer.id, effect.sku_id)
        for offer, _, applied in state.applied
        for effect in applied.effects
        if isinstance(effect, AddOnOffer) and LEVELS[index] is not Level.ORDER
    )
    late = index >= 1
    return (
        index,
        tuple(unit for line_id, unit in state.units.items() if not late or line_id in units_matter),
        tuple(state.amounts.values()),
        frozenset(state.took & took_matters) if late else frozenset(state.took),
        offered,
        state.gift_value(),
    )


__all__ = ["DEFAULT_BUDGET", "Plan", "Result", "Search"]
