"""``shop jobs …``: background jobs, long operations that run with progress."""

from __future__ import annotations

import asyncio
import uuid

import click

from shop_adapters.cli.serve import SWEEP_INTERVAL_SECONDS, every
from shop_adapters.cli.support import (
    bootstrapped,
    console,
    settings_from_env,
    started,
    stop_on_signals,
)
from shop_adapters.cli.sweep import run_sweeps
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.shared.system import worker_name
from shop_domain.shared.errors import DomainError


@click.group()
def jobs() -> None:
    """Background jobs: long operations that run with progress."""


@jobs.command("list")
@click.option("--kind", help="Only jobs of this kind.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True)
def jobs_list(kind: str | None, limit: int, offset: int) -> None:
    """List jobs, newest first."""
    asyncio.run(_jobs_list(settings_from_env(), kind, limit, offset))


async def _jobs_list(settings: Settings, kind: str | None, limit: int, offset: int) -> None:
    runtime = await bootstrapped(settings)
    try:
        found = await runtime.jobs.list(kind, limit, offset)
        total = await runtime.jobs.count(kind)
    finally:
        await runtime.close()
    # one tab-separated line per job: whole ids to copy, easy to cut or grep
    for job in found:
        progress = f"{job.done}/{job.total}" if job.total else str(job.done)
        fields = [
            str(job.id),
            job.kind,
            job.state.value,
            progress,
            job.created_by,
            job.updated_at.isoformat(timespec="seconds"),
            job.error or "",
        ]
        click.echo("\t".join(fields))
    console.print(f"{len(found)} of {total} job(s) (id, kind, state, progress, by, updated, error)")


@jobs.command("run")
@click.option("--once", is_flag=True, help="Run the jobs waiting now, then exit.")
@click.option(
    "--job",
    "job_id",
    type=click.UUID,
    help="Run this one job now, here (queued, or its worker's lease expired).",
)
def jobs_run(once: bool, job_id: uuid.UUID | None) -> None:
    """Run pending jobs of every registered kind in this process until stopped (Ctrl-C), and
    every context's sweeps each minute, as ``shop serve`` does (the order timeout among them).
    Several runners may work at once, in any number of processes."""
    asyncio.run(_jobs_run(settings_from_env(), once, job_id))


async def run_until_stopped(
    runtime: Runtime, stop: asyncio.Event, worker: str, sweep_every: float = SWEEP_INTERVAL_SECONDS
) -> int:
    """Run pending jobs, and every context's sweeps every ``sweep_every`` seconds as the serve
    loop does (a worker without the HTTP service still times orders out), until ``stop``; the
    jobs run."""
    sweeps = asyncio.create_task(every(sweep_every, stop, lambda: run_sweeps(runtime)))
    try:
        poll = runtime.settings.jobs_poll_interval_ms / 1000
        ran: int = await runtime.job_runner.run_pending(stop, worker, poll)
    finally:
        stop.set()
        await sweeps
    return ran


async def _jobs_run(settings: Settings, once: bool, job_id: uuid.UUID | None) -> None:
    runtime = await started(settings)
    runner = runtime.job_runner
    worker = worker_name()
    try:
        if job_id is not None:
            job = await runner.run_inline(job_id, worker)
            console.print(f"job {job.id} ({job.kind}) {job.state.value}")
            if job.error:
                console.print(f"  error: {job.error}")
            return
        if not runner.kinds:
            console.print("[yellow]no job handlers are registered; nothing will run[/]")
        if once:
            console.print(f"ran {await runner.run_until_idle(worker)} job(s)")
            return
        stop = asyncio.Event()
        stop_on_signals(stop)
        kinds = ", ".join(sorted(runner.kinds)) or "none"
        console.print(f"running jobs and sweeps as {worker} (kinds: {kinds}); Ctrl-C stops")
        ran = await run_until_stopped(runtime, stop, worker)
        console.print(f"ran {ran} job(s)")
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    finally:
        await runtime.close()
