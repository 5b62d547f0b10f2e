"""Errors of carts and addresses (ORD-1). Each code is defined once, here."""

from __future__ import annotations

import uuid

from shop_domain.shared.errors import Conflict, InvalidValue, NotFound


class InvalidCart(InvalidValue):
    """A quantity out of 1..the limit, an empty change, a malformed token."""

    code = "cart.invalid"


class QuantityLimit(Conflict):
    """Adding this many would take the line past the most units a line may hold; nothing was
    added. ``details``: ``max_quantity``, ``quantity`` (what the line holds now)."""

    code = "cart.quantity_limit"


class CartFull(Conflict):
    """The cart holds the most lines it may; ``details``: ``max_lines``."""

    code = "cart.full"


class CartNotFound(NotFound):
    """No live guest cart has this token (never made, expired, or merged into a user's)."""

    code = "cart.not_found"


class CartLineNotFound(NotFound):
    code = "cart.line_not_found"

    @classmethod
    def of(cls, sku_id: uuid.UUID) -> CartLineNotFound:
        return cls("the cart has no line of this SKU", details={"sku_id": str(sku_id)})


class UnknownCartSku(InvalidValue):
    """The catalog has no such SKU."""

    code = "cart.unknown_sku"


class UnlistedCartSku(InvalidValue):
    """The SKU cannot be bought now: its product is not listed or the SKU is disabled (CAT-7)."""

    code = "cart.unlisted_sku"


class InvalidAddress(InvalidValue):
    """A field of an address that is not one (an empty name, regions that do not nest…);
    ``details.field`` names it."""

    code = "address.invalid"


class AddressBookFull(Conflict):
    """The customer keeps the most addresses allowed; ``details``: ``max_addresses``."""

    code = "address.book_full"


class AddressNotFound(NotFound):
    """No address of this customer has the id (another customer's is not found either)."""

    code = "address.not_found"

    @classmethod
    def of(cls, address_id: uuid.UUID) -> AddressNotFound:
        return cls("no such address", details={"address_id": str(address_id)})


__all__ = [
    "AddressBookFull",
    "AddressNotFound",
    "CartFull",
    "CartLineNotFound",
    "CartNotFound",
    "InvalidAddress",
    "InvalidCart",
    "QuantityLimit",
    "UnknownCartSku",
    "UnlistedCartSku",
]
