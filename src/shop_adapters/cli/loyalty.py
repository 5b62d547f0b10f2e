"""The loyalty context's share of ``shop``: ``shop points sweep`` (PTS-7), also a sweep of the
serve loop, and ``shop points programme show`` / ``set`` — the programme as a JSON file."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from shop_adapters.cli.support import (
    ContextCommands,
    Sweep,
    bootstrapped,
    console,
    progress,
    run_with_runtime,
    settings_from_env,
)
from shop_adapters.runtime import Runtime
from shop_app.loyalty.commands import SweepExpiredPoints
from shop_app.loyalty.membership import ReevaluateLevels
from shop_app.loyalty.ports import SweepStep
from shop_app.loyalty.programme import ChangeProgramme, CurrentProgramme
from shop_app.loyalty.queries import PointsQueries
from shop_app.shared.auth import Principal

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


@points.group("programme")
def programme() -> None:
    """The points programme in force, as operators set it (``PUT /loyalty/programme``)."""


async def _in_force(runtime: Runtime) -> dict[str, Any]:
    held = await runtime.get(CurrentProgramme).in_force()
    return {
        "revision": held.revision,
        "changed_at": held.changed_at.isoformat() if held.changed_at else None,
        "changed_by": held.changed_by,
        "reason": held.reason,
        "programme": held.document(),
    }


@programme.command("show")
def show() -> None:
    """Print the programme in force with its revision, as JSON (what ``set`` reads back)."""
    click.echo(json.dumps(run_with_runtime(_in_force), indent=2, ensure_ascii=False))


@programme.command("set")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", required=True, help="Why (kept with the revision).")
@click.option(
    "--revision",
    type=click.IntRange(min=0),
    default=None,
    help="The revision the file was made from (default: the file's own ``revision``).",
)
@click.option("--by", "actor", default="cli", show_default=True, help="Who changes it.")
def set_programme(file: Path, reason: str, revision: int | None, actor: str) -> None:
    """Put the programme FILE describes in force: the JSON ``show`` printed, edited (or its
    ``programme`` part alone, with ``--revision``). Refused if the programme changed since."""
    try:
        given = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as bad:
        raise click.ClickException(f"{file} is not a JSON file: {bad}") from None
    envelope = isinstance(given, dict) and "programme" in given
    document = given["programme"] if envelope else given
    if revision is None:
        revision = given.get("revision") if envelope else None
        if not isinstance(revision, int):
            raise click.UsageError("give --revision (the file does not say which it was made from)")

    async def job(runtime: Runtime) -> dict[str, Any]:
        change = ChangeProgramme(
            document=document, expected_revision=revision, reason=reason, actor=actor
        )
        operator = Principal(subject=actor, kind="operator", permissions=frozenset({"*"}))
        await runtime.bus.handle(change, actor=operator)
        return await _in_force(runtime)

    done = run_with_runtime(job)
    click.echo(f"the programme is at revision {done['revision']}")


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
