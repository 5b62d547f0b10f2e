"""The message bus audits operators' actions (SEC-2) and keeps secrets out of the log (SEC-3)."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
import uuid
from typing import Any, ClassVar

import attrs
import pytest

from shop_adapters.memory import FixedClock, MemoryDatabase, MemoryRepository, MemoryUnitOfWork
from shop_adapters.memory.audit import MemoryAuditLog
from shop_adapters.shared.system import UuidV7Generator
from shop_app.shared.audit import AuditEntry, action_name, audit_detail, audit_target
from shop_app.shared.auth import SYSTEM, Principal
from shop_app.shared.messagebus import MessageBus
from shop_domain.shared import Aggregate, DomainError, InvalidValue, Money

OPERATOR = Principal("op-1", "operator", frozenset({"test.write"}))
CUSTOMER = Principal("cust-1", "customer")
SECRET = "7391-SECRET-PIN-0042"
PRICE = Money(1999, "CNY")


@attrs.define(slots=False, eq=False)
class Card(Aggregate):
    label: str = ""


class Cards(MemoryRepository[Card]):
    aggregate_type = Card


class Uow(MemoryUnitOfWork):
    def __init__(self, db: MemoryDatabase, clock: FixedClock) -> None:
        super().__init__(db, clock, UuidV7Generator())
        self.cards = Cards(self)


class Colour(enum.Enum):
    RED = "red"


@attrs.frozen
class Pin:
    secret_fields: ClassVar[tuple[str, ...]] = ("pin",)
    holder: str
    pin: str


@attrs.frozen
class LabelCard:
    """Label a card; ``card_id`` may name an existing card (then the commit clashes)."""

    note: str
    card_id: uuid.UUID
    label: str
    price: Money = PRICE
    at: dt.datetime = dt.datetime(2026, 5, 1, 8, 30, tzinfo=dt.UTC)
    colours: frozenset[Colour] = frozenset({Colour.RED})


@attrs.frozen
class ActivateCard:
    secret_fields: ClassVar[tuple[str, ...]] = ("secret",)
    card_id: uuid.UUID
    secret: str
    pin: Pin


@attrs.frozen
class Refuse:
    reason: str


@attrs.frozen
class Crash:
    pass


@pytest.fixture
def db() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def bus(db: MemoryDatabase, clock: FixedClock) -> MessageBus:
    async def label(command: LabelCard, uow: Uow) -> dict[str, Any]:
        uow.cards.add(Card(id=command.card_id, label=command.label))
        return {"card": command.card_id}

    async def activate(command: ActivateCard, uow: Uow) -> None:
        uow.cards.add(Card(id=command.card_id, label="active"))

    async def refuse(command: Refuse, uow: Uow) -> None:
        uow.cards.add(Card(id=uuid.uuid4()))
        raise InvalidValue(f"refused: {command.reason}", code="test.refused")

    async def crash(command: Crash, uow: Uow) -> None:
        raise RuntimeError("boom")

    return MessageBus(
        lambda: Uow(db, clock),
        {LabelCard: label, ActivateCard: activate, Refuse: refuse, Crash: crash},
    )


def entries(db: MemoryDatabase) -> list[AuditEntry]:
    return list(db.audit_log)


@pytest.mark.rule("SEC-2")
async def test_an_operators_action_is_audited_with_its_fields(
    bus: MessageBus, db: MemoryDatabase, clock: FixedClock
) -> None:
    card_id = uuid.uuid4()
    await bus.handle(LabelCard("first", card_id, "gift"), actor=OPERATOR)
    [entry] = entries(db)
    assert entry.actor_kind == "operator"
    assert entry.actor == "op-1"
    assert entry.action == "label_card"
    assert entry.target == str(card_id)  # the first UUID field, not the first field
    assert entry.outcome == "done"
    assert entry.at == clock.now()
    assert entry.detail == {
        "note": "first",
        "card_id": {"$uuid": str(card_id)},
        "label": "gift",
        "price": {"$money": [1999, "CNY"]},
        "at": {"$datetime": "2026-05-01T08:30:00+00:00"},
        "colours": ["red"],
    }
    assert db.tables["Card"][card_id].label == "gift"  # type: ignore[attr-defined]


@pytest.mark.rule("SEC-2")
async def test_the_entry_is_in_the_actions_transaction(bus: MessageBus, db: MemoryDatabase) -> None:
    """When the action's commit fails, its ``done`` entry goes with it; what remains is the
    ``refused`` entry naming the error."""
    card_id = uuid.uuid4()
    await bus.handle(LabelCard("first", card_id, "gift"))  # not audited: no actor
    with pytest.raises(DomainError) as err:  # the commit clashes with the first card
        await bus.handle(LabelCard("again", card_id, "other"), actor=OPERATOR)
    assert err.value.code == "persistence.duplicate"
    [entry] = entries(db)
    assert entry.outcome == "refused"
    assert entry.detail["$error"] == "persistence.duplicate"
    assert entry.detail["note"] == "again"
    assert db.tables["Card"][card_id].label == "gift"  # type: ignore[attr-defined]


@pytest.mark.rule("SEC-2")
async def test_a_refused_action_is_audited_apart_and_the_error_raised(
    bus: MessageBus, db: MemoryDatabase
) -> None:
    with pytest.raises(InvalidValue) as err:
        await bus.handle(Refuse("out of stock"), actor=OPERATOR)
    assert err.value.code == "test.refused"
    [entry] = entries(db)
    assert (entry.action, entry.outcome, entry.target) == ("refuse", "refused", "")
    assert entry.detail == {"reason": "out of stock", "$error": "test.refused"}
    assert "refused: out of stock" not in repr(entry)  # the code, never the message
    assert db.tables["Card"] == {}  # the refused action itself wrote nothing


@pytest.mark.rule("SEC-2")
@pytest.mark.parametrize("actor", [CUSTOMER, SYSTEM, None], ids=["customer", "system", "none"])
async def test_only_operators_actions_are_audited(
    bus: MessageBus, db: MemoryDatabase, actor: Principal | None
) -> None:
    await bus.handle(LabelCard("x", uuid.uuid4(), "gift"), actor=actor)
    with pytest.raises(InvalidValue):
        await bus.handle(Refuse("no"), actor=actor)
    assert entries(db) == []


@pytest.mark.rule("SEC-2")
@pytest.mark.rule("SEC-5")
async def test_an_idempotent_replay_writes_no_second_entry(
    bus: MessageBus, db: MemoryDatabase
) -> None:
    command = LabelCard("x", uuid.uuid4(), "gift")
    first = await bus.handle(command, idempotency_key="k1", actor=OPERATOR)
    again = await bus.handle(command, idempotency_key="k1", actor=OPERATOR)
    assert first == again
    assert [e.outcome for e in entries(db)] == ["done"]


@pytest.mark.rule("SEC-2")
@pytest.mark.rule("SEC-5")
async def test_concurrent_retries_write_one_entry(bus: MessageBus, db: MemoryDatabase) -> None:
    command = LabelCard("x", uuid.uuid4(), "gift")
    await asyncio.gather(
        *(bus.handle(command, idempotency_key="same", actor=OPERATOR) for _ in range(10))
    )
    assert [e.outcome for e in entries(db)] == ["done"]


@pytest.mark.rule("SEC-3")
async def test_secret_fields_never_reach_the_log(bus: MessageBus, db: MemoryDatabase) -> None:
    card_id = uuid.uuid4()
    await bus.handle(ActivateCard(card_id, SECRET, Pin(holder="alice", pin="9876")), actor=OPERATOR)
    with pytest.raises(DomainError):  # the same card again: refused at commit
        await bus.handle(
            ActivateCard(card_id, SECRET, Pin(holder="alice", pin="9876")), actor=OPERATOR
        )
    done, refused = entries(db)
    assert done.detail == {
        "card_id": {"$uuid": str(card_id)},
        "pin": {"$dict": {"holder": "alice"}},
    }
    for entry in (done, refused):
        assert SECRET not in repr(entry)
        assert "9876" not in repr(entry)
    assert "secret" not in refused.detail


async def test_an_unexpected_crash_writes_no_entry(bus: MessageBus, db: MemoryDatabase) -> None:
    with pytest.raises(RuntimeError):
        await bus.handle(Crash(), actor=OPERATOR)
    assert entries(db) == []


class BrokenAuditLog(MemoryAuditLog):
    async def append(self, entry: AuditEntry) -> None:
        raise ConnectionError("audit storage unavailable")


class UnauditableUow(Uow):
    def __init__(self, db: MemoryDatabase, clock: FixedClock) -> None:
        super().__init__(db, clock)
        self.audit = BrokenAuditLog(self)


@pytest.mark.rule("SEC-2")
async def test_an_action_that_cannot_be_audited_does_not_happen(
    db: MemoryDatabase, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    async def label(command: LabelCard, uow: Uow) -> None:
        uow.cards.add(Card(id=command.card_id, label=command.label))

    async def refuse(command: Refuse, uow: Uow) -> None:
        raise InvalidValue("no", code="test.refused")

    bus = MessageBus(lambda: UnauditableUow(db, clock), {LabelCard: label, Refuse: refuse})
    with pytest.raises(ConnectionError):
        await bus.handle(LabelCard("x", uuid.uuid4(), "gift"), actor=OPERATOR)
    assert db.tables["Card"] == {}
    # a refusal is still reported as itself; the lost entry is logged
    with caplog.at_level(logging.ERROR), pytest.raises(InvalidValue):
        await bus.handle(Refuse("no"), actor=OPERATOR)
    logged = [r.getMessage() for r in caplog.records]
    assert any("could not audit the refused action refuse" in m for m in logged)


def test_action_names_targets_and_details() -> None:
    @attrs.frozen
    class SetSKUPrice:
        count: int

    @attrs.frozen
    class ChangeSkuPrice:
        product_id: uuid.UUID
        sku_id: uuid.UUID

    product, sku = uuid.uuid4(), uuid.uuid4()
    assert action_name(SetSKUPrice(1)) == "set_sku_price"
    assert action_name(ChangeSkuPrice(product, sku)) == "change_sku_price"
    assert audit_target(ChangeSkuPrice(product, sku)) == str(product)
    assert audit_target(SetSKUPrice(1)) == ""
    assert audit_target(object()) == ""
    assert audit_detail(object()) == {}
