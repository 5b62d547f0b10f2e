"""``shop serve``: the HTTP service, with the job runner, the sweeps and the retention purge
running beside it (and, with the in-process bus, the outbox relay)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Awaitable, Callable

import attrs
import click

from shop_adapters.cli.support import console, log, safe_url, settings_from_env, started
from shop_adapters.cli.sweep import purge, run_sweeps
from shop_adapters.settings import Settings
from shop_adapters.shared.system import worker_name

SWEEP_INTERVAL_SECONDS = 60.0
SERVE_PURGE_BATCHES = 20
"""Purge transactions per table per minute in ``serve`` (a backlog goes over several minutes)."""


@click.command()
@click.option("--host", help="Interface to listen on (SHOP_HTTP_HOST, default 127.0.0.1).")
@click.option("--port", type=int, help="Port (SHOP_HTTP_PORT, default 8000).")
def serve(host: str | None, port: int | None) -> None:
    """Run the HTTP service, the job runner (and, with the in-process bus, the outbox relay)."""
    settings = settings_from_env()
    settings = attrs.evolve(
        settings, http_host=host or settings.http_host, http_port=port or settings.http_port
    )
    asyncio.run(_serve(settings))


async def every(interval: float, stop: asyncio.Event, job: Callable[[], Awaitable[object]]) -> None:
    """Run ``job`` every ``interval`` seconds until ``stop``; a failure is logged, not fatal."""
    while not stop.is_set():
        try:
            await job()
        except Exception:
            log.exception("periodic job failed; retrying in %.0f s", interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


async def _serve(settings: Settings) -> None:
    import uvicorn

    from shop_adapters.http import create_app
    from shop_adapters.shared.jwt_secret import with_jwt_secret

    try:
        settings, jwt_secret = with_jwt_secret(settings)
    except ValueError as exc:  # an open or malformed secret file
        raise click.ClickException(f"shop cannot start: {exc}") from exc
    runtime = await started(settings)
    app = create_app(runtime)  # the kernel's controllers and every context's
    # what the service holds from here on (the container, the live promotions) lives as long
    # as it does: kept out of the collector's full passes, which would otherwise walk ten
    # thousand promotions in the middle of a quote (ADR 0035)
    gc.collect()
    gc.freeze()
    base = f"http://{settings.http_host}:{settings.http_port}"
    console.print(f"[bold]shop[/bold] is serving on {base}  (database: {safe_url(settings)})")
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
        asyncio.create_task(every(SWEEP_INTERVAL_SECONDS, stop, lambda: run_sweeps(runtime))),
        asyncio.create_task(
            every(SWEEP_INTERVAL_SECONDS, stop, lambda: purge(runtime, SERVE_PURGE_BATCHES))
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
