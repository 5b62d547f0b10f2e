"""What the tests of the kit's aggregate machines share: a run on every test run, and a hunt
for a planted bug, repeatable (derandomized, no example database, no shrinking) and with room to
spare: each planted bug is found within about a hundred runs, but derandomized draws change with
the literals of every module loaded (hypothesis mixes them in), so a new module anywhere can
move the run that finds it."""

from __future__ import annotations

import pytest
from hypothesis import Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

HUNT = settings(
    max_examples=1000,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.generate],
)


def machine_test(machine: type[RuleBasedStateMachine], *rule_ids: str) -> type:
    """``machine``'s test case at settings modest enough for CI, marked with the rules it
    checks."""
    machine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
    test: type = machine.TestCase
    for rule_id in rule_ids:
        test = pytest.mark.rule(rule_id)(test)
    return test


def hunt(machine: type[RuleBasedStateMachine]) -> None:
    """Run ``machine`` until it fails (it must: a bug is planted in it)."""
    run_state_machine_as_test(machine, settings=HUNT)
