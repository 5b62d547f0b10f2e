"""Fulfillment over HTTP: warehouses and stock (:mod:`.stock`). ``FULFILLMENT_CONTROLLERS`` is
what the fulfillment plug-in serves."""

from __future__ import annotations

from typing import Final

from litestar import Controller

from shop_adapters.http.fulfillment.stock import StockController

FULFILLMENT_CONTROLLERS: Final[list[type[Controller]]] = [StockController]

__all__ = ["FULFILLMENT_CONTROLLERS"]
