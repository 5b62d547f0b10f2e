"""What the context command groups (``shop coupons``, ``shop giftcards``) share: running a
piece of work against a bootstrapped runtime, and running a job here with a progress bar."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from shop_adapters.runtime import Runtime
from shop_adapters.shared.system import worker_name
from shop_app.shared.jobs import JobState, JobView
from shop_domain.shared.errors import DomainError

T = TypeVar("T")


def run_with_runtime(job: Callable[[Runtime], Awaitable[T]]) -> T:
    """Bootstrap from the environment and start (the gift-card keys checked), run ``job``,
    close; domain errors become CLI errors."""
    from shop_adapters.cli import _settings, started

    async def main() -> T:
        runtime = await started(_settings())
        try:
            return await job(runtime)
        except DomainError as exc:
            raise click.ClickException(f"{exc.code}: {exc.message}") from exc
        finally:
            await runtime.close()

    return asyncio.run(main())


def progress() -> Progress:
    from shop_adapters.cli import console

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


async def run_job_with_bar(runtime: Runtime, job_id: uuid.UUID, label: str, total: int) -> JobView:
    """Run the job here (not in a worker), showing its progress."""
    with progress() as bar:
        task = bar.add_task(label, total=total)

        def moved(done: int, new_total: int | None) -> None:
            bar.update(task, completed=done, total=new_total or total)

        return await runtime.job_runner.run_inline(job_id, worker_name(), moved)


def report_job(job: JobView) -> None:
    from shop_adapters.cli import console

    if job.state is not JobState.SUCCEEDED:
        raise click.ClickException(f"job {job.id} {job.state.value}: {job.error}")
    console.print(f"job {job.id} succeeded: {dict(job.result or {})}")
