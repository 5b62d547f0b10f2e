"""Ordering over HTTP. ``CART_CONTROLLERS`` is what the carts plug-in serves: carts
(:mod:`.carts`) and addresses (:mod:`.addresses`). ``ORDERING_CONTROLLERS`` is what the ordering
plug-in serves: checking out (:mod:`.checkout`), the customer's orders and paying them
(:mod:`.customer`), the gateway's notifications (:mod:`.notify`), and orders for operators
(:mod:`.admin`) and their statistics (:mod:`.statistics`)."""

from __future__ import annotations

from typing import Final

from litestar import Controller

from shop_adapters.http.ordering.addresses import AddressController
from shop_adapters.http.ordering.admin import OrdersController
from shop_adapters.http.ordering.carts import CustomerCartController, GuestCartController
from shop_adapters.http.ordering.checkout import CheckoutController
from shop_adapters.http.ordering.customer import MyOrdersController
from shop_adapters.http.ordering.notify import PaymentNotifyController
from shop_adapters.http.ordering.statistics import OrderStatisticsController

CART_CONTROLLERS: Final[list[type[Controller]]] = [
    CustomerCartController,
    GuestCartController,
    AddressController,
]
ORDERING_CONTROLLERS: Final[list[type[Controller]]] = [
    CheckoutController,
    MyOrdersController,
    PaymentNotifyController,
    OrdersController,
    OrderStatisticsController,
]

__all__ = ["CART_CONTROLLERS", "ORDERING_CONTROLLERS"]
