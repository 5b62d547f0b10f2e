"""Promotions driven through random sequences of their lifecycle, purely through the domain,
with PRO-3's index deciding every scheduling.

Operators create promotions of drawn definitions (the kit's strategies, on the goods below),
schedule them — the index lists the clashes, and the aggregate refuses while there are any —
pause, resume and end them, and time passes. Checked after every step: no two promotions that
hold goods clash (every pair compared: the kit's ``check_promotion_conflicts``); the index
files exactly the promotions that hold goods; every status is the one the model says. A last
test plants a bug (an index that looks SKUs up under their own key only) and runs the machine's
own steps into it: its invariant names the clash.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)
from tests.unit.pricing.promotion_builders import (
    BRAND,
    OTHER_SHOP,
    PHONES,
    SHOP,
    FlatOff,
    OneOff,
    item,
)

from shop_domain.pricing.conflicts import HOLDING, ConflictIndex, Key
from shop_domain.pricing.errors import PromotionConflict, PromotionStateConflict
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.promotion import Promotion, PromotionDefinition, PromotionStatus
from shop_domain.pricing.terms import TargetKind, Targets, Window
from shop_testing.invariants.pricing import check_promotion_conflicts
from shop_testing.strategies.promotions import promotion_definitions

T0 = dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.UTC)
GOODS = [item(n, shop=SHOP if n % 2 else OTHER_SHOP) for n in range(1, 6)]
NAMES = [g.sku_id for g in GOODS] + [GOODS[0].spu_id, PHONES, BRAND, SHOP, OTHER_SHOP]
KINDS = st.sampled_from([FlatOff(), FlatOff(off=5), OneOff()])


class PromotionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.promotions: list[Promotion] = []
        self.index = self.new_index()
        self.expected: dict[uuid.UUID, PromotionStatus] = {}

    def new_index(self) -> ConflictIndex:
        return ConflictIndex()

    def pick(self, data: st.DataObject) -> Promotion:
        return data.draw(st.sampled_from(self.promotions), label="promotion")

    @rule(definition=promotion_definitions(KINDS, T0, ids_of=NAMES))
    def create(self, definition: PromotionDefinition) -> None:
        promotion = Promotion.create(
            id=uuid.UUID(int=len(self.promotions) + 1),
            definition=definition,
            created_by="op",
            now=self.now,
        )
        self.promotions.append(promotion)
        self.expected[promotion.id] = PromotionStatus.DRAFT

    @precondition(lambda self: self.promotions)
    @rule(data=st.data())
    def schedule(self, data: st.DataObject) -> None:
        self.schedule_one(self.pick(data))

    def schedule_one(self, promotion: Promotion) -> None:
        clashes = self.index.clashes(promotion, GOODS)
        try:
            promotion.schedule(self.now, clashes)
        except PromotionConflict:
            assert clashes
            return
        except PromotionStateConflict:
            return
        assert not clashes
        self.index.add(promotion)
        self.expected[promotion.id] = PromotionStatus.SCHEDULED

    @precondition(lambda self: self.promotions)
    @rule(data=st.data(), move=st.sampled_from(["pause", "resume", "end"]))
    def move(self, data: st.DataObject, move: str) -> None:
        promotion = self.pick(data)
        before = promotion.status_at(self.now)
        try:
            if move == "end":
                promotion.end(self.now, ended_by="op")
            else:
                getattr(promotion, move)(self.now)
        except PromotionStateConflict:
            assert promotion.status_at(self.now) is before
            return
        self.index.add(promotion)  # filed again, or taken out once ended
        self.expected[promotion.id] = {
            "pause": PromotionStatus.PAUSED,
            "resume": PromotionStatus.SCHEDULED,
            "end": PromotionStatus.ENDED,
        }[move]

    @rule(hours=st.integers(min_value=1, max_value=24 * 20))
    def time_passes(self, hours: int) -> None:
        self.now += dt.timedelta(hours=hours)

    @invariant()
    def no_two_holding_promotions_clash(self) -> None:
        check_promotion_conflicts(self.promotions, GOODS)

    @invariant()
    def the_index_files_what_holds_goods(self) -> None:
        assert len(self.index) == sum(p.status in HOLDING for p in self.promotions)

    @invariant()
    def statuses_are_the_models(self) -> None:
        for promotion in self.promotions:
            assert promotion.status is self.expected[promotion.id]


PromotionMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=30, deadline=None
)
TestPromotionMachine = PromotionMachine.TestCase
TestPromotionMachine = pytest.mark.rule("PRO-3")(pytest.mark.rule("PRO-2")(TestPromotionMachine))


class LooksUpSkusOnly(ConflictIndex):
    """A planted bug: an index that looks a SKU up under its own key only, so a promotion on
    its category, brand, shop or the platform is never found."""

    def keys_of(self, item: ItemFacts) -> Iterable[Key]:
        return [(TargetKind.SKU, item.sku_id)]


def test_the_machine_finds_an_index_that_misses_wider_targets() -> None:
    """The machine's own steps over the planted bug: a platform-wide item price, then one on a
    SKU in the same window. The index, looking up SKU keys only, lets the second through; the
    machine's invariant names the clash."""

    class Broken(PromotionMachine):
        def new_index(self) -> ConflictIndex:
            return LooksUpSkusOnly()

    machine = Broken()
    april = Window(T0, T0 + dt.timedelta(days=10))
    on_one_sku = Targets(TargetKind.SKU, frozenset({GOODS[0].sku_id}))
    machine.create(PromotionDefinition(name="everything", kind=OneOff(), window=april))
    machine.create(
        PromotionDefinition(name="one SKU", kind=OneOff(), window=april, targets=on_one_sku)
    )
    for promotion in machine.promotions:
        machine.schedule_one(promotion)
    machine.the_index_files_what_holds_goods()
    with pytest.raises(AssertionError, match="both hold SKU"):
        machine.no_two_holding_promotions_clash()
    healthy = PromotionMachine()  # the same steps on the real index: the second is refused
    healthy.create(PromotionDefinition(name="everything", kind=OneOff(), window=april))
    healthy.create(
        PromotionDefinition(name="one SKU", kind=OneOff(), window=april, targets=on_one_sku)
    )
    for promotion in healthy.promotions:
        healthy.schedule_one(promotion)
    healthy.no_two_holding_promotions_clash()
    assert [p.status for p in healthy.promotions] == [
        PromotionStatus.SCHEDULED,
        PromotionStatus.DRAFT,
    ]
