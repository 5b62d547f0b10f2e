"""Fulfillment over HTTP: warehouses and stock (:mod:`.stock`), freight (:mod:`.freight`).
``FULFILLMENT_CONTROLLERS`` is what the fulfillment plug-in serves."""

from __future__ import annotations

from typing import Final

from litestar import Controller

from shop_adapters.http.fulfillment.freight import FreightController
from shop_adapters.http.fulfillment.stock import StockController

FULFILLMENT_CONTROLLERS: Final[list[type[Controller]]] = [StockController, FreightController]

__all__ = ["FULFILLMENT_CONTROLLERS"]
