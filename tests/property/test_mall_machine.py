"""A points-mall item, its redemptions and its customers' points as a state machine against a
plain model (PTS-9, STK-2), and against aggregates with a bug planted in them, which the machine
must catch."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.property.machine_support import hunt, machine_test

from shop_domain.loyalty.errors import RedemptionStateConflict
from shop_domain.loyalty.mall import MallItem, MallStockLow, Redemption, RedemptionState
from shop_testing.machines.mall import MallMachine

TestMallMachine = machine_test(MallMachine, "PTS-9", "STK-2")


# --- planted bugs -----------------------------------------------------------------------------


class CancelsAgain(Redemption):
    """Refuses to cancel only what has shipped: a cancelled redemption is cancelled again, and
    its stock given back twice."""

    def cancel(self, now: dt.datetime) -> None:
        if self.state in (RedemptionState.SHIPPED, RedemptionState.COMPLETED):
            raise RedemptionStateConflict(f"a {self.state} redemption cannot be cancelled")
        self.state = RedemptionState.CANCELLED
        self._changed(now)


class WarnsAtEveryLowRedemption(MallItem):
    """Warns at every redemption that leaves the stock at its level or below, not only at the
    one that takes it there (STK-2)."""

    def redeem(self, quantity: int, now: dt.datetime) -> None:
        was = self.stock
        super().redeem(quantity, now)
        if was <= self.low_stock:
            warning = MallStockLow(
                occurred_at=now, item_id=self.id, stock=self.stock, low_stock=self.low_stock
            )
            self.record(warning)


class MachineCancellingAgain(MallMachine):
    redemption_type = CancelsAgain


class MachineWarningTooOften(MallMachine):
    item_type = WarnsAtEveryLowRedemption


@pytest.mark.rule("PTS-9")
def test_the_machine_finds_a_cancellation_that_gives_the_stock_back_twice() -> None:
    with pytest.raises(AssertionError, match=r"the model expected 'points\.redemption_state'"):
        hunt(MachineCancellingAgain)


@pytest.mark.rule("STK-2")
def test_the_machine_finds_a_low_stock_warning_at_every_redemption() -> None:
    with pytest.raises(AssertionError, match="low-stock events"):
        hunt(MachineWarningTooOften)
