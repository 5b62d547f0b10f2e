"""The first runtime start in a process freezes the start-up heap, once; ``SHOP_GC_FREEZE=0``
leaves the collector alone (decision 0047). Each case runs in a fresh interpreter: freezing is
process-wide."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shop_adapters.settings import Settings

SRC = Path(__file__).resolve().parents[2] / "src"

SCRIPT = """
import asyncio, gc, sys
from shop_adapters.bootstrap import bootstrap
from shop_adapters.settings import Settings

async def main(freeze):
    counts = [gc.get_freeze_count()]
    for _ in range(2):
        runtime = bootstrap(Settings(database_url="memory://", sms="memory", gc_freeze=freeze))
        await runtime.start()
        await runtime.start()
        counts.append(gc.get_freeze_count())
        await runtime.close()
    print(*counts)

asyncio.run(main(sys.argv[1] == "1"))
"""


def _freeze_counts(freeze: bool) -> list[int]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, "1" if freeze else "0"],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    return [int(n) for n in done.stdout.split()]


def test_the_first_start_freezes_what_the_process_holds_and_later_starts_do_not() -> None:
    before, first, second = _freeze_counts(True)
    assert before == 0
    assert first > 50_000  # modules, classes, table maps: the start-up heap
    # a second runtime in the same process froze nothing more (what the first froze may die)
    assert second <= first


def test_switched_off_the_collector_is_left_alone() -> None:
    assert _freeze_counts(False) == [0, 0, 0]


@pytest.mark.parametrize(("value", "freeze"), [("0", False), ("no", False), ("1", True)])
def test_shop_gc_freeze_is_read_from_the_environment(value: str, freeze: bool) -> None:
    assert Settings.from_env({"SHOP_GC_FREEZE": value}).gc_freeze is freeze
    assert Settings.from_env({}).gc_freeze is True
