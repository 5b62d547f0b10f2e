"""Ordering over HTTP: checking out (:mod:`.checkout`), the customer's orders and paying them
(:mod:`.customer`), the gateway's notifications (:mod:`.notify`), and orders for operators
(:mod:`.admin`). ``ORDERING_CONTROLLERS`` is what the ordering plug-in serves."""

from __future__ import annotations

from typing import Final

from litestar import Controller

from shop_adapters.http.ordering.admin import OrdersController
from shop_adapters.http.ordering.checkout import CheckoutController
from shop_adapters.http.ordering.customer import MyOrdersController
from shop_adapters.http.ordering.notify import PaymentNotifyController

ORDERING_CONTROLLERS: Final[list[type[Controller]]] = [
    CheckoutController,
    MyOrdersController,
    PaymentNotifyController,
    OrdersController,
]

__all__ = ["ORDERING_CONTROLLERS"]
