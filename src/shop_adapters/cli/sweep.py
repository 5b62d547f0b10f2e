"""``shop sweep``: the housekeeping that ``shop serve`` does every minute, now — each context's
sweeps (due listing schedules, coupon expiries…) and the retention purge (ADR 0020)."""

from __future__ import annotations

import asyncio

import click

from shop_adapters.cli.contexts import all_sweeps
from shop_adapters.cli.support import bootstrapped, console, settings_from_env
from shop_adapters.runtime import Runtime


async def run_sweeps(runtime: Runtime) -> list[str]:
    """Run every context's sweeps, one after the other; what each did, in words."""
    return [sweep.report.format(n=await sweep.run(runtime)) for sweep in all_sweeps()]


async def purge(runtime: Runtime, max_batches: int | None = None) -> dict[str, int]:
    """Retention (ADR 0020): delete what the bookkeeping tables — the kernel's and the
    contexts' — no longer need; the rows deleted per table."""
    if runtime.retention is None:
        return {}
    return await runtime.retention.purge(max_batches=max_batches)


@click.command("sweep")
def sweep() -> None:
    """Apply due listing schedules, write down coupon expiries and purge what retention let
    go, now (``serve`` does all three every minute)."""

    async def run() -> None:
        runtime = await bootstrapped(settings_from_env())
        try:
            console.print(", ".join(await run_sweeps(runtime)))
            purged = await purge(runtime)
            console.print(
                "purged " + ", ".join(f"{n} {table}" for table, n in purged.items()) + " row(s)"
            )
        finally:
            await runtime.close()

    asyncio.run(run())
