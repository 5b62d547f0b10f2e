"""Ordering over HTTP. ``CART_CONTROLLERS`` is what the carts plug-in serves: carts
(:mod:`.carts`) and addresses (:mod:`.addresses`)."""

from __future__ import annotations

from typing import Final

from litestar import Controller

from shop_adapters.http.ordering.addresses import AddressController
from shop_adapters.http.ordering.carts import CustomerCartController, GuestCartController

CART_CONTROLLERS: Final[list[type[Controller]]] = [
    CustomerCartController,
    GuestCartController,
    AddressController,
]

__all__ = ["CART_CONTROLLERS"]
