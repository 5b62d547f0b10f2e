"""The coupons of a plan (CPN-6..8): the set that takes off most from what the promotions
left — one coupon that does not stack, or any set of stackable ones — or the customer's own
set. On a tie: fewer coupons, then narrower scopes (CPN-7)."""

from __future__ import annotations

import decimal
import uuid
from collections.abc import Mapping, Sequence

from shop_domain.pricing.engine.budget import Budget
from shop_domain.pricing.engine.plan import Problem, State, take_off
from shop_domain.pricing.engine.wallet import BenefitKind, WalletCoupon


class CouponSearch:
    def __init__(
        self, problem: Problem, fixed: tuple[WalletCoupon, ...] | None, budget: Budget
    ) -> None:
        self.problem = problem
        self.fixed = fixed
        self.pool = problem.coupons if fixed is None else fixed
        self.budget = budget
        self._discounts: dict[object, int] = {}
        self.took_read = frozenset(
            i for c in self.pool if not c.combinable_with_promotions for i in problem.scope(c)
        )
        """The lines whose having taken a promotion a coupon reads: those of the coupons that
        do not combine with promotions (PRO-6)."""
        self._best: dict[object, tuple[tuple[WalletCoupon, ...], int]] = {}
        scopes: dict[tuple[str, ...], int] = {}
        self._fixed_base = [
            scopes.setdefault(problem.scope(c), len(scopes))
            if c.combinable_with_promotions
            else None
            for c in self.pool
        ]
        """For each coupon of the pool whose base is its scope (it combines with promotions),
        the position of that scope in :attr:`_scopes`: coupons that share one are summed
        once."""
        self._scopes = list(scopes)
        self._sloped = [
            (n, coupon.coupon_id, slope, frozenset(problem.scope(coupon)))
            for n, coupon in enumerate(self.pool)
            if coupon.combinable_with_promotions
            for slope in (coupon.benefit.slope(),)
            if slope is not None
        ]
        """The coupons with a slope whose base is their scope: their place in the pool, id,
        slope and lines."""
        self._splits: dict[object, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._offs_of: dict[object, list[int]] = {}

    def offs(self, state: State) -> list[int]:
        """What each coupon of the pool alone would take off ``state``, in the pool's order
        (known for amounts seen before)."""
        key = self._key(state)
        found = self._offs_of.get(key)
        if found is None:
            found = self._offs_of[key] = self._find_offs(state)
        return found

    def _key(self, state: State) -> object:
        """What the coupons read of ``state``: its amounts, and which of the lines whose having
        taken a promotion a coupon reads took one."""
        return (tuple(state.amounts.values()), frozenset(state.took & self.took_read))

    def _find_offs(self, state: State) -> list[int]:
        amount = state.amounts.__getitem__
        sums = [sum(map(amount, scope)) for scope in self._scopes]
        return [
            self._discount(
                coupon,
                sums[at]
                if at is not None
                else sum(map(amount, self.problem.coupon_base(coupon, state))),
            )
            for coupon, at in zip(self.pool, self._fixed_base, strict=True)
        ]

    def _discount(self, coupon: WalletCoupon, eligible: int) -> int:
        key = (id(coupon), eligible)
        found = self._discounts.get(key)
        if found is None:
            found = self._discounts[key] = coupon.benefit.discount_minor(eligible)
        return found

    def bound(
        self,
        state: State,
        kept: Mapping[str, int] | None = None,
        later: Sequence[tuple[int, Sequence[str], int, int, bool]] = (),
        high: State | None = None,
    ) -> int:
        """At most what coupons could take off ``state`` or any state below it: one that does
        not stack, or every stackable one, each on its own.

        ``kept`` is, per line, what the later promotions could save at most with that line in
        them. A coupon that does not combine with promotions is measured only on lines that
        take none, so using it gives up at least the smallest ``kept`` of its lines: its part
        of the bound is its saving less that (PRO-6).

        ``later`` lists the later promotions' savings at most, with their lines and levels. A
        coupon with a slope (a rate, or cash without a threshold) is measured as if those
        promotions applied and took their surest share off its goods: while the slopes over a
        promotion's share add up to no more than 1, the promotion applying saves more than it
        costs the coupons (see :meth:`_lowered`)."""
        kept = kept or {}
        offs = self.offs(state)
        lowered = self._lowered(state, high, later, offs)

        def given_up(coupons: list[WalletCoupon]) -> int:
            lines = {i for c in coupons for i in self.problem.coupon_base(c, state)}
            return min((kept.get(i, 0) for i in lines), default=0)

        alone = stacked = separate = 0
        apart: list[WalletCoupon] = []
        for coupon, off in zip(self.pool, offs, strict=True):
            off = lowered.get(coupon.coupon_id, off)
            if not coupon.combinable_with_promotions and not off:
                continue
            if self.fixed is not None or coupon.stackable:
                if coupon.combinable_with_promotions:
                    stacked += off
                else:
                    separate += off
                    apart.append(coupon)
            elif coupon.combinable_with_promotions:
                alone = max(alone, off)
            else:
                alone = max(alone, off - given_up([coupon]))
        if separate:
            stacked += max(0, separate - given_up(apart))
        return max(alone, stacked)

    def _lowered(
        self,
        state: State,
        high: State | None,
        later: Sequence[tuple[int, Sequence[str], int, int, bool]],
        offs: list[int],
    ) -> dict[uuid.UUID, int]:
        """The sloped coupons' savings on ``state`` less what the later promotions surely take
        off their goods first.

        A later promotion's reduction is shared over its lines by their amounts (MON-3), so the
        part that lands on a coupon's goods is at least its saving times the smallest share
        those lines can have: their lowest amounts against the others' highest (``high``, the
        prices before the open choices), less a minor unit per line for rounding."""
        # a coupon that takes nothing off is lowered no further
        sloped = {cid: (offs[n], slope, base) for n, cid, slope, base in self._sloped if offs[n]}
        if not sloped or not later:
            return {}
        splits = self._splits
        top = (high or state).amounts
        floor = dict(state.amounts)
        inside: dict[uuid.UUID, int] = {}
        levels = sorted({entry[2] for entry in later})
        for level in levels:
            here = [(e[0], e[1], e[4]) for e in later if e[2] == level and e[0]]
            for saving, line_ids, every in here:
                shares = {}
                for cid, (_, _, base) in sloped.items():
                    split = splits.get((line_ids, cid))
                    if split is None:
                        split = splits[(line_ids, cid)] = (
                            tuple(i for i in line_ids if i in base),
                            tuple(i for i in line_ids if i not in base),
                        )
                    shared, outside = split
                    if not shared:
                        continue
                    least = sum([floor[i] for i in shared])
                    rest = sum([top[i] for i in outside])
                    if rest and not every:
                        continue  # a bundle may put all of it on the lines outside the coupon
                    if least > 0:
                        share = saving * least // (least + rest) - len(shared)
                        if share > 0:
                            shares[cid] = share
                weight = sum(
                    (sloped[cid][1] * share / saving for cid, share in shares.items()),
                    decimal.Decimal(0),
                )
                if weight > 1:
                    continue
                for cid, share in shares.items():
                    inside[cid] = inside.get(cid, 0) + share
            if level == levels[-1]:
                break  # no later level reads the floor
            for line_ids, most_taken, every in (
                (e[1], e[3], e[4]) for e in later if e[2] == level and e[3]
            ):
                # the most of it line i can take: its highest amount against the others' lowest,
                # a unit more for rounding (``most_taken``: the promotion's saving at the highest
                # prices, which no plan's passes)
                least = sum(floor[i] for i in line_ids)
                for i in line_ids:
                    against = top[i] + least - floor[i]
                    share = most_taken
                    if against > 0 and every:
                        share = min(most_taken, -(-most_taken * top[i] // against) + 1)
                    floor[i] = max(0, floor[i] - share)
        lowered = {}
        for cid, taken in inside.items():
            off, slope, base = sloped[cid]
            eligible = sum(state.amounts[i] for i in base) - taken
            at_most = int((slope * max(0, eligible)).to_integral_value(decimal.ROUND_CEILING)) + 1
            lowered[cid] = min(off, at_most)
        return lowered

    def gains(
        self, low: State, high: State
    ) -> list[tuple[int, decimal.Decimal | None, list[str], int]]:
        """How much more each coupon could take off ``high`` than ``low`` (the same lines at
        higher amounts) on its own, with its slope, its lines, and the minor units its rounded
        discount may run ahead of its slope (a rate's; cash follows to the unit)."""
        found = []
        for coupon, on_high, on_low in zip(self.pool, self.offs(high), self.offs(low), strict=True):
            gain = on_high - on_low
            if gain > 0:
                ahead = 0 if coupon.benefit.kind is BenefitKind.CASH else 1
                base = self.problem.coupon_base(coupon, low)
                found.append((gain, coupon.benefit.slope(), base, ahead))
        return found

    def choose(self, state: State) -> tuple[tuple[WalletCoupon, ...], int]:
        """The best set for ``state`` and what it takes off (known for a state seen before)."""
        key = self._key(state)
        known = self._best.get(key)
        if known is None:
            if self.fixed is not None:
                off = state.payable() - self.problem.run_coupons(self.fixed, state).payable()
                known = (self.fixed, off)
            else:
                known = self._search(state)
            self._best[key] = known
        return known

    def _search(self, state: State) -> tuple[tuple[WalletCoupon, ...], int]:
        """The best set: each coupon that does not stack alone, and a depth-first walk over the
        stackable ones in the order they apply (:func:`coupon_order`), so each step applies one
        coupon to what the chosen ones before it left. A branch is cut when what it took plus
        what every later coupon takes alone cannot reach the best set."""
        offs = dict(zip([c.coupon_id for c in self.pool], self.offs(state), strict=True))
        useful = [c for c in self.pool if offs[c.coupon_id] > 0]
        walk = _Walk(self, state, [c for c in useful if c.stackable])
        for coupon in useful:
            if not coupon.stackable:
                walk.consider((coupon,), offs[coupon.coupon_id])
        stackable = walk.stackable  # the pool is in coupon_order
        for position in range(len(stackable) - 1, -1, -1):
            walk.rest[position] = walk.rest[position + 1] + offs[stackable[position].coupon_id]
        sums = [sum([state.amounts[i] for i in base]) for base in walk.bases]
        walk.walk(0, (), dict(state.amounts), sums, 0)
        return walk.best


class _Walk:
    """One walk over sets of stackable coupons (:meth:`CouponSearch._search`).

    A coupon reads only the total of its base. So the walk keeps each coupon's base total as
    the coupons before it leave it, and splits a coupon's discount over its lines (MON-3) only
    where a later coupon would read the split: a coupon every later one of which either holds
    all of its lines (and reads no split either) or none of them is *bulk* — its discount is
    taken off those later coupons' totals whole."""

    def __init__(self, search: CouponSearch, state: State, stackable: list[WalletCoupon]) -> None:
        self.discount = search._discount
        self.budget = search.budget
        self.stackable = stackable
        self.rest = [0] * (len(stackable) + 1)
        """From each position, what every later coupon would take off alone."""
        self.best: tuple[tuple[WalletCoupon, ...], int] = ((), 0)
        problem = search.problem
        self.bases = [tuple(problem.base_on(c, state.took)) for c in stackable]
        # coupons often share a base (a shop's, the platform's): relate each distinct pair once
        distinct: dict[tuple[str, ...], int] = {}
        kinds = [distinct.setdefault(base, len(distinct)) for base in self.bases]
        sets = [frozenset(base) for base in distinct]
        relation: dict[tuple[int, int], frozenset[str]] = {}
        count = len(stackable)
        self.holding: list[list[int]] = [[] for _ in range(count)]
        """For each coupon, the later ones whose base holds all of its lines."""
        self.touching: list[list[tuple[int, tuple[str, ...]]]] = [[] for _ in range(count)]
        """For each coupon that is not bulk, the later ones whose base shares lines with it, and
        those lines."""
        self.bulk = [False] * count
        for p in range(count - 1, -1, -1):
            bulk = True
            mine = kinds[p]
            overlapping: list[tuple[int, frozenset[str]]] = []
            for q in range(p + 1, count):
                pair = (mine, kinds[q])
                shared = relation.get(pair)
                if shared is None:
                    shared = relation[pair] = sets[mine] & sets[kinds[q]]
                if not shared:
                    continue
                overlapping.append((q, shared))
                if shared == sets[mine]:
                    self.holding[p].append(q)
                    bulk = bulk and self.bulk[q]
                else:
                    bulk = False
            self.bulk[p] = bulk
            if not bulk:
                self.touching[p] = [
                    (q, tuple(i for i in self.bases[p] if i in shared)) for q, shared in overlapping
                ]

    @staticmethod
    def _rank(found: tuple[tuple[WalletCoupon, ...], int]) -> tuple[object, ...]:
        # most off; then fewer coupons, narrower scopes (CPN-7); then the lower ids
        chosen, taken = found
        narrowness = -sum(c.goods.narrowness for c in chosen)
        return (taken, -len(chosen), narrowness, [-c.coupon_id.int for c in chosen])

    def consider(self, coupons: tuple[WalletCoupon, ...], off: int) -> None:
        if self._rank((coupons, off)) > self._rank(self.best):
            self.best = (coupons, off)

    def walk(
        self,
        position: int,
        chosen: tuple[WalletCoupon, ...],
        at: dict[str, int],
        sums: list[int],
        taken: int,
    ) -> None:
        """From ``position`` on, with ``chosen`` applied: ``at`` each line's amount (exact on
        the lines of every coupon that is not bulk), ``sums`` each coupon's base total."""
        if position == len(self.stackable):
            self.consider(chosen, taken)
            return
        self.budget.tick()
        if self.best[0] and taken + self.rest[position] < self.best[1]:
            return
        coupon = self.stackable[position]
        off = self.discount(coupon, sums[position])
        if off:  # a coupon that takes nothing more is never worth having
            after = list(sums)
            if self.bulk[position]:
                for q in self.holding[position]:
                    after[q] -= off
                left = at
            else:
                left = dict(at)
                shares = take_off(off, self.bases[position], left)
                for q, shared in self.touching[position]:
                    after[q] -= sum([shares[i] for i in shared])
            self.walk(position + 1, (*chosen, coupon), left, after, taken + off)
        self.walk(position + 1, chosen, at, sums, taken)


__all__ = ["CouponSearch"]
