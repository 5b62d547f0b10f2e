"""One member as a state machine against a plain model (MEM-2..4), and against members with a
bug planted in them, which the machine must catch."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from shop_domain.loyalty.membership import GrowthSource, LevelRules, Member
from shop_testing.machines.membership import MemberMachine

MemberMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestMemberMachine = MemberMachine.TestCase
for _rule_id in ("MEM-1", "MEM-2", "MEM-3", "MEM-4"):
    TestMemberMachine = pytest.mark.rule(_rule_id)(TestMemberMachine)

HUNT = settings(
    max_examples=300,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.generate],
)


def hunt(member_type: type[Member]) -> None:
    machine = type(f"MachineOver{member_type.__name__}", (MemberMachine,), {})
    machine.member_type = member_type
    run_state_machine_as_test(machine, settings=HUNT)


# --- planted bugs -----------------------------------------------------------------------------


class GainsReevaluate(Member):
    """Keeps the level in step with the window at every gain — down as well as up, though MEM-3
    leaves downgrades to the re-evaluation."""

    def earn(
        self,
        source: GrowthSource,
        ref: str,
        amount: int,
        *,
        window_growth: int,
        rules: LevelRules,
        now: dt.datetime,
    ) -> int:
        moved = super().earn(source, ref, amount, window_growth=window_growth, rules=rules, now=now)
        if moved:
            self.reevaluate(window_growth + moved, rules, now)
        return moved


class ReevaluatesOnlyUpwards(Member):
    """A re-evaluation that never takes a lapsed member down (MEM-3)."""

    def reevaluate(self, window_growth: int, rules: LevelRules, now: dt.datetime) -> int:
        if rules.level_for(window_growth).number > self.level:
            return super().reevaluate(window_growth, rules, now)
        self.evaluated_at = now
        return self.level


class UpgradesOnLifetimeGrowth(Member):
    """Upgrades on all the growth the member ever earned, not on the window's (MEM-3)."""

    def earn(
        self,
        source: GrowthSource,
        ref: str,
        amount: int,
        *,
        window_growth: int,
        rules: LevelRules,
        now: dt.datetime,
    ) -> int:
        return super().earn(source, ref, amount, window_growth=self.growth, rules=rules, now=now)


@pytest.mark.rule("MEM-3")
def test_the_machine_finds_a_gain_that_takes_the_level_down() -> None:
    with pytest.raises(AssertionError, match="the model"):
        hunt(GainsReevaluate)


@pytest.mark.rule("MEM-3")
def test_the_machine_finds_a_re_evaluation_that_never_downgrades() -> None:
    with pytest.raises(AssertionError, match="re-evaluated to"):
        hunt(ReevaluatesOnlyUpwards)


@pytest.mark.rule("MEM-3")
def test_the_machine_finds_an_upgrade_read_off_growth_outside_the_window() -> None:
    with pytest.raises(AssertionError, match="the model"):
        hunt(UpgradesOnLifetimeGrowth)
