"""What the ``shop`` commands share: settings from the environment, a started runtime, a piece of
work run against it, progress bars for jobs run here, and the shape of a context's share of the
command line (:class:`ContextCommands`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import attrs
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from shop_adapters.bootstrap import bootstrap
from shop_adapters.contexts import CONTEXTS
from shop_adapters.runtime import Runtime
from shop_adapters.settings import MEMORY_URL, Settings
from shop_adapters.shared.system import worker_name
from shop_adapters.sql import engine as sql_engine
from shop_app.shared.jobs import JobState, JobView
from shop_domain.shared.errors import DomainError

T = TypeVar("T")

console = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("shop")


# --- what a context brings to the command line ------------------------------------------------


@attrs.frozen
class Sweep:
    """Periodic housekeeping of a context: ``run`` does what is due and says how many things
    it did; ``report`` words that count (``"expired {n} coupon(s)"``)."""

    report: str
    run: Callable[[Runtime], Awaitable[int]]


@attrs.frozen
class ContextCommands:
    """A context's share of ``shop``: its commands (usually one group, ``shop coupons``) and its
    sweeps, which ``shop sweep`` runs now and ``shop serve`` every minute."""

    name: str
    commands: tuple[click.Command, ...] = ()
    sweeps: tuple[Sweep, ...] = ()


# --- settings and a started runtime -----------------------------------------------------------


def settings_from_env() -> Settings:
    """The settings, each context's section and retention read too, or a usage error naming the
    variable that is wrong."""
    try:
        settings = Settings.from_env()
        for context in CONTEXTS:
            context.read_settings(settings)
    except DomainError as exc:
        raise click.UsageError(exc.message) from exc
    return settings


def safe_url(settings: Settings) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    if settings.database_url == MEMORY_URL:
        return MEMORY_URL
    return make_url(settings.database_url).render_as_string(hide_password=True)


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(sig, stop.set)


async def migrate_if_wanted(settings: Settings) -> None:
    if settings.migrate_on_start and settings.database_url != MEMORY_URL:
        await sql_engine.upgrade_async(settings.database_url)


async def bootstrapped(settings: Settings) -> Runtime:
    """Migrate (if wanted) and bootstrap, without the start step: for commands that only read
    or sweep."""
    await migrate_if_wanted(settings)
    return bootstrap(settings)


async def started(settings: Settings) -> Runtime:
    """Migrate (if wanted), bootstrap and run the start step (the gift-card keys checked against
    the database); a refusal is a clean command error naming what to do."""
    runtime = await bootstrapped(settings)
    try:
        await runtime.start()
    except (DomainError, ValueError) as exc:  # ValueError: an open or malformed key file
        await runtime.close()
        message = f"{exc.code}: {exc.message}" if isinstance(exc, DomainError) else str(exc)
        raise click.ClickException(f"shop cannot start: {message}") from exc
    return runtime


def run_with_runtime(job: Callable[[Runtime], Awaitable[T]]) -> T:
    """Bootstrap from the environment and start (the gift-card keys checked), run ``job``,
    close; domain errors become CLI errors."""

    async def main() -> T:
        runtime = await started(settings_from_env())
        try:
            return await job(runtime)
        except DomainError as exc:
            raise click.ClickException(f"{exc.code}: {exc.message}") from exc
        finally:
            await runtime.close()

    return asyncio.run(main())


# --- jobs run here ----------------------------------------------------------------------------


def progress() -> Progress:
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
    if job.state is not JobState.SUCCEEDED:
        raise click.ClickException(f"job {job.id} {job.state.value}: {job.error}")
    console.print(f"job {job.id} succeeded: {dict(job.result or {})}")
