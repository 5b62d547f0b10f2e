"""The application kernel on a ``memory://`` runtime: unit of work, outbox, bus, idempotency.

The commands are test-only; the aggregate they change is a real one (a catalog brand, whose
logo URL carries a test "balance"), so every write goes through the application's unit of work.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import attrs
import pytest

from shop_adapters.sql.catalog.tables import brands
from shop_app.shared.errors import IdempotencyKeyReused
from shop_app.shared.messagebus import MessageBus, NoHandler
from shop_domain.catalog.categories import Brand
from shop_domain.catalog.events import BrandUpdated
from shop_domain.shared import ConcurrencyConflict, InvalidValue, NotFound
from shop_testing.harness import MemoryShop

BALANCE = "https://balance.test/"


def balance(brand: Brand) -> int:
    return int((brand.logo_url or BALANCE + "0").removeprefix(BALANCE))


def deposit_into(brand: Brand, amount: int, now: Any) -> None:
    if amount <= 0:
        raise InvalidValue("deposit must be positive", code="test.bad_amount")
    brand.update(
        name=brand.name,
        logo_url=f"{BALANCE}{balance(brand) + amount}",
        category_ids=brand.category_ids,
        now=now,
    )


@attrs.frozen
class Open:
    pass


@attrs.frozen
class Deposit:
    account_id: uuid.UUID
    amount: int


def make_bus(shop: MemoryShop, calls: list[str]) -> MessageBus:
    async def open_account(cmd: Open, uow: Any) -> uuid.UUID:
        calls.append("open")
        account_id = uow.ids.new_id()
        account = Brand.create(
            id=account_id,
            name=f"account {account_id}",
            logo_url=None,
            category_ids=(),
            now=uow.clock.now(),
        )
        uow.brands.add(account)
        return account_id  # type: ignore[no-any-return]

    async def deposit(cmd: Deposit, uow: Any) -> dict[str, Any]:
        calls.append("deposit")
        account = await uow.brands.get(cmd.account_id)
        deposit_into(account, cmd.amount, uow.clock.now())
        return {"balance": balance(account), "account": account.id}

    return MessageBus(shop.uow, {Open: open_account, Deposit: deposit})


async def stored(shop: MemoryShop, account_id: uuid.UUID) -> Brand:
    async with shop.uow() as uow:
        account: Brand = await uow.brands.get(account_id)
    return account


async def deposits(shop: MemoryShop) -> list[Any]:
    return [m for m in await shop.unsent() if m.type == BrandUpdated.event_type]


async def test_commit_persists_aggregate_and_writes_outbox(shop: MemoryShop) -> None:
    bus = make_bus(shop, [])
    account_id = await bus.handle(Open())
    result = await bus.handle(Deposit(account_id, 500))
    assert result["balance"] == 500
    account = await stored(shop, account_id)
    assert balance(account) == 500
    assert account.version == 2
    [message] = await deposits(shop)
    assert message.payload["logo_url"] == BALANCE + "500"
    assert message.aggregate_id == str(account_id)


async def test_a_failing_command_writes_nothing(shop: MemoryShop) -> None:
    bus = make_bus(shop, [])
    account_id = await bus.handle(Open())
    before = await shop.unsent()
    with pytest.raises(InvalidValue):
        await bus.handle(Deposit(account_id, -1))
    assert balance(await stored(shop, account_id)) == 0
    assert await shop.unsent() == before


async def test_rollback_unless_committed(shop: MemoryShop) -> None:
    async with shop.uow() as uow:
        uow.brands.add(
            Brand.create(
                id=uuid.uuid4(), name="never", logo_url=None, category_ids=(), now=shop.clock.now()
            )
        )
    assert await shop.count(brands) == 0


async def test_concurrent_writers_lose_no_update(shop: MemoryShop) -> None:
    """Two units of work racing on one aggregate: each commits or gets ConcurrencyConflict, and
    no committed change is lost. (SQLite serialises writers, so both commit here; the stale
    write itself is in the persistence contract on PostgreSQL.)"""
    account_id = await make_bus(shop, []).handle(Open())

    async def deposit(amount: int) -> int:
        try:
            async with shop.uow() as uow:
                account = await uow.brands.get(account_id)
                await asyncio.sleep(0.01)
                deposit_into(account, amount, shop.clock.now())
                await uow.commit()
        except ConcurrencyConflict:
            return 0
        return amount

    done = await asyncio.gather(deposit(1), deposit(2))
    assert sum(done) > 0
    assert balance(await stored(shop, account_id)) == sum(done)


async def test_not_found(shop: MemoryShop) -> None:
    async with shop.uow() as uow:
        with pytest.raises(NotFound):
            await uow.brands.get(uuid.uuid4())


@pytest.mark.rule("SEC-5")
async def test_a_retry_with_the_same_key_returns_the_first_outcome_and_works_once(
    shop: MemoryShop,
) -> None:
    calls: list[str] = []
    bus = make_bus(shop, calls)
    account_id = await bus.handle(Open())
    first = await bus.handle(Deposit(account_id, 100), idempotency_key="k1", idempotency_owner="u1")
    again = await bus.handle(Deposit(account_id, 100), idempotency_key="k1", idempotency_owner="u1")
    assert first == again == {"balance": 100, "account": account_id}
    assert calls.count("deposit") == 1
    assert balance(await stored(shop, account_id)) == 100
    # the key belongs to its owner: another user's key of the same text is independent
    other = await bus.handle(Deposit(account_id, 100), idempotency_key="k1", idempotency_owner="u2")
    assert other["balance"] == 200


@pytest.mark.rule("SEC-5")
async def test_a_key_reused_for_another_request_is_refused(shop: MemoryShop) -> None:
    bus = make_bus(shop, [])
    account_id = await bus.handle(Open())
    await bus.handle(Deposit(account_id, 100), idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReused):
        await bus.handle(Deposit(account_id, 999), idempotency_key="k1")


@pytest.mark.rule("SEC-5")
async def test_concurrent_retries_do_the_work_once(shop: MemoryShop) -> None:
    calls: list[str] = []
    bus = make_bus(shop, calls)
    account_id = await bus.handle(Open())
    results = await asyncio.gather(
        *(bus.handle(Deposit(account_id, 10), idempotency_key="same") for _ in range(20)),
    )
    balances = {r["balance"] for r in results}
    assert balance(await stored(shop, account_id)) == 10
    assert balances == {10}


async def test_event_handlers_run_after_commit_in_their_own_unit_of_work(
    shop: MemoryShop,
) -> None:
    seen: list[str | None] = []
    bus = make_bus(shop, [])

    async def on_deposit(event: BrandUpdated, uow: Any) -> None:
        seen.append(event.logo_url)
        uow.brands.add(
            Brand.create(
                id=uuid.uuid4(),
                name="reaction",
                logo_url=event.logo_url,
                category_ids=(),
                now=uow.clock.now(),
            )
        )

    async def broken(event: BrandUpdated, uow: Any) -> None:
        raise RuntimeError("a failing reaction does not undo the command")

    bus.subscribe(BrandUpdated, broken)
    bus.subscribe(BrandUpdated, on_deposit)
    account_id = await bus.handle(Open())
    await bus.handle(Deposit(account_id, 7))
    assert seen == [BALANCE + "7"]
    assert await shop.count(brands) == 2


async def test_unknown_command(shop: MemoryShop) -> None:
    with pytest.raises(NoHandler):
        await make_bus(shop, []).handle(object())
