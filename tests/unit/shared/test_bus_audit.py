"""The message bus audits operators' actions (SEC-2) and keeps secrets out of the log (SEC-3).

The commands are test-only; what they write is a real aggregate (a catalog brand standing for
a "card", its name the card's label) through a ``memory://`` runtime's unit of work."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
import uuid
from types import TracebackType
from typing import Any, ClassVar

import attrs
import pytest
from sqlalchemy import literal_column, select

from shop_adapters.sql.catalog.tables import brands
from shop_adapters.sql.kernel_tables import audit_log
from shop_app.shared.audit import AuditEntry, action_name, audit_detail, audit_target
from shop_app.shared.auth import SYSTEM, Principal
from shop_app.shared.errors import PersistenceConflict
from shop_app.shared.messagebus import MessageBus
from shop_domain.catalog.categories import Brand
from shop_domain.shared import DomainError, InvalidValue, Money
from shop_testing.harness import MemoryShop

OPERATOR = Principal("op-1", "operator", frozenset({"test.write"}))
CUSTOMER = Principal("cust-1", "customer")
SECRET = "7391-SECRET-PIN-0042"
PRICE = Money(1999, "CNY")


def card(uow: Any, card_id: uuid.UUID, label: str) -> Brand:
    return Brand.create(id=card_id, name=label, logo_url=None, category_ids=(), now=uow.clock.now())


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
def bus(shop: MemoryShop) -> MessageBus:
    async def label(command: LabelCard, uow: Any) -> dict[str, Any]:
        uow.brands.add(card(uow, command.card_id, command.label))
        return {"card": command.card_id}

    async def activate(command: ActivateCard, uow: Any) -> None:
        uow.brands.add(card(uow, command.card_id, "active"))

    async def refuse(command: Refuse, uow: Any) -> None:
        uow.brands.add(card(uow, uuid.uuid4(), "refused"))
        raise InvalidValue(f"refused: {command.reason}", code="test.refused")

    async def crash(command: Crash, uow: Any) -> None:
        raise RuntimeError("boom")

    return MessageBus(
        shop.uow, {LabelCard: label, ActivateCard: activate, Refuse: refuse, Crash: crash}
    )


async def entries(shop: MemoryShop) -> list[AuditEntry]:
    """The audit log in the order it was written (SQLite's rowid)."""
    async with shop.engine.connect() as conn:
        rows = await conn.execute(select(audit_log).order_by(literal_column("rowid")))
        return [AuditEntry(**row._mapping) for row in rows]


async def label_of(shop: MemoryShop, card_id: uuid.UUID) -> str:
    async with shop.uow() as uow:
        stored: Brand = await uow.brands.get(card_id)
    return stored.name


@pytest.mark.rule("SEC-2")
async def test_an_operators_action_is_audited_with_its_fields(
    bus: MessageBus, shop: MemoryShop
) -> None:
    card_id = uuid.uuid4()
    await bus.handle(LabelCard("first", card_id, "gift"), actor=OPERATOR)
    [entry] = await entries(shop)
    assert entry.actor_kind == "operator"
    assert entry.actor == "op-1"
    assert entry.action == "label_card"
    assert entry.target == str(card_id)  # the first UUID field, not the first field
    assert entry.outcome == "done"
    assert entry.at == shop.clock.now()
    assert entry.detail == {
        "note": "first",
        "card_id": {"$uuid": str(card_id)},
        "label": "gift",
        "price": {"$money": [1999, "CNY"]},
        "at": {"$datetime": "2026-05-01T08:30:00+00:00"},
        "colours": ["red"],
    }
    assert await label_of(shop, card_id) == "gift"


@pytest.mark.rule("SEC-2")
async def test_the_entry_is_in_the_actions_transaction(bus: MessageBus, shop: MemoryShop) -> None:
    """When the action's commit fails, its ``done`` entry goes with it; what remains is the
    ``refused`` entry naming the error."""
    card_id = uuid.uuid4()
    await bus.handle(LabelCard("first", card_id, "gift"))  # not audited: no actor
    with pytest.raises(DomainError) as err:  # the commit clashes with the first card
        await bus.handle(LabelCard("again", card_id, "other"), actor=OPERATOR)
    assert err.value.code == PersistenceConflict.code
    [entry] = await entries(shop)
    assert entry.outcome == "refused"
    assert entry.detail["$error"] == PersistenceConflict.code
    assert entry.detail["note"] == "again"
    assert await label_of(shop, card_id) == "gift"


@pytest.mark.rule("SEC-2")
async def test_a_refused_action_is_audited_apart_and_the_error_raised(
    bus: MessageBus, shop: MemoryShop
) -> None:
    with pytest.raises(InvalidValue) as err:
        await bus.handle(Refuse("out of stock"), actor=OPERATOR)
    assert err.value.code == "test.refused"
    [entry] = await entries(shop)
    assert (entry.action, entry.outcome, entry.target) == ("refuse", "refused", "")
    assert entry.detail == {"reason": "out of stock", "$error": "test.refused"}
    assert "refused: out of stock" not in repr(entry)  # the code, never the message
    assert await shop.count(brands) == 0  # the refused action itself wrote nothing


@pytest.mark.rule("SEC-2")
@pytest.mark.parametrize("actor", [CUSTOMER, SYSTEM, None], ids=["customer", "system", "none"])
async def test_only_operators_actions_are_audited(
    bus: MessageBus, shop: MemoryShop, actor: Principal | None
) -> None:
    await bus.handle(LabelCard("x", uuid.uuid4(), "gift"), actor=actor)
    with pytest.raises(InvalidValue):
        await bus.handle(Refuse("no"), actor=actor)
    assert (await entries(shop)) == []


@pytest.mark.rule("SEC-2")
@pytest.mark.rule("SEC-5")
async def test_an_idempotent_replay_writes_no_second_entry(
    bus: MessageBus, shop: MemoryShop
) -> None:
    command = LabelCard("x", uuid.uuid4(), "gift")
    first = await bus.handle(command, idempotency_key="k1", actor=OPERATOR)
    again = await bus.handle(command, idempotency_key="k1", actor=OPERATOR)
    assert first == again
    assert [e.outcome for e in (await entries(shop))] == ["done"]


@pytest.mark.rule("SEC-2")
@pytest.mark.rule("SEC-5")
async def test_concurrent_retries_write_one_entry(bus: MessageBus, shop: MemoryShop) -> None:
    command = LabelCard("x", uuid.uuid4(), "gift")
    await asyncio.gather(
        *(bus.handle(command, idempotency_key="same", actor=OPERATOR) for _ in range(10))
    )
    assert [e.outcome for e in (await entries(shop))] == ["done"]


@pytest.mark.rule("SEC-3")
async def test_secret_fields_never_reach_the_log(bus: MessageBus, shop: MemoryShop) -> None:
    card_id = uuid.uuid4()
    await bus.handle(ActivateCard(card_id, SECRET, Pin(holder="alice", pin="9876")), actor=OPERATOR)
    with pytest.raises(DomainError):  # the same card again: refused at commit
        await bus.handle(
            ActivateCard(card_id, SECRET, Pin(holder="alice", pin="9876")), actor=OPERATOR
        )
    done, refused = await entries(shop)
    assert done.detail == {
        "card_id": {"$uuid": str(card_id)},
        "pin": {"$dict": {"holder": "alice"}},
    }
    for entry in (done, refused):
        assert SECRET not in repr(entry)
        assert "9876" not in repr(entry)
    assert "secret" not in refused.detail


async def test_an_unexpected_crash_writes_no_entry(bus: MessageBus, shop: MemoryShop) -> None:
    with pytest.raises(RuntimeError):
        await bus.handle(Crash(), actor=OPERATOR)
    assert (await entries(shop)) == []


class BrokenAuditLog:
    async def append(self, entry: AuditEntry) -> None:
        raise ConnectionError("audit storage unavailable")


class Unauditable:
    """The runtime's unit of work, but its audit log cannot be written."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.audit = BrokenAuditLog()

    async def __aenter__(self) -> Unauditable:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._inner.__aexit__(kind, exc, tb)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.mark.rule("SEC-2")
async def test_an_action_that_cannot_be_audited_does_not_happen(
    shop: MemoryShop, caplog: pytest.LogCaptureFixture
) -> None:
    async def label(command: LabelCard, uow: Any) -> None:
        uow.brands.add(card(uow, command.card_id, command.label))

    async def refuse(command: Refuse, uow: Any) -> None:
        raise InvalidValue("no", code="test.refused")

    def unauditable() -> Any:
        return Unauditable(shop.uow())

    bus = MessageBus(unauditable, {LabelCard: label, Refuse: refuse})
    with pytest.raises(ConnectionError):
        await bus.handle(LabelCard("x", uuid.uuid4(), "gift"), actor=OPERATOR)
    assert await shop.count(brands) == 0
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
