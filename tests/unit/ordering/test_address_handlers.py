"""Addresses through the runtime, against ``memory://``: added, edited, made the default,
removed; read back by the checkout's port only for their owner."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.ordering.cart_tables import addresses
from shop_app.ordering.addresses import AddAddress, EditAddress, RemoveAddress, SetDefaultAddress
from shop_app.ordering.cart_ports import AddressQueries
from shop_domain.shared.errors import DomainError
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)
USER, OTHER = uuid.UUID(int=0xA1), uuid.UUID(int=0xA2)
HOME = {
    "recipient": "Li Lei",
    "phone": "138-0013-1234",
    "province": "310000",
    "city": "310100",
    "district": "310104",
    "detail": "88 Caoxi Road",
}


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(clock=FixedClock(NOW))
    yield made
    await made.close()


async def refused(shop: MemoryShop, command: object) -> str:
    with pytest.raises(DomainError) as refusal:
        await shop.runtime.bus.handle(command)
    return refusal.value.code


async def test_a_customer_keeps_addresses_with_one_default(shop: MemoryShop) -> None:
    bus, queries = shop.runtime.bus, shop.runtime.get(AddressQueries)
    home: uuid.UUID = await bus.handle(AddAddress(user_id=USER, **HOME))
    shop.clock.advance(minutes=1)
    work: uuid.UUID = await bus.handle(
        AddAddress(user_id=USER, **{**HOME, "detail": "1 Century Ave", "district": "310115"})
    )
    listed = await queries.addresses_of(USER)
    assert [(a.id, a.is_default) for a in listed] == [(home, True), (work, False)]
    assert listed[0].phone == "+8613800131234"
    await bus.handle(SetDefaultAddress(user_id=USER, address_id=work))
    assert [a.id for a in await queries.addresses_of(USER)] == [work, home]
    edit = {k: v for k, v in HOME.items() if k != "phone"}
    await bus.handle(EditAddress(user_id=USER, address_id=home, **{**edit, "recipient": "Han Mei"}))
    found = await queries.address_of(USER, home)
    assert found is not None
    assert (found.recipient, found.phone) == ("Han Mei", "+8613800131234")
    await bus.handle(RemoveAddress(user_id=USER, address_id=work))
    [left] = await queries.addresses_of(USER)
    assert (left.id, left.is_default) == (home, True)


async def test_nobody_reaches_another_customers_address(shop: MemoryShop) -> None:
    bus, queries = shop.runtime.bus, shop.runtime.get(AddressQueries)
    home: uuid.UUID = await bus.handle(AddAddress(user_id=USER, **HOME))
    assert await queries.address_of(OTHER, home) is None
    assert await queries.addresses_of(OTHER) == []
    for command in (
        EditAddress(user_id=OTHER, address_id=home, **HOME),
        RemoveAddress(user_id=OTHER, address_id=home),
        SetDefaultAddress(user_id=OTHER, address_id=home),
    ):
        assert await refused(shop, command) == "address.not_found"
    assert await queries.address_of(USER, home) is not None


async def test_bad_input_writes_nothing(shop: MemoryShop) -> None:
    bad = AddAddress(user_id=USER, **{**HOME, "city": "320100"})
    assert await refused(shop, bad) == "address.invalid"
    assert await refused(shop, AddAddress(user_id=USER, **{**HOME, "phone": "x"})) == (
        "phone.invalid"
    )
    for _ in range(20):
        await shop.runtime.bus.handle(AddAddress(user_id=USER, **HOME))
    assert await refused(shop, AddAddress(user_id=USER, **HOME)) == "address.book_full"
    async with shop.engine.connect() as conn:
        rows = (await conn.execute(select(addresses.c.is_default))).scalars().all()
    assert (len(rows), sum(rows)) == (20, 1)
    assert "1234" not in repr(AddAddress(user_id=USER, **HOME))
