"""Carts under any sequence of adds, changes, removals and sign-in merges (ORD-1), against a
plain model: the same answers and refusals, quantities never past the limit, lines never past
the most a cart holds, a merge adding quantities exactly (capped) — and against a cart with a
bug planted in its merge, which the machine must catch."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.property.machine_support import hunt, machine_test

from shop_domain.ordering.cart import Cart, CartLimits, MergeOutcome
from shop_domain.shared.errors import DomainError

NOW = dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)
LIMITS = CartLimits(max_quantity=20, max_lines=4)
SKUS = [uuid.UUID(int=0x5000 + n) for n in range(6)]
skus = st.sampled_from(SKUS)
quantities = st.integers(-1, 22)
Model = dict[uuid.UUID, int]


class CartMachine(RuleBasedStateMachine):
    cart_class: type[Cart] = Cart

    @initialize()
    def start(self) -> None:
        self.now = NOW
        self.user = self.cart_class.for_user(id=uuid.uuid4(), user_id=uuid.uuid4(), now=NOW)
        self.guest = self._new_guest()
        self.model: dict[str, Model] = {"user": {}, "guest": {}}

    def _new_guest(self) -> Cart:
        return self.cart_class.for_guest(id=uuid.uuid4(), token="t" * 43, now=self.now)

    def _cart(self, which: str) -> Cart:
        return self.user if which == "user" else self.guest

    def _tick(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now

    @rule(which=st.sampled_from(["user", "guest"]), sku=skus, quantity=quantities)
    def add(self, which: str, sku: uuid.UUID, quantity: int) -> None:
        model = self.model[which]
        if not 1 <= quantity <= LIMITS.max_quantity:
            expected: object = "cart.invalid"
        elif sku not in model and len(model) >= LIMITS.max_lines:
            expected = "cart.full"
        elif model.get(sku, 0) + quantity > LIMITS.max_quantity:
            expected = "cart.quantity_limit"
        else:
            expected = model[sku] = model.get(sku, 0) + quantity
        try:
            answer: object = self._cart(which).add(sku, quantity, LIMITS, self._tick()).quantity
        except DomainError as refused:
            answer = refused.code
        assert answer == expected

    @rule(which=st.sampled_from(["user", "guest"]), sku=skus, quantity=quantities)
    def change(self, which: str, sku: uuid.UUID, quantity: int) -> None:
        model = self.model[which]
        if not 1 <= quantity <= LIMITS.max_quantity:
            expected: object = "cart.invalid"
        elif sku not in model:
            expected = "cart.line_not_found"
        else:
            expected = model[sku] = quantity
        try:
            line = self._cart(which).change(sku, LIMITS, self._tick(), quantity=quantity)
            answer: object = line.quantity
        except DomainError as refused:
            answer = refused.code
        assert answer == expected

    @rule(which=st.sampled_from(["user", "guest"]), chosen=st.sets(skus, max_size=3))
    def remove(self, which: str, chosen: set[uuid.UUID]) -> None:
        model = self.model[which]
        expected = sum(1 for sku in chosen if model.pop(sku, None) is not None)
        assert self._cart(which).remove(chosen, self._tick()) == expected

    @rule()
    def sign_in(self) -> None:
        """The guest signs in: their cart merges into the user's, and a new guest cart
        starts."""
        mine, theirs = self.model["user"], self.model["guest"]
        before = dict(mine)
        oldest_first = sorted(theirs, key=lambda s: (self.guest.lines[s].added_at, s))
        outcome = self.user.absorb(self.guest, LIMITS, self._tick())
        for sku in oldest_first:
            if sku in mine:
                mine[sku] = min(mine[sku] + theirs[sku], LIMITS.max_quantity)
            elif len(mine) < LIMITS.max_lines:
                mine[sku] = theirs[sku]
        assert set(outcome.added) == set(mine) - set(before)
        assert set(outcome.dropped) == set(theirs) - set(mine)
        assert set(outcome.capped) == {
            s for s in theirs if s in before and before[s] + theirs[s] > LIMITS.max_quantity
        }
        assert self.guest.lines == {}
        assert self.user.absorb(self.guest, LIMITS, self._tick()) == MergeOutcome()
        self.guest = self._new_guest()
        self.model["guest"] = {}

    @invariant()
    def matches_the_model_within_the_limits(self) -> None:
        if not hasattr(self, "user"):
            return
        for which in ("user", "guest"):
            cart = self._cart(which)
            held = {sku: line.quantity for sku, line in cart.lines.items()}
            assert held == self.model[which]
            assert len(held) <= LIMITS.max_lines
            assert all(1 <= quantity <= LIMITS.max_quantity for quantity in held.values())


TestCartMachine = machine_test(CartMachine, "ORD-1")


# --- a planted bug ------------------------------------------------------------------------------


class UncappedMerge(Cart):
    """Adds the guest's quantities without the cap."""

    def absorb(self, guest: Cart, limits: CartLimits, now: dt.datetime) -> MergeOutcome:
        for sku, line in guest.lines.items():
            if sku in self.lines:
                self.lines[sku].quantity += line.quantity
                line.quantity = 0
        return super().absorb(guest, limits, now)


class MachineMergingUncapped(CartMachine):
    cart_class = UncappedMerge


@pytest.mark.rule("ORD-1")
def test_the_machine_finds_a_merge_past_the_quantity_limit() -> None:
    with pytest.raises(AssertionError):
        hunt(MachineMergingUncapped)
