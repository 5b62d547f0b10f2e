"""The rules of combination (PRO-4..6, CPN-6, CPN-8), as one evaluation of a *plan*.

A plan says, for each level of PRO-4, which promotion each line takes (at most one, PRO-5; a
promotion acts on the lines that took it), and which coupons are used. :class:`Problem` holds
what a plan is evaluated against — the lines, the promotions that fit each line at each level
(:class:`Offer`), the coupons usable at all — and :meth:`Problem.run_level` /
:meth:`Problem.run_coupons` evaluate it level by level on a :class:`State` of plain integers:

- item prices cut unit prices; bundles, thresholds and coupons take amounts off the lines that
  took them, allocated over their amounts by MON-3, so every threshold is measured on what the
  earlier levels left (PRO-4);
- an add-on line costs its offer's price while the promotion that offers it applies;
- coupons come last, stacked in a fixed order (narrowest scope first, then by id), each
  measured on what the earlier ones left; a coupon that does not combine with promotions
  leaves out every line that took one (PRO-6).

The search (:mod:`.search`) and the exhaustive reference of the tests evaluate plans only
through this module, so they agree on what a combination is worth.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Mapping, Sequence

import attrs

from shop_domain.pricing.engine.inputs import CartLine
from shop_domain.pricing.engine.keys import Named, lines_by_id, named_lines
from shop_domain.pricing.engine.wallet import WalletCoupon
from shop_domain.pricing.kinds.base import (
    AddOnOffer,
    Applied,
    Context,
    Gift,
    GiftGrant,
    Outcome,
    PriceCut,
    Reduction,
)
from shop_domain.pricing.lines import Line
from shop_domain.pricing.promotion import Level, Promotion
from shop_domain.pricing.terms import target_keys
from shop_domain.shared.money import Money, allocate_minor

LEVELS = (Level.ITEM, Level.BUNDLE, Level.SHOP, Level.ORDER)
LEVEL_INDEX = {level: n for n, level in enumerate(LEVELS)}


@attrs.frozen(eq=False)
class Offer:
    """A promotion that fits some lines at its level: active, on the channel, for this
    customer. One per promotion in a problem, so it is its own identity (hashed as fast as
    an object, where a promotion's id is a UUID hashed in Python)."""

    promotion: Promotion
    line_ids: tuple[str, ...]
    id: uuid.UUID = attrs.field(init=False)
    level: Level = attrs.field(init=False)
    """The promotion's id and level, read once (a search reads them at every step)."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "id", self.promotion.id)
        object.__setattr__(self, "level", self.promotion.level)


offer_order = operator.attrgetter("id.int")
"""Offers by their promotions' ids (as integers: the order of the UUIDs, compared in C)."""


@attrs.define
class State:
    """Where a plan stands after some levels: each line's unit price and amount (minor units),
    the lines that took a promotion, and what the applied promotions did."""

    units: dict[str, int]
    amounts: dict[str, int]
    took: set[str]
    applied: list[tuple[Offer, tuple[str, ...], Applied]] = attrs.Factory(list)
    ledger: list[tuple[Offer, dict[str, int]]] = attrs.Factory(list)
    """What each applied promotion took off each line (minor units)."""
    coupons: list[tuple[WalletCoupon, dict[str, int]]] = attrs.Factory(list)

    def copy(self) -> State:
        return State(
            dict(self.units),
            dict(self.amounts),
            set(self.took),
            list(self.applied),
            list(self.ledger),
            list(self.coupons),
        )

    def payable(self) -> int:
        return sum(self.amounts.values())

    def prices(self, line_ids: Sequence[str]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The unit prices and amounts of ``line_ids``: all a promotion reads of them, so what
        it does to them is known by these (and by its lines)."""
        return (
            tuple(map(self.units.__getitem__, line_ids)),
            tuple(map(self.amounts.__getitem__, line_ids)),
        )

    def gifts(self) -> list[tuple[Offer, Gift, tuple[str, ...]]]:
        """Each gift the applied promotions give, with the promotion and the lines that earned
        it."""
        return [
            (offer, gift, effect.line_ids)
            for offer, _, applied in self.applied
            for effect in applied.effects
            if isinstance(effect, GiftGrant)
            for gift in effect.gifts
        ]

    def gift_value(self) -> int:
        return sum(gift.value.minor * gift.quantity for _, gift, _ in self.gifts())


_TAKING = (GiftGrant, AddOnOffer)
"""Effects that change no price but take their lines (PRO-5)."""

Assignment = Mapping[str, uuid.UUID]
"""A level of a plan: the promotion each line takes (a line not named takes none)."""


def take_off(amount: int, line_ids: Sequence[str], amounts: dict[str, int]) -> dict[str, int]:
    """Take ``amount`` (at most what the lines hold) off ``line_ids`` in ``amounts``, split by
    their amounts (MON-3): what each gave."""
    bases = [amounts[line_id] for line_id in line_ids]
    shares = allocate_minor(min(amount, sum(bases)), bases)
    for line_id, share in zip(line_ids, shares, strict=True):
        amounts[line_id] -= share
    return dict(zip(line_ids, shares, strict=True))


class Amounts(dict[int, Money]):
    """Amounts of one currency by minor units, each made when first asked for: a quote
    repeats many amounts, and an amount is immutable, so equal ones may be one object."""

    def __init__(self, currency: str) -> None:
        super().__init__()
        self.currency = currency

    def __missing__(self, minor: int) -> Money:
        amount = self[minor] = Money(minor, self.currency)
        return amount


def coupon_order(coupon: WalletCoupon) -> tuple[int, int]:
    """The order stacked coupons apply in: narrowest scope first, then by id (as an integer:
    the same order, compared without calling into Python)."""
    return (coupon.goods.narrowness, coupon.coupon_id.int)


@attrs.frozen
class Problem:
    lines: tuple[CartLine, ...]
    context: Context
    offers: Mapping[uuid.UUID, Offer]
    fits: Mapping[tuple[str, Level], tuple[uuid.UUID, ...]]
    """The promotions that fit each (line, level), best-ranked first (PRO-5)."""
    coupons: tuple[WalletCoupon, ...]
    """The coupons usable at all (available, valid, on the channel), in :func:`coupon_order`."""
    gift_picks: Mapping[uuid.UUID, Mapping[uuid.UUID, int]] = attrs.field(factory=dict)
    by_id: Mapping[str, CartLine] = attrs.field(init=False)
    scopes: Mapping[uuid.UUID, tuple[str, ...]] = attrs.field(init=False)
    """The lines in each usable coupon's scope (add-on lines are in none)."""
    _list_total: int = attrs.field(init=False)
    _evaluated: dict[object, Outcome] = attrs.field(init=False, factory=dict, eq=False, repr=False)
    """Outcomes by promotion and its lines' prices: a kind is a pure function of them."""
    _lines: dict[tuple[str, int, int], Line] = attrs.field(
        init=False, factory=dict, eq=False, repr=False
    )
    money: Amounts = attrs.field(init=False, eq=False, repr=False)
    """The amounts of this problem (its lines' prices, its quote's figures), each made once."""
    named: Named | None = attrs.field(default=None, kw_only=True, eq=False, repr=False)
    """:func:`lines_by_id` of the lines (found here when not given)."""
    add_on_lines: tuple[CartLine, ...] = attrs.field(init=False, eq=False, repr=False)
    """The add-on lines (each the SKU a promotion offers as an add-on)."""

    def __attrs_post_init__(self) -> None:
        if self.named is None:
            object.__setattr__(self, "named", lines_by_id(self.lines))
        object.__setattr__(self, "money", Amounts(self.context.currency))
        object.__setattr__(self, "by_id", {line.line_id: line for line in self.lines})
        add_ons = tuple(line for line in self.lines if line.add_on_of is not None)
        object.__setattr__(self, "add_on_lines", add_ons)
        object.__setattr__(self, "scopes", {c.coupon_id: self.scope_of(c) for c in self.coupons})
        total = sum(line.unit_price.minor * line.quantity for line in self.lines)
        object.__setattr__(self, "_list_total", total)

    def start(self) -> State:
        units = {line.line_id: line.unit_price.minor for line in self.lines}
        amounts = {line.line_id: line.unit_price.minor * line.quantity for line in self.lines}
        return State(units, amounts, set())

    def list_total(self) -> int:
        return self._list_total

    # --- promotions -----------------------------------------------------------------------------
    def line_at(self, line: CartLine, state: State) -> Line:
        """``line`` as ``state`` prices it (lines are immutable: one object per price)."""
        line_id = line.line_id
        return self._line(line_id, state.units[line_id], state.amounts[line_id])

    def _line(self, line_id: str, unit: int, amount: int) -> Line:
        key = (line_id, unit, amount)
        found = self._lines.get(key)
        if found is None:
            line, money = self.by_id[line_id], self.money
            found = self._lines[key] = Line(
                line_id, line.item, line.quantity, money[unit], money[amount]
            )
        return found

    def evaluate(self, offer: Offer, line_ids: Sequence[str], state: State) -> Outcome:
        """What ``offer`` does to ``line_ids`` as ``state`` prices them."""
        units, amounts = state.prices(line_ids)
        key = (offer, tuple(line_ids), units, amounts)
        found = self._evaluated.get(key)
        if found is not None:
            return found
        lines = list(map(self._line, line_ids, units, amounts))
        picks = self.gift_picks.get(offer.id) if self.gift_picks else None
        kind = offer.promotion.definition.kind
        if picks is not None:
            found = kind.evaluate(lines, self.context, picks=picks)  # type: ignore[call-arg]
        else:
            found = kind.evaluate(lines, self.context)
        self._evaluated[key] = found
        return found

    def apply(self, offer: Offer, line_ids: tuple[str, ...], state: State) -> Outcome:
        """Evaluate ``offer`` on ``line_ids`` and, when it applies, change ``state``."""
        outcome = self.evaluate(offer, line_ids, state)
        if not isinstance(outcome, Applied):
            return outcome
        by_id = self.by_id
        took: list[str] = []
        off: dict[str, int] = {}
        for effect in outcome.effects:
            if isinstance(effect, PriceCut):
                for line_id, unit in effect.unit_prices.items():
                    new_amount = unit.minor * by_id[line_id].quantity
                    off[line_id] = off.get(line_id, 0) + state.amounts[line_id] - new_amount
                    state.units[line_id] = unit.minor
                    state.amounts[line_id] = new_amount
                    took.append(line_id)
            elif isinstance(effect, Reduction):
                for line_id, share in take_off(
                    effect.amount.minor, effect.line_ids, state.amounts
                ).items():
                    off[line_id] = off.get(line_id, 0) + share
                took.extend(effect.line_ids)
            elif isinstance(effect, _TAKING):
                took.extend(effect.line_ids)
        state.took.update(took)
        state.applied.append((offer, line_ids, outcome))
        if off:
            state.ledger.append((offer, off))
        return outcome

    def run_level(self, level: Level, assignment: Assignment, state: State) -> State:
        """A copy of ``state`` after ``level``, each promotion acting on the lines that took
        it; after the threshold levels, add-on lines take their offers' prices."""
        after = state.copy()
        groups: dict[uuid.UUID, list[str]] = {}
        for line in self.lines:
            chosen = assignment.get(line.line_id)
            if chosen is not None:
                groups.setdefault(chosen, []).append(line.line_id)
        for promotion_id in sorted(groups):
            self.apply(self.offers[promotion_id], tuple(groups[promotion_id]), after)
        if level is Level.ORDER:
            self.price_add_ons(after)
        return after

    def price_add_ons(self, state: State) -> None:
        """After the threshold levels: each add-on line costs its offer's price while the
        promotion that offers it applies (and offers enough of it)."""
        if not self.add_on_lines:
            return
        offered: dict[tuple[uuid.UUID, uuid.UUID], AddOnOffer] = {}
        for offer, _, applied in state.applied:
            for effect in applied.effects:
                if isinstance(effect, AddOnOffer):
                    offered[(offer.id, effect.sku_id)] = effect
        for line in self.add_on_lines:
            assert line.add_on_of is not None
            found = offered.get((line.add_on_of, line.item.sku_id))
            if found is not None and found.quantity >= line.quantity:
                unit = min(found.price.minor, state.units[line.line_id])
                new_amount = unit * line.quantity
                saved = state.amounts[line.line_id] - new_amount
                state.units[line.line_id] = unit
                state.amounts[line.line_id] = new_amount
                state.took.add(line.line_id)
                if saved:
                    state.ledger.append((self.offers[line.add_on_of], {line.line_id: saved}))

    # --- coupons --------------------------------------------------------------------------------
    def scope_of(self, coupon: WalletCoupon) -> tuple[str, ...]:
        """The lines in ``coupon``'s goods (add-on lines are in none)."""
        named, excluded = self.named, coupon.goods.excluded
        assert named is not None
        found = named_lines(named, coupon.goods.included)
        return tuple(
            self.lines[n].line_id
            for n in found
            if not excluded or excluded.isdisjoint(target_keys(self.lines[n].item))
        )

    def scope(self, coupon: WalletCoupon) -> tuple[str, ...]:
        """``coupon``'s lines: found once for a usable coupon, on demand for another (its
        verdict)."""
        found = self.scopes.get(coupon.coupon_id)
        return found if found is not None else self.scope_of(coupon)

    def coupon_base(self, coupon: WalletCoupon, state: State) -> list[str]:
        """The lines ``coupon`` is measured on (CPN-6, PRO-6): in its scope, not add-on lines,
        and — for a coupon that does not combine with promotions — none that took one."""
        return self.base_on(coupon, state.took)

    def base_on(self, coupon: WalletCoupon, took: set[str]) -> list[str]:
        """:meth:`coupon_base` with the lines that ``took`` a promotion as given."""
        scope = self.scope(coupon)
        if coupon.combinable_with_promotions:
            return list(scope)
        return [line_id for line_id in scope if line_id not in took]

    def coupon_off(self, coupon: WalletCoupon, state: State) -> int:
        """What ``coupon`` would take off ``state`` alone."""
        base = self.coupon_base(coupon, state)
        return coupon.benefit.discount_minor(sum(state.amounts[line_id] for line_id in base))

    def run_coupons(self, coupons: Sequence[WalletCoupon], state: State) -> State:
        """A copy of ``state`` after ``coupons`` (already in :func:`coupon_order`)."""
        after = state.copy()
        for coupon in coupons:
            after.coupons.append((coupon, self.stack(coupon, after.amounts, after.took)))
        return after

    def stack(
        self, coupon: WalletCoupon, amounts: dict[str, int], took: set[str]
    ) -> dict[str, int]:
        """Apply ``coupon`` to ``amounts`` (lines that ``took`` a promotion as given): what it
        takes off each line of its base, measured on what the coupons before it left and split
        by MON-3. The one rule for stacking coupons, on a state or on plain amounts."""
        base = self.base_on(coupon, took)
        off = coupon.benefit.discount_minor(sum(amounts[line_id] for line_id in base))
        return take_off(off, base, amounts)


__all__ = [
    "LEVELS",
    "Amounts",
    "LEVEL_INDEX",
    "Assignment",
    "Offer",
    "Problem",
    "State",
    "coupon_order",
    "offer_order",
    "take_off",
]
