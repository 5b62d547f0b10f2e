"""Fulfillment as a plug-in: warehouses and stock per SKU per warehouse (STK-1, STK-2),
reserved by orders, released, consumed at shipment, adjusted by operators; and freight (SHP-1):
the shops' item templates and rules, and the quote the checkout asks for (``FreightQuotes``)."""

from __future__ import annotations

from collections.abc import Mapping

from shop_adapters.plugin import ContextPlugin, Wiring
from shop_adapters.sql.fulfillment.freight import (
    SqlFreightReads,
    SqlFreightTemplateRepository,
    SqlShopFreightRuleRepository,
)
from shop_adapters.sql.fulfillment.queries import SqlStockQueries
from shop_adapters.sql.fulfillment.repositories import SqlStockRepository, SqlWarehouseRepository
from shop_app.fulfillment.freight import FreightQuotes, freight_command_handlers
from shop_app.fulfillment.ports import FreightQueries, StockQueries
from shop_app.fulfillment.stock import stock_command_handlers
from shop_app.shared.messagebus import CommandHandler


def _wire(wiring: Wiring) -> None:
    wiring.add(StockQueries, SqlStockQueries(wiring.engine))
    freight = SqlFreightReads(wiring.engine)
    wiring.add(FreightQueries, freight)
    wiring.add(FreightQuotes, freight)


def _handlers(_wiring: Wiring) -> Mapping[type, CommandHandler]:
    return {**stock_command_handlers(), **freight_command_handlers()}


PLUGIN = ContextPlugin(
    name="fulfillment",
    tables=("shop_adapters.sql.fulfillment.tables", "shop_adapters.sql.fulfillment.freight_tables"),
    wire=_wire,
    handlers=_handlers,
    repositories={
        "warehouses": SqlWarehouseRepository,
        "stock": SqlStockRepository,
        "freight_templates": SqlFreightTemplateRepository,
        "freight_rules": SqlShopFreightRuleRepository,
    },
    http="shop_adapters.http.fulfillment:FULFILLMENT_CONTROLLERS",
    cli="shop_adapters.cli.fulfillment:FULFILLMENT_COMMANDS",
    services=(StockQueries, FreightQueries, FreightQuotes),
)
