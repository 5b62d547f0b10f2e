"""Carts through the runtime (ORD-1), against ``memory://``: a user's cart kept, a guest's by
token; adding, changing, removing; a guest cart merged at sign-in; the view's prices and
validity; the checkout's entry points."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from tests.unit.ordering.cart_support import Goods, cny, stock_goods

from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.ordering.cart_tables import cart_lines, carts
from shop_app.ordering.cart_ports import CartQueries
from shop_app.ordering.carts import (
    AddCartLine,
    CartRef,
    ChangeCartLine,
    CreateGuestCart,
    GuestCartMade,
    MergeGuestCart,
    RemoveCartLine,
    RemoveCartLines,
    remove_cart_lines,
)
from shop_domain.ordering.cart import LineState, MergeOutcome
from shop_domain.shared.errors import DomainError
from shop_testing.harness import MemoryShop, memory_shop

NOW = dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)
USER, OTHER = uuid.UUID(int=0xA1), uuid.UUID(int=0xA2)
pytestmark = pytest.mark.rule("ORD-1")


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(clock=FixedClock(NOW))
    yield made
    await made.close()


@pytest.fixture
async def goods(shop: MemoryShop) -> Goods:
    return await stock_goods(shop)


async def refused(shop: MemoryShop, command: object) -> str:
    with pytest.raises(DomainError) as refusal:
        await shop.runtime.bus.handle(command)
    return refusal.value.code


async def guest(shop: MemoryShop) -> str:
    made: GuestCartMade = await shop.runtime.bus.handle(CreateGuestCart())
    return made.token


async def test_a_users_cart_is_kept_and_shows_each_line_valid_or_why_not(
    shop: MemoryShop, goods: Goods
) -> None:
    bus, me = shop.runtime.bus, CartRef.user(USER)
    assert await bus.handle(AddCartLine(cart=me, sku_id=goods.mug, quantity=2)) == 2
    assert await bus.handle(AddCartLine(cart=me, sku_id=goods.mug, quantity=3)) == 5
    shop.clock.advance(seconds=1)
    await bus.handle(AddCartLine(cart=me, sku_id=goods.tee))
    assert await refused(shop, AddCartLine(cart=me, sku_id=goods.lamp)) == "cart.unlisted_sku"
    assert await refused(shop, AddCartLine(cart=me, sku_id=goods.cap)) == "cart.unlisted_sku"
    assert await refused(shop, AddCartLine(cart=me, sku_id=uuid.uuid4())) == "cart.unknown_sku"
    view = await shop.runtime.get(CartQueries).cart_of(USER)
    assert [(line.sku_id, line.quantity, line.state) for line in view.lines] == [
        (goods.mug, 5, LineState.VALID),
        (goods.tee, 1, LineState.OUT_OF_STOCK),
    ]
    assert view.lines[0].unit_price == cny(2500)
    assert view.lines[0].amount == cny(12_500)
    assert (view.selected_quantity, view.selected_amount) == (5, cny(12_500))
    assert view.expires_at is None
    assert (await shop.runtime.get(CartQueries).cart_of(OTHER)).lines == ()


async def test_limits_refuse_and_change_nothing(shop: MemoryShop, goods: Goods) -> None:
    bus, me = shop.runtime.bus, CartRef.user(USER)
    await bus.handle(AddCartLine(cart=me, sku_id=goods.mug, quantity=9_000))
    add = AddCartLine(cart=me, sku_id=goods.mug, quantity=1_000)
    assert await refused(shop, add) == "cart.quantity_limit"
    assert await refused(shop, AddCartLine(cart=me, sku_id=goods.mug, quantity=0)) == "cart.invalid"
    too_many = ChangeCartLine(cart=me, sku_id=goods.mug, quantity=10_000)
    assert await refused(shop, too_many) == "cart.invalid"
    assert await refused(shop, ChangeCartLine(cart=me, sku_id=goods.mug)) == "cart.invalid"
    missing = ChangeCartLine(cart=me, sku_id=goods.tee, quantity=1)
    assert await refused(shop, missing) == "cart.line_not_found"
    assert await refused(shop, RemoveCartLine(cart=me, sku_id=goods.tee)) == "cart.line_not_found"
    [line] = (await shop.runtime.get(CartQueries).cart_of(USER)).lines
    assert line.quantity == 9_000


async def test_changing_selection_and_quantity_decides_what_checkout_takes(
    shop: MemoryShop, goods: Goods
) -> None:
    bus, me = shop.runtime.bus, CartRef.user(USER)
    queries = shop.runtime.get(CartQueries)
    await bus.handle(AddCartLine(cart=me, sku_id=goods.mug, quantity=2))
    await bus.handle(AddCartLine(cart=me, sku_id=goods.tee))
    assert await queries.checkout_lines(USER) == [(goods.mug, 2)]  # tee: out of stock
    await bus.handle(ChangeCartLine(cart=me, sku_id=goods.mug, quantity=4, selected=False))
    assert await queries.checkout_lines(USER) == []
    await bus.handle(ChangeCartLine(cart=me, sku_id=goods.mug, selected=True))
    assert await queries.checkout_lines(USER) == [(goods.mug, 4)]
    assert await bus.handle(RemoveCartLine(cart=me, sku_id=goods.mug)) == 1
    assert await queries.checkout_lines(USER) == []
    assert await queries.checkout_lines(OTHER) == []


async def test_the_checkout_removes_ordered_lines_inside_its_own_transaction(
    shop: MemoryShop, goods: Goods
) -> None:
    bus, me = shop.runtime.bus, CartRef.user(USER)
    await bus.handle(AddCartLine(cart=me, sku_id=goods.mug, quantity=2))
    await bus.handle(AddCartLine(cart=me, sku_id=goods.tee))
    command = RemoveCartLines(user_id=USER, sku_ids=frozenset({goods.mug, goods.lamp}))
    async with shop.uow() as uow:
        assert await remove_cart_lines(command, uow) == 1
        await uow.commit()
    assert [line.sku_id for line in (await shop.runtime.get(CartQueries).cart_of(USER)).lines] == [
        goods.tee
    ]
    assert await bus.handle(command) == 0
    assert await bus.handle(RemoveCartLines(user_id=OTHER, sku_ids=frozenset({goods.tee}))) == 0


async def test_a_guest_cart_by_token_merges_at_sign_in_once(shop: MemoryShop, goods: Goods) -> None:
    bus, queries = shop.runtime.bus, shop.runtime.get(CartQueries)
    token = await guest(shop)
    assert len(token) == 43
    mine = CartRef.guest(token)
    await bus.handle(AddCartLine(cart=mine, sku_id=goods.mug, quantity=3))
    await bus.handle(AddCartLine(cart=mine, sku_id=goods.tee, quantity=9_999))
    view = await queries.guest_cart(token)
    assert view.expires_at == NOW + dt.timedelta(days=30)
    await bus.handle(AddCartLine(cart=CartRef.user(USER), sku_id=goods.tee, quantity=5))
    done = await bus.handle(MergeGuestCart(user_id=USER, token=token))
    assert done == MergeOutcome(
        added=(goods.mug,), increased=(goods.tee,), capped=(goods.tee,), dropped=()
    )
    lines = {line.sku_id: line.quantity for line in (await queries.cart_of(USER)).lines}
    assert lines == {goods.mug: 3, goods.tee: 9_999}
    assert await bus.handle(MergeGuestCart(user_id=USER, token=token)) == MergeOutcome()
    assert {line.sku_id: line.quantity for line in (await queries.cart_of(USER)).lines} == lines
    with pytest.raises(DomainError) as gone:
        await queries.guest_cart(token)
    assert gone.value.code == "cart.not_found"
    assert await refused(shop, AddCartLine(cart=mine, sku_id=goods.mug)) == "cart.not_found"
    async with shop.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(carts))).scalar() == 1
        held = (await conn.execute(select(func.count()).select_from(cart_lines))).scalar()
    assert held == 2
    digests = [row.token_digest for row in await _rows(shop)]
    assert token not in digests


async def _rows(shop: MemoryShop) -> list[object]:
    async with shop.engine.connect() as conn:
        return list((await conn.execute(select(carts))).all())


async def test_a_guest_cart_expires_after_its_last_change_and_the_sweep_purges_it(
    shop: MemoryShop, goods: Goods
) -> None:
    bus = shop.runtime.bus
    token = await guest(shop)
    await bus.handle(AddCartLine(cart=CartRef.guest(token), sku_id=goods.mug))
    shop.clock.advance(days=29)
    await bus.handle(AddCartLine(cart=CartRef.guest(token), sku_id=goods.mug))
    shop.clock.advance(days=29)
    assert len((await shop.runtime.get(CartQueries).guest_cart(token)).lines) == 1
    shop.clock.advance(days=1)
    with pytest.raises(DomainError):
        await shop.runtime.get(CartQueries).guest_cart(token)
    assert await refused(shop, AddCartLine(cart=CartRef.guest(token), sku_id=goods.mug)) == (
        "cart.not_found"
    )
    fresh = await guest(shop)
    shop.clock.advance(seconds=1)
    purger = shop.runtime.retention
    assert purger is not None
    assert await purger.purge(only="guest_carts") == {"guest_carts": 1}  # the expired one
    assert [row.token_digest is not None for row in await _rows(shop)] == [True]
    assert (await shop.runtime.get(CartQueries).guest_cart(fresh)).lines == ()
    assert await bus.handle(MergeGuestCart(user_id=USER, token=token)) == MergeOutcome()
