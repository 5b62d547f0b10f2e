"""The ``shop`` command line: serve, migrate, relay, jobs, tokens, demo data, sweeps."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable

import attrs
import click
from rich.console import Console

from shop_adapters.bootstrap import bootstrap
from shop_adapters.runtime import Runtime
from shop_adapters.settings import MEMORY_URL, Settings
from shop_adapters.shared.system import worker_name
from shop_adapters.sql import engine as sql_engine
from shop_adapters.sql.errors import TranslatingPool
from shop_domain.shared.errors import DomainError

console = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("shop")

SWEEP_INTERVAL_SECONDS = 60.0
SERVE_PURGE_BATCHES = 20
"""Purge transactions per table per minute in ``serve`` (a backlog goes over several minutes)."""


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except DomainError as exc:
        raise click.UsageError(exc.message) from exc


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(sig, stop.set)


async def _migrate_if_wanted(settings: Settings) -> None:
    if settings.migrate_on_start and settings.database_url != MEMORY_URL:
        await sql_engine.upgrade_async(settings.database_url)


async def started(settings: Settings) -> Runtime:
    """Migrate (if wanted), bootstrap and run the start step (the gift-card keys checked against
    the database); a refusal is a clean command error naming what to do."""
    await _migrate_if_wanted(settings)
    runtime = bootstrap(settings)
    try:
        await runtime.start()
    except (DomainError, ValueError) as exc:  # ValueError: an open or malformed key file
        await runtime.close()
        message = f"{exc.code}: {exc.message}" if isinstance(exc, DomainError) else str(exc)
        raise click.ClickException(f"shop cannot start: {message}") from exc
    return runtime


async def _every(
    interval: float, stop: asyncio.Event, job: Callable[[], Awaitable[object]]
) -> None:
    while not stop.is_set():
        try:
            await job()
        except Exception:
            log.exception("periodic job failed; retrying in %.0f s", interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


async def _sweep_schedules(runtime: Runtime) -> int:
    from shop_app.catalog.commands import ApplyListingSchedules

    applied: int = await runtime.bus.handle(ApplyListingSchedules())
    return applied


async def _sweep(runtime: Runtime) -> tuple[int, int]:
    """The periodic housekeeping: listing schedules (CAT-7) and coupon expiry (CPN-12)."""
    from shop_adapters.cli_coupons import expire_all

    return await _sweep_schedules(runtime), await expire_all(runtime)


async def _purge(runtime: Runtime, max_batches: int | None = None) -> dict[str, int]:
    """Retention (ADR 0020): delete what the bookkeeping tables no longer need."""
    if runtime.retention is None:
        return {}
    purged = await runtime.retention.purge(max_batches=max_batches)
    return {table.value: count for table, count in purged.items()}


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def main(verbose: bool) -> None:
    """shop: an embeddable e-commerce core, and its back-office HTTP service."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    if not verbose:
        # alembic's progress, and the pool's life (SQLAlchemy names a pool subclass's logger
        # after its module, so ours is not under `sqlalchemy`, which stays at WARNING)
        for chatty in ("alembic", f"{TranslatingPool.__module__}.{TranslatingPool.__name__}"):
            logging.getLogger(chatty).setLevel(logging.WARNING)


@main.command()
@click.option("--host", help="Interface to listen on (SHOP_HTTP_HOST, default 127.0.0.1).")
@click.option("--port", type=int, help="Port (SHOP_HTTP_PORT, default 8000).")
def serve(host: str | None, port: int | None) -> None:
    """Run the HTTP service, the job runner (and, with the in-process bus, the outbox relay)."""
    settings = _settings()
    settings = attrs.evolve(
        settings, http_host=host or settings.http_host, http_port=port or settings.http_port
    )
    asyncio.run(_serve(settings))


async def _serve(settings: Settings) -> None:
    import uvicorn

    from shop_adapters.http import create_app
    from shop_adapters.http.catalog import CATALOG_CONTROLLERS
    from shop_adapters.http.coupons import COUPON_CONTROLLERS
    from shop_adapters.http.giftcards import GIFTCARD_CONTROLLERS
    from shop_adapters.shared.jwt_secret import with_jwt_secret

    try:
        settings, jwt_secret = with_jwt_secret(settings)
    except ValueError as exc:  # an open or malformed secret file
        raise click.ClickException(f"shop cannot start: {exc}") from exc
    runtime = await started(settings)
    app = create_app(runtime, [*CATALOG_CONTROLLERS, *COUPON_CONTROLLERS, *GIFTCARD_CONTROLLERS])
    base = f"http://{settings.http_host}:{settings.http_port}"
    console.print(f"[bold]shop[/bold] is serving on {base}  (database: {_safe(settings)})")
    console.print(f"  API docs:  {base}/schema   (OpenAPI: {base}/schema/openapi.json)")
    console.print(f"  health:    {base}/health/ready")
    console.print(
        "  a token:   .venv/bin/shop token alice --operator --perm '*'   "
        "then send 'Authorization: Bearer <token>'"
    )
    console.print(f"  JWT secret: {jwt_secret.source}")
    server = uvicorn.Server(
        uvicorn.Config(app, host=settings.http_host, port=settings.http_port, log_level="info")
    )
    stop = asyncio.Event()
    background = [
        asyncio.create_task(_every(SWEEP_INTERVAL_SECONDS, stop, lambda: _sweep(runtime))),
        asyncio.create_task(
            _every(SWEEP_INTERVAL_SECONDS, stop, lambda: _purge(runtime, SERVE_PURGE_BATCHES))
        ),
        asyncio.create_task(
            runtime.job_runner.run_pending(
                stop, worker_name(), settings.jobs_poll_interval_ms / 1000
            )
        ),
    ]
    if settings.broker == "memory" and runtime.relay is not None:
        background.append(
            asyncio.create_task(runtime.relay.run(stop, settings.relay_interval_ms / 1000))
        )
    try:
        await server.serve()
    finally:
        stop.set()
        await asyncio.gather(*background, return_exceptions=True)
        await runtime.close()


def _safe(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    if settings.database_url == MEMORY_URL:
        return MEMORY_URL
    return make_url(settings.database_url).render_as_string(hide_password=True)


@main.group()
def db() -> None:
    """Database schema (Alembic migrations are the only way it changes)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database at SHOP_DATABASE_URL to REVISION (default: head)."""
    settings = _settings()
    if settings.database_url == MEMORY_URL:
        console.print("memory:// needs no migration")
        return
    sql_engine.upgrade(settings.database_url, revision)
    console.print(f"database at {_safe(settings)} is at {revision}")


@db.command("check")
def db_check() -> None:
    """Fail if the models and the migrations differ (``alembic check``)."""
    sql_engine.check(_settings().database_url)
    console.print("no drift between the models and the migrations")


@main.command()
@click.option("--once", is_flag=True, help="Publish one batch and exit.")
def relay(once: bool) -> None:
    """Publish outbox rows to the broker (SHOP_BROKER). Several relays may run at once."""
    settings = _settings()
    asyncio.run(_relay(settings, once))


async def _relay(settings: Settings, once: bool) -> None:
    runtime = await started(settings)
    assert runtime.relay is not None
    try:
        if once:
            sent = await runtime.relay.run_once()
            console.print(f"published {sent} message(s)")
            return
        stop = asyncio.Event()
        _stop_on_signals(stop)
        console.print(f"relaying the outbox to {settings.broker}; Ctrl-C stops")
        await runtime.relay.run(stop, settings.relay_interval_ms / 1000)
    finally:
        await runtime.close()


@main.group()
def jobs() -> None:
    """Background jobs: long operations that run with progress."""


@jobs.command("list")
@click.option("--kind", help="Only jobs of this kind.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True)
def jobs_list(kind: str | None, limit: int, offset: int) -> None:
    """List jobs, newest first."""
    asyncio.run(_jobs_list(_settings(), kind, limit, offset))


async def _jobs_list(settings: Settings, kind: str | None, limit: int, offset: int) -> None:
    await _migrate_if_wanted(settings)
    runtime = bootstrap(settings)
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
    """Run pending jobs of every registered kind in this process until stopped (Ctrl-C).
    Several runners may work at once, in any number of processes."""
    asyncio.run(_jobs_run(_settings(), once, job_id))


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
        _stop_on_signals(stop)
        kinds = ", ".join(sorted(runner.kinds)) or "none"
        console.print(f"running jobs as {worker} (kinds: {kinds}); Ctrl-C stops")
        ran = await runner.run_pending(stop, worker, settings.jobs_poll_interval_ms / 1000)
        console.print(f"ran {ran} job(s)")
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    finally:
        await runtime.close()


@main.command()
@click.argument("subject")
@click.option("--operator", "kind", flag_value="operator", help="An operator (back office).")
@click.option("--customer", "kind", flag_value="customer", default=True, help="A customer.")
@click.option("--perm", "permissions", multiple=True, help="A permission; repeat; '*' = all.")
@click.option("--ttl", type=int, help="Lifetime in seconds (SHOP_JWT_TTL_SECONDS).")
def token(subject: str, kind: str, permissions: tuple[str, ...], ttl: int | None) -> None:
    """Print a JWT for SUBJECT, signed with the secret ``shop serve`` checks tokens with
    (SHOP_JWT_SECRET, else the file SHOP_JWT_SECRET_FILE, made on first use)."""
    from shop_adapters.http.auth import mint_token

    settings = _settings()
    if kind == "customer" and permissions:
        raise click.UsageError("customers hold no permissions; use --operator")
    try:
        signed = mint_token(settings, subject, kind, permissions, ttl)  # type: ignore[arg-type]
    except ValueError as exc:  # an open or malformed secret file
        raise click.ClickException(str(exc)) from exc
    click.echo(signed)


@main.command("demo-data")
def demo_data() -> None:
    """Seed a small realistic catalog (does nothing if it is already there)."""
    asyncio.run(_demo(_settings()))


async def _demo(settings: Settings) -> None:
    from shop_adapters.demo import seed_demo_catalog

    await _migrate_if_wanted(settings)
    runtime = bootstrap(settings)
    try:
        assert runtime.catalog is not None
        result = await seed_demo_catalog(runtime.bus, runtime.catalog)
        if result["created"]:
            console.print(f"seeded the demo catalog: {len(result['products'])} products")
        else:
            console.print("the demo catalog is already there")
    finally:
        await runtime.close()


@main.command("sweep")
def sweep() -> None:
    """Apply due listing schedules, write down coupon expiries and purge what retention let
    go, now (``serve`` does all three every minute)."""

    async def run() -> None:
        settings = _settings()
        await _migrate_if_wanted(settings)
        runtime = bootstrap(settings)
        try:
            schedules, expired = await _sweep(runtime)
            console.print(f"applied {schedules} schedule(s), expired {expired} coupon(s)")
            purged = await _purge(runtime)
            console.print(
                "purged " + ", ".join(f"{n} {table}" for table, n in purged.items()) + " row(s)"
            )
        finally:
            await runtime.close()

    asyncio.run(run())


def _add_context_commands() -> None:
    from shop_adapters.cli_coupons import coupons
    from shop_adapters.cli_giftcards import giftcards
    from shop_adapters.messaging.cli import events

    main.add_command(coupons)
    main.add_command(giftcards)
    main.add_command(events)


_add_context_commands()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
