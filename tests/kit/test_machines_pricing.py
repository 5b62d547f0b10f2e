"""The kit's promotion machine (``shop_testing.machines.pricing``) over a ``memory://`` runtime:
as it ships, and against a runtime whose participation store lets a counter drift from the log,
which the participation books must catch."""

from __future__ import annotations

import datetime as dt
import uuid

import attrs
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from sqlalchemy import bindparam, update

from shop_adapters.contexts import CONTEXTS
from shop_adapters.plugins import pricing as pricing_plugin
from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.pricing.participation import SqlParticipationStore
from shop_adapters.sql.pricing.participation import promotion_participation_totals as totals
from shop_domain.pricing.participation import Participation
from shop_testing.invariants.base import InvariantBroken
from shop_testing.machines.pricing import PromotionMachine

TestPromotionMachine = PromotionMachine.TestCase
for _rule_id in ("PRO-2", "PRO-3", "PRO-7"):
    TestPromotionMachine = pytest.mark.rule(_rule_id)(TestPromotionMachine)


# --- a planted bug: a release that forgets the total counter ----------------------------------


_TAKE_BACK = Prepared(
    update(totals)
    .where(totals.c.promotion_id == bindparam("promotion_id"))
    .values(taken=totals.c.taken + 1)
)


class ForgetsTheTotal(SqlParticipationStore):
    """Releases the order's entries and gives each user's counter its place back, but not the
    total's: the total counter drifts above the log."""

    async def release_order(self, order_id: uuid.UUID, now: dt.datetime) -> list[Participation]:
        released = await super().release_order(order_id, now)
        for entry in released:  # take back what the release gave the total
            await self._link.execute(_TAKE_BACK, {"promotion_id": entry.promotion_id})
        return released


BROKEN = attrs.evolve(
    pricing_plugin.PLUGIN,
    repositories={
        **pricing_plugin.PLUGIN.repositories,
        "promotion_participations": ForgetsTheTotal,
    },
)


class MachineOnABrokenRuntime(PromotionMachine):
    contexts = tuple(BROKEN if p is pricing_plugin.PLUGIN else p for p in CONTEXTS)


@pytest.mark.rule("PRO-7")
def test_the_machine_catches_a_total_counter_that_drifts() -> None:
    with pytest.raises(InvariantBroken) as caught:
        run_state_machine_as_test(
            MachineOnABrokenRuntime,
            settings=settings(
                # found within a few dozen runs; the budget is for a draw that takes longer, as
                # derandomized draws change with the literals of every module loaded (hypothesis
                # mixes them in), so a new module anywhere can move the run that finds it
                max_examples=1000,
                stateful_step_count=25,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.generate],
                report_multiple_bugs=False,
                suppress_health_check=list(HealthCheck),
            ),
        )
    assert caught.value.check == "participation books"
    assert any("the total counter says" in f for f in caught.value.findings), str(caught.value)
