"""A state machine over a points-mall item, its redemptions and three customers' points
accounts (PTS-9, STK-2), against :class:`MallModel`.

An item is drawn (:func:`~shop_testing.strategies.points.mall_items`: with or without a cash
part, a little stock, a low-stock level) and the customers are granted points. The rules then
do what the handlers of :mod:`shop_app.loyalty.mall` do, each step all or nothing as its unit
of work is (a refused step leaves the item, the redemption and the account as they were):
customers redeem — the item's stock taken, the redemption placed, the points spent for it —
sometimes more than the stock or their points allow, or a quantity out of range; redemptions
are paid, shipped, completed and cancelled (the stock given back to the item, the points to the
account), each move tried from every state; the item is restocked; customers are granted more.

Each answer — the redemption's state, the stock, or the code it is refused with — must be the
model's. After every step: the stock is never below zero and is the initial stock plus the
restocks less what the live redemptions took; each redemption is in the model's state; each
customer's balance is the model's, and what they were granted is their balance plus the points
of their redemptions still pending (held) and shipped or completed (spent) — so a cancellation
gave back its points exactly once; every event recorded since the last step is one the model
expected (a ``MallStockLow`` exactly when the stock falls to its level from above, a
``RedemptionChanged`` for each move); and
:func:`~shop_testing.invariants.points.check_points_books` holds for every account.

Extend it by subclassing: ``item_type`` and ``redemption_type`` (subclasses of the aggregates,
as a planted bug is), more rules reading ``self.item``, ``self.redemptions``, ``self.accounts``
and ``self.model``, running their steps through :meth:`MallMachine.atomically`.
"""

from __future__ import annotations

import copy
import functools
import itertools
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from shop_app.loyalty.mall import CANCEL_KEY, REDEEM_KEY
from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.expiry import Never
from shop_domain.loyalty.lots import Source
from shop_domain.loyalty.mall import (
    MallItem,
    MallStockLow,
    Redemption,
    RedemptionChanged,
    RedemptionState,
    quantity_of,
)
from shop_domain.loyalty.programme import Programme
from shop_domain.shared.errors import DomainError
from shop_testing.invariants.points import check_points_books
from shop_testing.machines.mall_model import LIVE, MOVES, OPEN, Answer, MallModel
from shop_testing.strategies.common import NOW
from shop_testing.strategies.points import mall_items

USERS = tuple(uuid.UUID(int=0xC0 + n) for n in range(3))
PROGRAMME = Programme(Never())
"""Points that never expire: what a customer was granted is all accounted for."""

users = st.sampled_from(USERS)
grants = st.integers(1, 2_000)


def _quantity(n: int) -> int:
    """0..11: one to four, what a customer orders; then 0, 12, 99 and 100: out of range, or
    more than the stock."""
    return 1 + n % 4 if n < 12 else (0, 12, 99, 100)[n - 12]


quantities = st.integers(0, 15).map(_quantity)


class MallMachine(RuleBasedStateMachine):
    item_type: ClassVar[type[MallItem]] = MallItem
    redemption_type: ClassVar[type[Redemption]] = Redemption

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW
        self._ids = (uuid.UUID(int=0x3A11 << 64 | n) for n in itertools.count())
        self.accounts = {
            user: PointsAccount.open(id=next(self._ids), user_id=user, now=NOW) for user in USERS
        }
        self.redemptions: dict[uuid.UUID, Redemption] = {}

    @initialize(data=st.data(), granted=st.lists(st.tuples(users, grants), max_size=4))
    def start(self, data: st.DataObject, granted: list[tuple[uuid.UUID, int]]) -> None:
        """The item (an ``item_type``) and the points the customers start with."""
        items = mall_items(max_points=100, max_stock=30, kind=self.item_type)
        self.item = item = data.draw(items, label="item")
        self.model = MallModel(
            price=item.points,
            cash=item.cash is not None,
            stock=item.stock,
            low_stock=item.low_stock,
            initial=item.stock,
            granted=dict.fromkeys(USERS, 0),
            balance=dict.fromkeys(USERS, 0),
        )
        for user, points in granted:
            self.grant(user, points)

    def atomically(self, step: Callable[[], Answer], *aggregates: Any) -> Answer:
        """Run ``step`` as a unit of work would: refused, it leaves ``aggregates`` (and the
        events they recorded) as they were, and answers the refusal's code."""
        saved = [copy.deepcopy(vars(aggregate)) for aggregate in aggregates]
        try:
            return step()
        except DomainError as refused:
            for aggregate, state in zip(aggregates, saved, strict=True):
                vars(aggregate).clear()
                vars(aggregate).update(state)
            return refused.code

    def same(self, expected: Answer, step: Callable[[], Answer], *aggregates: Any) -> None:
        answer = self.atomically(step, *aggregates)
        assert answer == expected, f"answered {answer!r}; the model expected {expected!r}"

    # --- rules ---------------------------------------------------------------------------------
    @rule(user=users, points=grants)
    def grant(self, user: uuid.UUID, points: int) -> None:
        self.model.grant(user, points)
        lot_id = next(self._ids)
        account = self.accounts[user]
        account.grant(
            points=points, source=Source.ACTIVITY, lot_id=lot_id, programme=PROGRAMME, now=self.now
        )

    @rule(user=users, quantity=quantities)
    def redeem(self, user: uuid.UUID, quantity: int) -> None:
        redemption_id = next(self._ids)
        expected = self.model.redeem(redemption_id, user, quantity)
        self.same(
            expected,
            lambda: self._redeem(redemption_id, user, quantity),
            self.item,
            self.accounts[user],
        )

    def _redeem(self, redemption_id: uuid.UUID, user: uuid.UUID, quantity: int) -> Answer:
        """The item's stock, the redemption, the points: as ``Redeem`` does."""
        quantity = quantity_of(quantity)
        self.item.redeem(quantity, self.now)
        redemption = self.redemption_type.place(
            id=redemption_id, user_id=user, item=self.item, quantity=quantity, now=self.now
        )
        self.accounts[user].spend(redemption.id, REDEEM_KEY, redemption.points, self.now)
        self.redemptions[redemption.id] = redemption
        return redemption.state

    @precondition(lambda self: self.redemptions)
    @rule(data=st.data())
    def move(self, data: st.DataObject) -> None:
        """Most often a redemption not yet completed or cancelled, and a move its state allows
        (any one, and any move, otherwise: the refusals are tried too)."""
        often: int = data.draw(st.integers(0, 3), label="fitting")
        everyone = list(self.redemptions.values())
        open_ = [r for r in everyone if r.state in OPEN]
        redemption: Redemption = data.draw(
            st.sampled_from(open_ if open_ and often else everyone), label="redemption"
        )
        allowed = [
            command for command, (sources, _) in MOVES.items() if redemption.state in sources
        ]
        command: str = data.draw(
            st.sampled_from(allowed if allowed and often else list(MOVES)), label="command"
        )
        expected = self.model.move(redemption.id, command)
        if command == "cancel":
            account = self.accounts[redemption.user_id]
            step = functools.partial(self._cancel, redemption, account)
            self.same(expected, step, redemption, self.item, account)
        else:
            self.same(expected, functools.partial(self._move, redemption, command), redemption)

    def _move(self, redemption: Redemption, command: str) -> Answer:
        getattr(redemption, command)(self.now)
        return redemption.state

    def _cancel(self, redemption: Redemption, account: PointsAccount) -> Answer:
        """The redemption cancelled, its stock and points given back: as ``CancelRedemption``
        does."""
        redemption.cancel(self.now)
        self.item.give_back(redemption.quantity)
        account.restore(redemption.id, CANCEL_KEY, redemption.points, self.now)
        return redemption.state

    @rule(quantity=st.sampled_from((1, 2, 3, 5, 8, 0)))
    def restock(self, quantity: int) -> None:
        expected = self.model.restock(quantity)
        self.same(expected, lambda: self._restock(quantity), self.item)

    def _restock(self, quantity: int) -> Answer:
        self.item.restock(quantity)
        return self.item.stock

    # --- invariants ----------------------------------------------------------------------------
    @invariant()
    def stock_is_a_plain_count(self) -> None:
        taken = sum(r.quantity for r in self.redemptions.values() if r.state in LIVE)
        counted = self.model.initial + self.model.restocked - taken
        assert self.item.stock == self.model.stock == counted, (
            f"stock {self.item.stock}; the model's {self.model.stock}; initial + restocked − "
            f"taken by live redemptions is {counted}"
        )
        assert self.item.stock >= 0, f"stock {self.item.stock} below zero"

    @invariant()
    def redemptions_are_the_models(self) -> None:
        for redemption in self.redemptions.values():
            model = self.model.redemptions[redemption.id]
            mine = (redemption.user_id, redemption.quantity, redemption.points, redemption.state)
            expected = (model.user, model.quantity, model.points, model.state)
            assert mine == expected, f"redemption {mine}; the model's {expected}"

    @invariant()
    def points_are_accounted_for(self) -> None:
        for user, account in self.accounts.items():
            mine = [r for r in self.redemptions.values() if r.user_id == user]
            held = sum(r.points for r in mine if r.state in MOVES["cancel"][0])  # cancellable
            spent = sum(r.points for r in mine if r.state in LIVE) - held
            granted = self.model.granted[user]
            assert spent + held + account.balance == granted, (
                f"customer {user}: spent {spent} + held {held} + balance {account.balance} "
                f"is not the {granted} granted"
            )
            assert account.balance == self.model.balance[user], (
                f"customer {user}: balance {account.balance}; the model's "
                f"{self.model.balance[user]}"
            )
            check_points_books(account, PROGRAMME)

    @invariant()
    def events_are_the_models(self) -> None:
        warnings, changes = self.model.pull_events()
        mine: list[Any] = []
        for event in self.item.pull_events():
            assert isinstance(event, MallStockLow), f"the item recorded {event}"
            mine.append((event.stock, event.low_stock))
        assert mine == warnings, f"low-stock events {mine}; the model expected {warnings}"
        mine = []
        for redemption in self.redemptions.values():
            for event in redemption.pull_events():
                assert isinstance(event, RedemptionChanged), f"{redemption.id} recorded {event}"
                mine.append((event.redemption_id, RedemptionState(event.state), event.points))
        assert mine == changes, f"redemption events {mine}; the model expected {changes}"


__all__ = ["PROGRAMME", "USERS", "MallMachine"]
