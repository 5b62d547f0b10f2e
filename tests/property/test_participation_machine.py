"""PRO-7 as a state machine: random orders of a few members record and release participations
in three promotions (a total limit, a per-user limit, both) through the bus of a ``memory://``
runtime. A model predicts each answer exactly — recorded, a retry, or the code and promotion of
the refusal — and after every step the books hold: what counts never passes a limit, and every
counter is the log's count."""

from __future__ import annotations

import uuid
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule
from tests.unit.pricing.participation_support import active_promotion, read_books

from shop_app.pricing.participation import (
    ParticipationRecorded,
    RecordParticipation,
    ReleaseParticipation,
)
from shop_domain.pricing.terms import PromotionLimits
from shop_domain.shared.errors import DomainError
from shop_testing.machines.base import START, ShopMachine

LIMITS = (
    PromotionLimits(total=3),
    PromotionLimits(per_user=1),
    PromotionLimits(per_user=2, total=4),
)
USERS = tuple(uuid.UUID(int=0xA000 + n) for n in range(3))


@attrs.define
class Entry:
    user: uuid.UUID
    counts: bool = True


class ParticipationMachine(ShopMachine):
    def __init__(self) -> None:
        super().__init__()
        self.promotions = [
            self.run(active_promotion(self.shop.uow, START, limits, name=f"P{i}"))
            for i, limits in enumerate(LIMITS)
        ]
        self.limits = dict(zip(self.promotions, LIMITS, strict=True))
        self.orders: list[uuid.UUID] = []
        self.log: dict[tuple[uuid.UUID, uuid.UUID], Entry] = {}  # (order, promotion)

    # --- the model --------------------------------------------------------------------------
    def _taken(self, promotion: uuid.UUID, user: uuid.UUID | None = None) -> int:
        return sum(
            1
            for (_, p), entry in self.log.items()
            if p == promotion and entry.counts and (user is None or entry.user == user)
        )

    def _expect(self, order: uuid.UUID, user: uuid.UUID, wanted: list[uuid.UUID]) -> Any:
        """What recording should answer: ``(recorded, already)``, or ``(code, promotion)``."""
        held = [p for p in wanted if (order, p) in self.log]
        for p in held:
            entry = self.log[order, p]
            if entry.user != user or not entry.counts:
                return "promotion.participation_conflict", None
        fresh = [p for p in wanted if p not in held]
        for p in fresh:
            limits = self.limits[p]
            if limits.total is not None and self._taken(p) >= limits.total:
                return "promotion.total_limit", p
            if limits.per_user is not None and self._taken(p, user) >= limits.per_user:
                return "promotion.per_user_limit", p
        return tuple(fresh), tuple(held)

    # --- the rules --------------------------------------------------------------------------
    @rule(
        user=st.sampled_from(USERS),
        picks=st.lists(st.integers(0, len(LIMITS) - 1), min_size=1, max_size=3),
        again=st.booleans(),
        which=st.integers(0, 1000),
    )
    def record(self, user: uuid.UUID, picks: list[int], again: bool, which: int) -> None:
        if again and self.orders:
            order = self.orders[which % len(self.orders)]
        else:
            order = uuid.UUID(int=0xD000 + len(self.orders))
            self.orders.append(order)
        wanted = sorted({self.promotions[i] for i in picks})
        expected = self._expect(order, user, wanted)
        command = RecordParticipation(order_id=order, user_id=user, promotion_ids=tuple(wanted))
        try:
            answer = self.run(self.shop.runtime.bus.handle(command))
        except DomainError as error:
            answer = error
        if isinstance(answer, DomainError):
            code, promotion = expected
            assert answer.code == code, (answer, expected)
            if promotion is not None:
                assert answer.details["promotion_id"] == str(promotion)
            return
        assert isinstance(answer, ParticipationRecorded)
        assert (answer.recorded, answer.already) == expected
        for p in answer.recorded:
            self.log[order, p] = Entry(user)

    @precondition(lambda self: bool(self.orders))
    @rule(which=st.integers(0, 1000))
    def release(self, which: int) -> None:
        order = self.orders[which % len(self.orders)]
        expected = tuple(
            sorted(p for (o, p), entry in self.log.items() if o == order and entry.counts)
        )
        answer = self.run(self.shop.runtime.bus.handle(ReleaseParticipation(order_id=order)))
        assert answer.released == expected
        for p in expected:
            self.log[order, p].counts = False

    @rule(minutes=st.integers(1, 60))
    def wait(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    # --- the books --------------------------------------------------------------------------
    @invariant()
    def books_hold(self) -> None:
        books = self.run(read_books(self.shop.engine))
        books.check(self.limits)
        for promotion in self.promotions:
            assert books.counting[promotion] == self._taken(promotion)
            assert books.released[promotion] == sum(
                1 for (_, p), e in self.log.items() if p == promotion and not e.counts
            )


ParticipationMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
TestParticipation = pytest.mark.rule("PRO-7")(ParticipationMachine.TestCase)
