"""The loyalty context's share of ``shop``: ``shop points sweep`` (PTS-7), also a sweep of the
serve loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import click

from shop_adapters.cli.support import (
    ContextCommands,
    Sweep,
    bootstrapped,
    console,
    progress,
    settings_from_env,
)
from shop_adapters.runtime import Runtime
from shop_app.loyalty.commands import SweepExpiredPoints
from shop_app.loyalty.membership import ReevaluateLevels
from shop_app.loyalty.ports import SweepStep
from shop_app.loyalty.queries import PointsQueries

STEP = 2_000
"""Due lots a step of the sweep starts from (one transaction each)."""


async def expire_all(
    runtime: Runtime, step: int = STEP, moved: Callable[[int], object] | None = None
) -> int:
    """Run the sweep's steps until nothing is due; the lots expired."""
    total = 0
    while True:
        done: SweepStep = await runtime.bus.handle(SweepExpiredPoints(lots=step))
        if not done.accounts:
            return total
        total += done.lots
        if moved is not None:
            moved(done.lots)


@click.group("points")
def points() -> None:
    """Points accounts (PTS)."""


@points.command("sweep")
@click.option("--step", default=STEP, show_default=True, help="Due lots per transaction.")
def sweep(step: int) -> None:
    """Expire every lot that is due, one entry per lot, with a progress bar (PTS-7). Safe to
    run at any time, and again after being stopped: it resumes where it was."""

    async def run() -> None:
        runtime = await bootstrapped(settings_from_env())
        try:
            due = await runtime.get(PointsQueries).due_lots(runtime.clock.now())
            with progress() as bar:
                task = bar.add_task("expiring lots", total=due)
                expired = await expire_all(runtime, step, lambda n: bar.advance(task, n))
            console.print(f"expired {expired} lot(s)")
        finally:
            await runtime.close()

    asyncio.run(run())


async def reevaluate_all(runtime: Runtime) -> int:
    """Re-evaluate every member due today (MEM-3), in steps; the members evaluated."""
    total = 0
    while done := await runtime.bus.handle(ReevaluateLevels()):
        total += done
    return total


LOYALTY_COMMANDS = ContextCommands(
    "loyalty",
    commands=(points,),
    sweeps=(
        Sweep("expired {n} points lot(s)", expire_all),
        Sweep("re-evaluated {n} member(s)", reevaluate_all),
    ),
)
