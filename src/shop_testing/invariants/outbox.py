"""An event for every recorded change, and only events a consumer can read (ADR 0024).

The unit of work writes the integration event of each committed domain event to the outbox in
the same transaction as the change. So whatever the tables record — a template created, a coupon
claimed, a product added — has its event in the outbox, and every outbox row is an integration
event of a registered (type, version) whose payload decodes with its contract.

A *source* lists the changes one context's tables record, as
:class:`~shop_testing.invariants.base.Recorded` items: ``async (shop) -> list[Recorded]``.
:func:`check_outbox` finds one outbox row for each of them, as a multiset: two recorded uses of a
coupon need two ``coupons.coupon_used`` rows of it. Rows with no recorded change are fine (not
every event leaves a trace in the tables), as long as they decode.

The outbox is read with SQL through ``shop.engine`` (no port reads it). A runtime whose relay
published rows keeps them (``sent_at`` set) until the retention purge deletes them; check before
purging.
"""

from __future__ import annotations

import collections
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import select

from shop_adapters.messaging.contract import UndecodablePayload, decode_payload
from shop_adapters.sql.messaging_tables import outbox
from shop_app.shared.integration import REGISTRY, IntegrationRegistry, load_contexts
from shop_testing.harness import MemoryShop
from shop_testing.invariants.base import Findings, Recorded
from shop_testing.invariants.catalog import catalog_changes
from shop_testing.invariants.coupons import coupon_changes
from shop_testing.invariants.giftcards import giftcard_changes
from shop_testing.invariants.pricing import pricing_changes

_LOADED: weakref.WeakSet[IntegrationRegistry] = weakref.WeakSet()
"""Registries our contexts' events were loaded into (finding them lists the packages)."""

Source = Callable[[MemoryShop], Awaitable[list[Recorded]]]
"""What one context's tables record, each change with the event it must have in the outbox."""


OUTBOX_SOURCES: tuple[Source, ...] = (
    catalog_changes,
    coupon_changes,
    giftcard_changes,
    pricing_changes,
)
"""The sources of our contexts, for :func:`check_outbox`; add yours beside them
(``(*OUTBOX_SOURCES, mine)``)."""


async def check_outbox(
    shop: MemoryShop,
    sources: Sequence[Source] = OUTBOX_SOURCES,
    *,
    registry: IntegrationRegistry = REGISTRY,
) -> None:
    """Raise :class:`~shop_testing.invariants.base.InvariantBroken` unless every change the
    ``sources`` list has its outbox row (same aggregate id and event type, one row per change),
    and every outbox row is an integration event of a (type, version) in ``registry`` whose
    payload decodes with that event's contract (``decode_payload``)."""
    found = Findings("outbox")
    if registry not in _LOADED:  # our contexts' events; an embedder's register when imported
        load_contexts(registry)
        _LOADED.add(registry)
    async with shop.engine.connect() as connection:
        rows = (await connection.execute(select(outbox).order_by(outbox.c.position))).all()
    unclaimed: collections.Counter[tuple[str, str]] = collections.Counter()
    for row in rows:
        _check_row(found, registry, row)
        unclaimed[(row.aggregate_id, row.type)] += 1
    for source in sources:
        for change in await source(shop):
            key = (change.aggregate_id, change.event_type)
            if unclaimed[key] > 0:
                unclaimed[key] -= 1
                continue
            found.add(
                f"no {change.event_type} event in the outbox for {change.aggregate_type} "
                f"{change.aggregate_id} ({change.what})"
            )
    found.raise_if_any()


def _check_row(found: Findings, registry: IntegrationRegistry, row: Any) -> None:
    where = f"outbox row {row.position} ({row.aggregate_type} {row.aggregate_id})"
    event_class = registry.get(row.type, row.version)
    if event_class is None:
        found.add(f"{where} is of an unknown event type {row.type!r} v{row.version}")
        return
    if not isinstance(row.payload, dict):
        found.add(f"{where}: the payload of {row.type} v{row.version} is not an object")
        return
    try:
        decode_payload(event_class, row.payload)
    except UndecodablePayload as bad:
        found.add(f"{where}: the payload does not decode: {bad}")


__all__ = ["OUTBOX_SOURCES", "Source", "catalog_changes", "check_outbox"]
