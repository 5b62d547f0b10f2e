"""Addresses in SQL: an address book per user with its addresses as children
(``uow.address_books``, read locked), and :class:`SqlAddressQueries` over committed rows."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, select

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.mapper import Children, TableMap
from shop_adapters.sql.ordering.cart_tables import address_books, addresses
from shop_adapters.sql.reads import SqlReads
from shop_adapters.sql.uow import SqlRepository
from shop_domain.ordering.address import Address, AddressBook

ADDRESSES = TableMap(Address, addresses, parent_column="book_id", versioned=False)
BOOKS = TableMap(
    AddressBook,
    address_books,
    children=[Children("addresses", ADDRESSES, "book_id", "created_at", keyed_by="id")],
)

B, A = address_books.c, addresses.c
_BY_USER = Prepared(BOOKS.select_all.where(B.user_id == bindparam("user_id")).with_for_update())
_OF_USER = (
    select(*ADDRESSES.columns)
    .join(address_books, B.id == A.book_id)
    .where(B.user_id == bindparam("user_id", type_=B.user_id.type))
)
_ONE = Prepared(_OF_USER.where(A.id == bindparam("address_id", type_=A.id.type)))


class SqlAddressBookRepository(SqlRepository[AddressBook]):
    table = BOOKS

    async def opened_for(self, user_id: uuid.UUID, new_id: uuid.UUID) -> AddressBook:
        empty = AddressBook.new(id=new_id, user_id=user_id)
        return await self._opened_once(_BY_USER, {"user_id": user_id}, empty)


def _address(row: object) -> Address:
    found: Address = ADDRESSES.load(row)
    return found


class SqlAddressQueries(SqlReads):
    """:class:`~shop_app.ordering.cart_ports.AddressQueries` in SQL."""

    async def addresses_of(self, user_id: uuid.UUID) -> list[Address]:
        query = _OF_USER.order_by(A.is_default.desc(), A.created_at.desc(), A.id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query, {"user_id": user_id})).all()
        return [_address(row) for row in rows]

    async def address_of(self, user_id: uuid.UUID, address_id: uuid.UUID) -> Address | None:
        row = await self._first(_ONE, {"user_id": user_id, "address_id": address_id})
        return None if row is None else _address(row)


__all__ = ["ADDRESSES", "BOOKS", "SqlAddressBookRepository", "SqlAddressQueries"]
