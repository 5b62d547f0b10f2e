"""One member as a state machine against a plain model (MEM-1..4), and against members with a
bug planted in them, which the machine must catch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.property.machine_support import hunt, machine_test

from shop_domain.loyalty.membership import GrowthSource, LevelRules, Member
from shop_testing.machines.membership import MemberMachine

TestMemberMachine = machine_test(MemberMachine, "MEM-1", "MEM-2", "MEM-3", "MEM-4")


def over(member_type: type[Member]) -> type[MemberMachine]:
    """The machine over members of ``member_type``."""
    return type(f"Over{member_type.__name__}", (MemberMachine,), {"member_type": member_type})


# --- planted bugs -----------------------------------------------------------------------------


class GainsTakeTheLevelDown(Member):
    """Keeps the level in step with the window at every gain — down as well as up, though MEM-3
    leaves downgrades to the re-evaluation."""

    def earn(self, source: GrowthSource, ref: str, amount: int, **told: Any) -> int:
        moved = super().earn(source, ref, amount, **told)
        window = told["window_growth"] + moved
        reached = told["rules"].level_for(window).number
        if moved and reached < self.level:
            self._change_level(reached, window, told["now"])
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

    def earn(self, source: GrowthSource, ref: str, amount: int, **told: Any) -> int:
        return super().earn(source, ref, amount, **{**told, "window_growth": self.growth})


@pytest.mark.rule("MEM-3")
def test_the_machine_finds_a_gain_that_takes_the_level_down() -> None:
    with pytest.raises(AssertionError, match="the model"):
        hunt(over(GainsTakeTheLevelDown))


@pytest.mark.rule("MEM-3")
def test_the_machine_finds_a_re_evaluation_that_never_downgrades() -> None:
    with pytest.raises(AssertionError, match="re-evaluated to"):
        hunt(over(ReevaluatesOnlyUpwards))


@pytest.mark.rule("MEM-3")
def test_the_machine_finds_an_upgrade_read_off_growth_outside_the_window() -> None:
    with pytest.raises(AssertionError, match="the model"):
        hunt(over(UpgradesOnLifetimeGrowth))
