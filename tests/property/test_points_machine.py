"""The points account as a state machine against a plain model (PTS-2..8), and against an
account with a bug planted in it, which the machine must catch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.lots import Lot
from shop_testing.machines.points import PointsAccountMachine

PointsAccountMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None
)
TestPointsAccountMachine = PointsAccountMachine.TestCase
for _rule_id in ("PTS-2", "PTS-3", "PTS-5", "PTS-6", "PTS-7", "PTS-8"):
    TestPointsAccountMachine = pytest.mark.rule(_rule_id)(TestPointsAccountMachine)


# --- a planted bug ----------------------------------------------------------------------------


class SpendsLatestFirst(PointsAccount):
    """An account that forgets PTS-3: it spends the lots that expire last first."""

    def _open_lots(self, now: dt.datetime) -> Iterator[Lot]:
        return reversed(list(super()._open_lots(now)))


class MachineWithAPlantedBug(PointsAccountMachine):
    account_type = SpendsLatestFirst


@pytest.mark.rule("PTS-3")
def test_the_machine_finds_an_account_that_spends_the_latest_expiring_lots_first() -> None:
    with pytest.raises(AssertionError, match=r"holds \d+; the model"):
        run_state_machine_as_test(
            MachineWithAPlantedBug,
            settings=settings(
                max_examples=300,
                stateful_step_count=30,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.generate],
            ),
        )
