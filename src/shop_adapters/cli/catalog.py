"""The catalog's share of ``shop``: the sweep that applies due listing schedules (CAT-7)."""

from __future__ import annotations

from shop_adapters.cli.support import ContextCommands, Sweep
from shop_adapters.runtime import Runtime
from shop_app.catalog.commands import ApplyListingSchedules


async def apply_schedules(runtime: Runtime) -> int:
    """List and delist the products whose schedules have come due."""
    applied: int = await runtime.bus.handle(ApplyListingSchedules())
    return applied


CATALOG_COMMANDS = ContextCommands(
    "catalog", sweeps=(Sweep("applied {n} schedule(s)", apply_schedules),)
)
