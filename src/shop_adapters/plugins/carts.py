"""Carts and addresses as a plug-in (ORD-1, ADR 0041): a user's kept cart and guest carts by
token (``uow.carts``), merged at sign-in; a customer's addresses (``uow.address_books``); the
read ports the checkout uses (``CartQueries.checkout_lines``, ``AddressQueries.address_of``);
the routes under ``/me/cart``, ``/cart`` and ``/me/addresses``; the purge of expired guest
carts.

A cart reads other contexts through their application ports, glued here: prices and listing
through pricing's :class:`~shop_app.pricing.quoting.PricingCatalog`, availability through
fulfillment's :class:`~shop_app.fulfillment.ports.StockQueries`. Its limits are the quote's
(``MAX_QUANTITY``, ``MAX_LINES``), so every cart can be quoted."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence

from shop_adapters.plugin import ContextPlugin, RetainedTable, Wiring
from shop_adapters.sql.ordering.addresses import SqlAddressBookRepository, SqlAddressQueries
from shop_adapters.sql.ordering.carts import (
    GUEST_CARTS,
    SqlCartReads,
    SqlCartRepository,
    SqlGuestCartPurge,
)
from shop_app.fulfillment.ports import StockQueries
from shop_app.ordering.addresses import address_command_handlers
from shop_app.ordering.cart_ports import AddressQueries, CartGoods, CartQueries
from shop_app.ordering.carts import CartPolicy, CartViews, cart_command_handlers
from shop_app.pricing.quoting import MAX_LINES, MAX_QUANTITY, PricingCatalog
from shop_app.shared.messagebus import CommandHandler
from shop_domain.ordering.cart import CartLimits, SkuFacts


class CatalogCartGoods:
    """:class:`~shop_app.ordering.cart_ports.CartGoods` from pricing's catalog port and the
    stock's query port: two reads, whatever the number of lines."""

    def __init__(self, catalog: PricingCatalog, stock: StockQueries) -> None:
        self._catalog = catalog
        self._stock = stock

    async def facts_of(
        self, sku_ids: Sequence[uuid.UUID], now: dt.datetime
    ) -> Mapping[uuid.UUID, SkuFacts]:
        lines = await self._catalog.lines_of(sku_ids, now)
        if not lines:
            return {}
        available = await self._stock.available_of(list(lines))
        return {
            sku_id: SkuFacts(sku_id, line.unit_price, line.listed, available.get(sku_id, 0))
            for sku_id, line in lines.items()
        }


def _wire(wiring: Wiring) -> None:
    policy = CartPolicy(
        limits=CartLimits(max_quantity=MAX_QUANTITY, max_lines=MAX_LINES),
        guest_ttl=wiring.settings.retention_of(GUEST_CARTS),
    )
    wiring.add(CartPolicy, policy)
    wiring.add_lazy(
        CartGoods,
        lambda: CatalogCartGoods(wiring.resolve(PricingCatalog), wiring.resolve(StockQueries)),
    )
    wiring.add_lazy(
        CartQueries,
        lambda: CartViews(
            SqlCartReads(wiring.engine), wiring.resolve(CartGoods), wiring.clock, policy
        ),
    )
    wiring.add(AddressQueries, SqlAddressQueries(wiring.engine))


def _handlers(wiring: Wiring) -> Mapping[type, CommandHandler]:
    return {
        **cart_command_handlers(wiring.resolve(CartGoods), wiring.resolve(CartPolicy)),
        **address_command_handlers(),
    }


PLUGIN = ContextPlugin(
    name="carts",
    tables=("shop_adapters.sql.ordering.cart_tables",),
    retention=(
        RetainedTable(
            rule=GUEST_CARTS, purge=lambda wiring: SqlGuestCartPurge(wiring.engine).purge
        ),
    ),
    wire=_wire,
    handlers=_handlers,
    repositories={"carts": SqlCartRepository, "address_books": SqlAddressBookRepository},
    services=(CartQueries, AddressQueries, CartPolicy),
    http="shop_adapters.http.ordering:CART_CONTROLLERS",
)
