"""``shop demo-data``: a small realistic catalog to try the service with."""

from __future__ import annotations

import asyncio

import click

from shop_adapters.cli.support import bootstrapped, console, settings_from_env
from shop_adapters.settings import Settings


@click.command("demo-data")
def demo_data() -> None:
    """Seed a small realistic catalog (does nothing if it is already there)."""
    asyncio.run(_demo(settings_from_env()))


async def _demo(settings: Settings) -> None:
    from shop_adapters.demo import seed_demo_catalog
    from shop_app.catalog.ports import CatalogQueries

    runtime = await bootstrapped(settings)
    try:
        result = await seed_demo_catalog(runtime.bus, runtime.get(CatalogQueries))
        if result["created"]:
            console.print(f"seeded the demo catalog: {len(result['products'])} products")
        else:
            console.print("the demo catalog is already there")
    finally:
        await runtime.close()
