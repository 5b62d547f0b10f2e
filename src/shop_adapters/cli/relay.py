"""``shop relay``: publish the outbox to the broker."""

from __future__ import annotations

import asyncio

import click

from shop_adapters.cli.support import console, settings_from_env, started, stop_on_signals
from shop_adapters.settings import Settings


@click.command()
@click.option("--once", is_flag=True, help="Publish one batch and exit.")
def relay(once: bool) -> None:
    """Publish outbox rows to the broker (SHOP_BROKER). Several relays may run at once."""
    asyncio.run(_relay(settings_from_env(), once))


async def _relay(settings: Settings, once: bool) -> None:
    runtime = await started(settings)
    assert runtime.relay is not None
    try:
        if once:
            sent = await runtime.relay.run_once()
            console.print(f"published {sent} message(s)")
            return
        stop = asyncio.Event()
        stop_on_signals(stop)
        console.print(f"relaying the outbox to {settings.broker}; Ctrl-C stops")
        await runtime.relay.run(stop, settings.relay_interval_ms / 1000)
    finally:
        await runtime.close()
