"""Stock under any sequence of reservations, releases, shipments and adjustments (STK-1, STK-2),
against a plain model: the same answers and refusals, the same figures, the books holding after
every step, and a low-stock event exactly when available falls to its level from above."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from shop_domain.fulfillment.stock import StockItem, StockLow
from shop_domain.shared.errors import DomainError
from shop_testing.invariants.stock import check_stock_books

NOW = dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)
ORDERS = [uuid.UUID(int=0x0A00 + n) for n in range(5)]
orders = st.sampled_from(ORDERS)


class StockMachine(RuleBasedStateMachine):
    @initialize(on_hand=st.integers(0, 20), low=st.integers(0, 8))
    def start(self, on_hand: int, low: int) -> None:
        self.stock = StockItem.new(
            id=uuid.UUID(int=1),
            sku_id=uuid.UUID(int=2),
            warehouse_id=uuid.UUID(int=3),
            on_hand=on_hand,
            low_stock=low,
        )
        self.on_hand, self.low = on_hand, low
        self.held: dict[uuid.UUID, int] = {}
        self.ended: dict[uuid.UUID, tuple[str, int]] = {}

    @property
    def available(self) -> int:
        return self.on_hand - sum(self.held.values())

    def _answer(self, act: object, before: int) -> object:
        """What ``act`` answers (or its refusal's code); ``before``: the model's available
        before the step (the model has moved on already)."""
        try:
            answer = act()  # type: ignore[operator]
        except DomainError as refused:
            answer = refused.code
        low = [e for e in self.stock.pull_events() if isinstance(e, StockLow)]
        assert len(low) == (self.available <= self.low < before)
        return answer

    @rule(order=orders, quantity=st.integers(1, 8))
    def reserve(self, order: uuid.UUID, quantity: int) -> None:
        before = self.available
        if order in self.ended or (order in self.held and self.held[order] != quantity):
            expected: object = "stock.reservation_conflict"
        elif order in self.held:
            expected = False
        elif quantity > self.available:
            expected = "stock.insufficient"
        else:
            expected = True
            self.held[order] = quantity
        assert self._answer(lambda: self.stock.reserve(order, quantity, NOW), before) == expected

    @rule(order=orders)
    def release(self, order: uuid.UUID) -> None:
        before = self.available
        if order in self.held:
            expected: object = self.held.pop(order)
            self.ended[order] = ("released", expected)  # type: ignore[assignment]
        elif self.ended.get(order, ("",))[0] == "consumed":
            expected = "stock.reservation_conflict"
        else:
            expected = 0
        assert self._answer(lambda: self.stock.release(order, NOW), before) == expected

    @rule(order=orders)
    def ship(self, order: uuid.UUID) -> None:
        before = self.available
        if order in self.held:
            expected: object = self.held.pop(order)
            self.on_hand -= expected  # type: ignore[operator]
            self.ended[order] = ("consumed", expected)  # type: ignore[assignment]
        elif self.ended.get(order, ("",))[0] == "consumed":
            expected = 0
        else:
            expected = "stock.reservation_conflict"
        assert self._answer(lambda: self.stock.consume(order, NOW), before) == expected

    @rule(change=st.integers(-10, 10).filter(bool))
    def adjust(self, change: int) -> None:
        before = self.available
        if self.on_hand + change < sum(self.held.values()):
            expected: object = "stock.below_reserved"
        else:
            expected = None
            self.on_hand += change
        answer = self._answer(
            lambda: self.stock.adjust(change, reason="counted", actor="op", now=NOW), before
        )
        assert answer == expected

    @invariant()
    def books(self) -> None:
        if not hasattr(self, "stock"):
            return
        check_stock_books(self.stock)
        assert (self.stock.on_hand, self.stock.reserved) == (self.on_hand, sum(self.held.values()))


TestStock = pytest.mark.rule("STK-1")(pytest.mark.rule("STK-2")(StockMachine.TestCase))
TestStock.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
