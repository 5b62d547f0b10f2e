"""A state machine over one points account (PTS-2..8), against :class:`PointsModel`.

It grants lots and adjusts the balance; spends, holds, captures and gives back holds for a few
orders; restores spent points; earns purchase points, releases them, reverses them in
proportion to refunds; lets days pass (past expiries too) and sweeps, twice in a row. Keys are
drawn from a few, so commands are repeated with their key (and answer the same) or reuse a key
for another request (and are refused).

Each command's answer — the points it moved or the code it was refused with — must be the
model's; after every step the account's figures and each lot's points must be the model's, and
:func:`~shop_testing.invariants.points.check_points_books` must hold: balance = Σ entries, each
spend's lot entries sum to it, no point restored to or spent from an expired lot, holds
consistent lot by lot, never below zero with a clamping programme.

Extend it by subclassing: ``account_type`` (a subclass of the account, as a planted bug is),
more rules reading ``self.account`` and ``self.model``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.expiry import Calendar, Never, Rolling
from shop_domain.loyalty.lots import Source
from shop_domain.loyalty.programme import Programme, ShortfallPolicy
from shop_domain.shared.errors import DomainError
from shop_testing.invariants.points import check_points_books
from shop_testing.machines.points_model import KEY_REUSED, Answer, PointsModel
from shop_testing.strategies.common import NOW

ORDERS = tuple(uuid.UUID(int=0x0DE0 + n) for n in range(3))
KEYS = ("k1", "k2", "k3", "k4", "k5", "k6")
SHORT_EXPIRIES = (Rolling(1, "Asia/Shanghai"), Rolling(2, "UTC"), Calendar(0), Never())
"""Expiries short enough for a run of a few dozen steps to see lots expire."""

orders = st.sampled_from(ORDERS)
keys = st.sampled_from(KEYS)
points = st.integers(1, 300)


class PointsAccountMachine(RuleBasedStateMachine):
    account_type: ClassVar[type[PointsAccount]] = PointsAccount

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW
        self._ids = (uuid.UUID(int=0x7070 << 64 | n) for n in itertools.count())
        self.account = self.account_type(
            id=next(self._ids), user_id=next(self._ids), created_at=NOW
        )
        self.model = PointsModel(Programme())
        self._released: dict[tuple[uuid.UUID, str], uuid.UUID] = {}

    @initialize(
        expiry=st.sampled_from(SHORT_EXPIRIES),
        shortfall=st.sampled_from(ShortfallPolicy),
        grants=st.lists(st.tuples(points, st.integers(1, 20)), max_size=5),
    )
    def start(self, expiry: Any, shortfall: ShortfallPolicy, grants: list[tuple[int, int]]) -> None:
        """The programme, and a few lots granted over the days before the run starts (some
        about to expire)."""
        self.model.programme = Programme(expiry, shortfall)
        days = sum(gap for _, gap in grants)
        self.now -= dt.timedelta(days=days)
        for amount, gap in grants:
            self.grant(amount, Source.CHECK_IN)
            self.now += dt.timedelta(days=gap)

    def pick(self, data: st.DataObject, wanted: Callable[[Any], bool]) -> uuid.UUID:
        """An order the model says ``wanted`` fits most often (any order otherwise, so the
        refusals are tried too)."""
        fitting = [o for o in ORDERS if o in self.model.orders and wanted(self.model.orders[o])]
        often: int = data.draw(st.integers(0, 3), label="fitting")
        chosen: uuid.UUID = data.draw(
            st.sampled_from(fitting) if fitting and often else orders, label="order"
        )
        return chosen

    @property
    def programme(self) -> Programme:
        return self.model.programme

    def same(self, expected: Answer, command: Callable[[], int]) -> None:
        """Run ``command``; its answer (or refusal code) must be ``expected``."""
        try:
            answer: Answer = command()
        except DomainError as refused:
            answer = refused.code
        assert answer == expected, f"answered {answer!r}; the model expected {expected!r}"

    def order_step(
        self,
        order: uuid.UUID,
        key: str,
        request: object,
        model: Callable[[], Answer],
        command: Callable[[], int],
    ) -> None:
        known = self.model.order_command(order, key, request)
        expected = known if known is not None else model()
        if known is None and isinstance(expected, int):
            self.model.done(order, key, request, expected)
        self.same(expected, command)

    # --- rules ---------------------------------------------------------------------------------
    @rule(amount=points, source=st.sampled_from(Source))
    def grant(self, amount: int, source: Source) -> None:
        lot_id = next(self._ids)
        self.model.grant(lot_id, amount, self.now)
        self.account.grant(
            points=amount, source=source, lot_id=lot_id, programme=self.programme, now=self.now
        )

    @rule(amount=points)
    def adjust_down(self, amount: int) -> None:
        parts = self.model.take(amount, self.now)
        expected: Answer = "points.insufficient" if parts is None else amount
        if parts is not None:
            self.model.expire(self.now)
        self.same(expected, lambda: self._adjust_down(amount))

    def _adjust_down(self, amount: int) -> int:
        self.account.adjust(
            points=-amount, reason="audit", actor="op", programme=self.programme, now=self.now
        )
        return amount

    @rule(order=orders, key=keys, amount=points)
    def spend(self, order: uuid.UUID, key: str, amount: int) -> None:
        self.order_step(
            order,
            key,
            ("spend", amount),
            lambda: self.model.hold_or_spend(order, amount, self.now, hold=False),
            lambda: self.account.spend(order, key, amount, self.now),
        )

    @rule(order=orders, key=keys, amount=points)
    def hold(self, order: uuid.UUID, key: str, amount: int) -> None:
        self.order_step(
            order,
            key,
            ("hold", amount),
            lambda: self.model.hold_or_spend(order, amount, self.now, hold=True),
            lambda: self.account.hold(order, key, amount, self.now),
        )

    @rule(data=st.data(), key=keys)
    def capture(self, data: st.DataObject, key: str) -> None:
        order = self.pick(data, lambda o: o.held)
        self.order_step(
            order,
            key,
            ("capture",),
            lambda: self.model.capture(order, self.now),
            lambda: self.account.capture(order, key, self.now),
        )

    @rule(data=st.data(), key=keys)
    def unhold(self, data: st.DataObject, key: str) -> None:
        order = self.pick(data, lambda o: o.held)
        self.order_step(
            order,
            key,
            ("unhold",),
            lambda: self.model.unhold(order, self.now),
            lambda: self.account.unhold(order, key, self.now),
        )

    @rule(data=st.data(), key=keys, amount=points)
    def restore(self, data: st.DataObject, key: str, amount: int) -> None:
        order = self.pick(data, lambda o: o.spent)
        left = (
            sum(p - r for _, p, r in self.model.orders[order].spent)
            if order in self.model.orders
            else 0
        )
        if left and data.draw(st.booleans(), label="within"):
            amount = data.draw(st.integers(1, left), label="restored")
        self.order_step(
            order,
            key,
            ("restore", amount),
            lambda: self.model.restore(order, amount, self.now),
            lambda: self.account.restore(order, key, amount, self.now),
        )

    @rule(order=orders, key=keys, amount=points, paid=st.integers(1, 50_000))
    def earn(self, order: uuid.UUID, key: str, amount: int, paid: int) -> None:
        self.order_step(
            order,
            key,
            ("earn", amount, paid),
            lambda: self.model.earn(order, amount, paid, self.now),
            lambda: self.account.earn_pending(order, key, amount, paid, self.now),
        )

    @rule(data=st.data(), key=keys)
    def release(self, data: st.DataObject, key: str) -> None:
        order = self.pick(data, lambda o: o.earned and not o.released)
        known = self.model.order_command(order, key, ("release",))
        lot_id = next(self._ids)
        if known is not None and known != KEY_REUSED:  # a retry names the lot it named first
            lot_id = self._released[(order, key)]
        self._released[(order, key)] = lot_id
        self.order_step(
            order,
            key,
            ("release",),
            lambda: self.model.release(order, lot_id, self.now),
            lambda: self.account.release(order, key, lot_id, self.programme, self.now),
        )

    @rule(data=st.data(), key=keys, share=st.integers(1, 100))
    def reverse(self, data: st.DataObject, key: str, share: int) -> None:
        order = self.pick(data, lambda o: o.earned and o.refunded < o.paid)
        state = self.model.orders.get(order)
        paid = state.paid if state is not None and state.paid else 100
        refunded = max(1, paid * share // 100)
        self.order_step(
            order,
            key,
            ("reverse", refunded),
            lambda: self.model.reverse(order, refunded, self.now),
            lambda: self.account.reverse(order, key, refunded, self.programme, self.now),
        )

    @rule(days=st.integers(0, 120), hours=st.integers(0, 23))
    def pass_time(self, days: int, hours: int) -> None:
        self.now += dt.timedelta(days=days, hours=hours)

    @rule()
    def sweep(self) -> None:
        expected = self.model.expire(self.now)
        assert self.account.expire(self.now) == expected
        written = len(self.account.entries)
        assert self.account.expire(self.now) == 0, "a second sweep expired more"
        assert len(self.account.entries) == written, "a second sweep wrote entries"

    # --- invariants ----------------------------------------------------------------------------
    @invariant()
    def figures_are_the_models(self) -> None:
        account, model = self.account, self.model
        assert (account.balance, account.held, account.pending, account.debt) == (
            model.balance,
            model.held,
            model.pending,
            model.debt,
        ), "balance, held, pending, debt differ from the model's"
        for lot_id, lot in model.lots.items():
            mine = account.lots[lot_id].remaining
            assert mine == lot.remaining, f"lot {lot_id} holds {mine}; the model {lot.remaining}"

    @invariant()
    def books_hold(self) -> None:
        check_points_books(self.account, self.programme)


__all__ = ["KEYS", "ORDERS", "SHORT_EXPIRIES", "PointsAccountMachine"]
