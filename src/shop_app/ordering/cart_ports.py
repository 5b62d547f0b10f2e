"""Ports of carts and addresses: their repositories on the unit of work (``uow.carts``,
``uow.address_books``), what they read of other contexts (:class:`CartGoods`), and the query
ports the checkout and the HTTP API read (:class:`CartQueries`, :class:`AddressQueries`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Protocol

import attrs

from shop_app.shared.ports import Clock, IdGenerator
from shop_domain.ordering.address import Address, AddressBook
from shop_domain.ordering.cart import Cart, LineState, SkuFacts
from shop_domain.shared.money import Money


class CartRepository(Protocol):
    def add(self, cart: Cart) -> None: ...

    def remove(self, cart: Cart) -> None: ...

    async def of_user(self, user_id: uuid.UUID) -> Cart | None:
        """The user's cart, locked, with its lines (``None`` when they never had one)."""
        ...

    async def opened_for(self, user_id: uuid.UUID, new_id: uuid.UUID, now: dt.datetime) -> Cart:
        """The user's cart, locked — opened empty first when there is none (two first adds at
        once open one)."""
        ...

    async def by_token(self, digest: str) -> Cart | None:
        """The guest cart whose token has this digest, locked, expired or not."""
        ...


class AddressBookRepository(Protocol):
    async def opened_for(self, user_id: uuid.UUID, new_id: uuid.UUID) -> AddressBook:
        """The user's address book, locked (opened empty when there is none)."""
        ...


class CartUnitOfWork(Protocol):
    carts: CartRepository
    address_books: AddressBookRepository
    clock: Clock
    ids: IdGenerator


class CartGoods(Protocol):
    """The SKUs as a cart sees them — price and listing from the catalog (through pricing's
    catalog port), availability from the stock — read outside any unit of work."""

    async def facts_of(
        self, sku_ids: Sequence[uuid.UUID], now: dt.datetime
    ) -> Mapping[uuid.UUID, SkuFacts]:
        """By SKU id; a SKU the catalog does not have is left out."""
        ...


@attrs.frozen
class StoredLine:
    sku_id: uuid.UUID
    quantity: int
    selected: bool
    added_at: dt.datetime


@attrs.frozen
class StoredCart:
    """A cart's committed rows, as the read side gives them."""

    id: uuid.UUID
    user_id: uuid.UUID | None
    touched_at: dt.datetime
    lines: tuple[StoredLine, ...]
    """Oldest first."""


class CartReads(Protocol):
    """Committed carts, read without a lock (the SQL read side)."""

    async def of_user(self, user_id: uuid.UUID) -> StoredCart | None: ...

    async def by_token(self, digest: str) -> StoredCart | None: ...


@attrs.frozen
class CartLineView:
    """A line as the customer sees it: the SKU's price now (``None`` when the catalog no longer
    has it), the line's amount at that price (before any promotion: the checkout's quote prices
    the cart), and whether it may go to checkout (``state``, a reason code when it may not)."""

    sku_id: uuid.UUID
    quantity: int
    selected: bool
    added_at: dt.datetime
    state: LineState
    unit_price: Money | None
    amount: Money | None
    available: int

    @property
    def valid(self) -> bool:
        return self.state is LineState.VALID


@attrs.frozen
class CartView:
    """A cart shown: every line, oldest first; how many units of valid selected lines go to
    checkout and their amount at today's prices (``None`` when they are in several
    currencies or there are none)."""

    lines: tuple[CartLineView, ...]
    selected_quantity: int
    selected_amount: Money | None
    expires_at: dt.datetime | None = None
    """A guest cart's end, unless changed before."""


class CartQueries(Protocol):
    """The carts' read port (registered as a service: ``runtime.get(CartQueries)``)."""

    async def cart_of(self, user_id: uuid.UUID) -> CartView:
        """The user's cart (empty when they have none)."""
        ...

    async def guest_cart(self, token: str) -> CartView:
        """The guest cart of ``token``; ``cart.not_found`` when it is gone or expired."""
        ...

    async def checkout_lines(self, user_id: uuid.UUID) -> list[tuple[uuid.UUID, int]]:
        """What the user's checkout takes from the cart: ``(sku_id, quantity)`` of every line
        that is selected and valid now (known, listed, in stock), oldest first."""
        ...


class AddressQueries(Protocol):
    """The addresses' read port (registered as a service: ``runtime.get(AddressQueries)``)."""

    async def addresses_of(self, user_id: uuid.UUID) -> list[Address]:
        """The user's addresses, the default first, then the newest first."""
        ...

    async def address_of(self, user_id: uuid.UUID, address_id: uuid.UUID) -> Address | None:
        """The address, when it is this user's (``None`` otherwise: another customer's address
        is never found). The phone is in full: the checkout's snapshot needs it."""
        ...


__all__ = [
    "AddressBookRepository",
    "AddressQueries",
    "CartGoods",
    "CartLineView",
    "CartQueries",
    "CartReads",
    "CartRepository",
    "CartUnitOfWork",
    "CartView",
    "StoredCart",
    "StoredLine",
]
