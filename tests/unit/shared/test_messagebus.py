"""The application kernel on the in-memory adapters: unit of work, outbox, bus, idempotency."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, ClassVar

import attrs
import pytest

from shop_adapters.memory import FixedClock, MemoryDatabase, MemoryRepository, MemoryUnitOfWork
from shop_adapters.shared.system import UuidV7Generator
from shop_app.shared.errors import IdempotencyKeyReused
from shop_app.shared.integration import IntegrationEvent, IntegrationRegistry
from shop_app.shared.messagebus import MessageBus, NoHandler
from shop_domain.shared import Aggregate, ConcurrencyConflict, DomainEvent, InvalidValue, NotFound


@attrs.frozen(kw_only=True)
class Deposited(DomainEvent):
    event_type = "test.deposited"
    account_id: uuid.UUID
    amount: int


@attrs.define(slots=False, eq=False)
class Account(Aggregate):
    balance: int = 0

    def deposit(self, amount: int, now: Any) -> None:
        if amount <= 0:
            raise InvalidValue("deposit must be positive", code="test.bad_amount")
        self.balance += amount
        self.record(Deposited(occurred_at=now, account_id=self.id, amount=amount))


# what leaves the process: the integration event of ``Deposited``, in a registry of the test's own
EVENTS = IntegrationRegistry()
EVENTS.aggregate(Account, "test.account")


@EVENTS.event
@attrs.frozen(kw_only=True)
class DepositedV1(IntegrationEvent):
    type: ClassVar[str] = "test.deposited"
    version: ClassVar[int] = 1
    account_id: uuid.UUID
    amount: int


@EVENTS.maps(Deposited)
def _deposited(event: Deposited) -> DepositedV1:
    return DepositedV1(account_id=event.account_id, amount=event.amount)


class Accounts(MemoryRepository[Account]):
    aggregate_type = Account


class Uow(MemoryUnitOfWork):
    integration = EVENTS

    def __init__(self, db: MemoryDatabase, clock: FixedClock) -> None:
        super().__init__(db, clock, UuidV7Generator())
        self.accounts = Accounts(self)


@attrs.frozen
class Open:
    pass


@attrs.frozen
class Deposit:
    account_id: uuid.UUID
    amount: int


@pytest.fixture
def db() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def make_bus(db: MemoryDatabase, clock: FixedClock, calls: list[str]) -> MessageBus:
    async def open_account(cmd: Open, uow: Uow) -> uuid.UUID:
        calls.append("open")
        account = Account(id=uow.ids.new_id())
        uow.accounts.add(account)
        return account.id

    async def deposit(cmd: Deposit, uow: Uow) -> dict[str, Any]:
        calls.append("deposit")
        account = await uow.accounts.get(cmd.account_id)
        account.deposit(cmd.amount, uow.clock.now())
        return {"balance": account.balance, "account": account.id}

    return MessageBus(lambda: Uow(db, clock), {Open: open_account, Deposit: deposit})


async def test_commit_persists_aggregate_and_writes_outbox(
    db: MemoryDatabase, clock: FixedClock
) -> None:
    bus = make_bus(db, clock, [])
    account_id = await bus.handle(Open())
    result = await bus.handle(Deposit(account_id, 500))
    assert result["balance"] == 500
    stored = db.tables["Account"][account_id]
    assert isinstance(stored, Account)
    assert stored.balance == 500
    assert stored.version == 2
    [message] = db.unsent()
    assert (message.type, message.version) == ("test.deposited", 1)
    assert message.payload == {"account_id": str(account_id), "amount": 500}
    assert message.aggregate_type == "test.account"
    assert message.aggregate_id == str(account_id)


async def test_a_failing_command_writes_nothing(db: MemoryDatabase, clock: FixedClock) -> None:
    bus = make_bus(db, clock, [])
    account_id = await bus.handle(Open())
    with pytest.raises(InvalidValue):
        await bus.handle(Deposit(account_id, -1))
    assert db.tables["Account"][account_id].balance == 0  # type: ignore[attr-defined]
    assert db.unsent() == []


async def test_rollback_unless_committed(db: MemoryDatabase, clock: FixedClock) -> None:
    async with Uow(db, clock) as uow:
        uow.accounts.add(Account(id=uuid.uuid4()))
    assert db.tables["Account"] == {}


async def test_stale_write_is_a_concurrency_conflict(db: MemoryDatabase, clock: FixedClock) -> None:
    account_id = await make_bus(db, clock, []).handle(Open())
    async with Uow(db, clock) as first, Uow(db, clock) as second:
        a = await first.accounts.get(account_id)
        b = await second.accounts.get(account_id)
        a.deposit(1, clock.now())
        b.deposit(2, clock.now())
        await first.commit()
        with pytest.raises(ConcurrencyConflict):
            await second.commit()
    assert db.tables["Account"][account_id].balance == 1  # type: ignore[attr-defined]


async def test_not_found(db: MemoryDatabase, clock: FixedClock) -> None:
    async with Uow(db, clock) as uow:
        with pytest.raises(NotFound):
            await uow.accounts.get(uuid.uuid4())


@pytest.mark.rule("SEC-5")
async def test_a_retry_with_the_same_key_returns_the_first_outcome_and_works_once(
    db: MemoryDatabase, clock: FixedClock
) -> None:
    calls: list[str] = []
    bus = make_bus(db, clock, calls)
    account_id = await bus.handle(Open())
    first = await bus.handle(Deposit(account_id, 100), idempotency_key="k1", idempotency_owner="u1")
    again = await bus.handle(Deposit(account_id, 100), idempotency_key="k1", idempotency_owner="u1")
    assert first == again == {"balance": 100, "account": account_id}
    assert calls.count("deposit") == 1
    assert db.tables["Account"][account_id].balance == 100  # type: ignore[attr-defined]
    # the key belongs to its owner: another user's key of the same text is independent
    other = await bus.handle(Deposit(account_id, 100), idempotency_key="k1", idempotency_owner="u2")
    assert other["balance"] == 200


@pytest.mark.rule("SEC-5")
async def test_a_key_reused_for_another_request_is_refused(
    db: MemoryDatabase, clock: FixedClock
) -> None:
    bus = make_bus(db, clock, [])
    account_id = await bus.handle(Open())
    await bus.handle(Deposit(account_id, 100), idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReused):
        await bus.handle(Deposit(account_id, 999), idempotency_key="k1")


@pytest.mark.rule("SEC-5")
async def test_concurrent_retries_do_the_work_once(db: MemoryDatabase, clock: FixedClock) -> None:
    calls: list[str] = []
    bus = make_bus(db, clock, calls)
    account_id = await bus.handle(Open())
    results = await asyncio.gather(
        *(bus.handle(Deposit(account_id, 10), idempotency_key="same") for _ in range(20)),
    )
    balances = {r["balance"] for r in results}
    assert db.tables["Account"][account_id].balance == 10  # type: ignore[attr-defined]
    assert balances == {10}


async def test_event_handlers_run_after_commit_in_their_own_unit_of_work(
    db: MemoryDatabase, clock: FixedClock
) -> None:
    seen: list[int] = []
    bus = make_bus(db, clock, [])

    async def on_deposit(event: Deposited, uow: Uow) -> None:
        seen.append(event.amount)
        uow.accounts.add(Account(id=uuid.uuid4(), balance=event.amount))

    async def broken(event: Deposited, uow: Uow) -> None:
        raise RuntimeError("a failing reaction does not undo the command")

    bus.subscribe(Deposited, broken)
    bus.subscribe(Deposited, on_deposit)
    account_id = await bus.handle(Open())
    await bus.handle(Deposit(account_id, 7))
    assert seen == [7]
    assert len(db.tables["Account"]) == 2


async def test_unknown_command(db: MemoryDatabase, clock: FixedClock) -> None:
    with pytest.raises(NoHandler):
        await make_bus(db, clock, []).handle(object())
