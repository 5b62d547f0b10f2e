"""The bus's middlewares: how a chain is built, and each kernel middleware on its own — the
opt-outs of audit and idempotency, permissions, one-time codes, attempt limits, batching."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

import attrs
import pytest
from sqlalchemy import literal_column, select

from shop_adapters.shared.sms import MemorySmsSender
from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.catalog.tables import brands
from shop_adapters.sql.kernel_tables import audit_log
from shop_app.shared.audit import AuditEntry
from shop_app.shared.auth import Principal
from shop_app.shared.batching import Batching
from shop_app.shared.errors import IdempotencyNotSupported, PermissionRequired
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.middleware import Call, Middleware, PermissionCheck, Proceed, ProceedInside
from shop_app.shared.otp import (
    CodeGate,
    OneTimeCodeCheck,
    OneTimeCodeInvalid,
    OneTimeCodes,
    OneTimeCodeStore,
)
from shop_app.shared.ratelimit import (
    AttemptLimiting,
    AttemptPolicy,
    AttemptRule,
    Guard,
    TooManyAttempts,
)
from shop_app.shared.unit_of_work import UnitOfWork
from shop_domain.catalog.categories import Brand
from shop_domain.shared import ConcurrencyConflict, InvalidValue, NotFound
from shop_domain.shared.errors import DomainError
from shop_testing.harness import MemoryShop

OPERATOR = Principal("op-1", "operator", frozenset({"notes.write"}))
CUSTOMER = Principal("cust-1", "customer")


def _note(uow: Any, text: str) -> None:
    """A "note": a catalog brand named ``text #<id>`` (a real aggregate, written through the
    application's unit of work; the id keeps brand names unique)."""
    note_id = uow.ids.new_id()
    uow.brands.add(
        Brand.create(
            id=note_id,
            name=f"{text} #{note_id}",
            logo_url=None,
            category_ids=(),
            now=uow.clock.now(),
        )
    )


@attrs.frozen
class Write:
    text: str


@attrs.frozen
class Guess:
    """A guess at ``secret`` for ``door`` by ``user``: wrong is ``NotFound``."""

    user: str
    door: str
    answer: str


@attrs.frozen
class Ping:
    """Changes nothing the shop keeps; takes no key and is audited only when refused."""

    idempotent: ClassVar[bool] = False
    audit_when_done: ClassVar[bool] = False
    text: str


class WrongGuess(NotFound):
    code = "test.wrong_guess"


class LockedOut(TooManyAttempts):
    code = "test.locked_out"


async def audit_entries(shop: MemoryShop) -> list[AuditEntry]:
    """The audit log in the order it was written (SQLite's rowid)."""
    async with shop.engine.connect() as conn:
        rows = await conn.execute(select(audit_log).order_by(literal_column("rowid")))
        return [AuditEntry(**row._mapping) for row in rows]


async def notes(shop: MemoryShop) -> list[str]:
    async with shop.engine.connect() as conn:
        names = (await conn.scalars(select(brands.c.name))).all()
    return sorted(name.rsplit(" #", 1)[0] for name in names)


async def write(command: Write, uow: Any) -> str:
    _note(uow, command.text)
    return command.text


async def guess(command: Guess, uow: Any) -> str:
    _note(uow, f"guess {command.answer}")
    if command.answer != "open sesame":
        raise WrongGuess("no")
    return command.door


async def ping(command: Ping, uow: Any) -> str:
    return command.text


def make_bus(shop: MemoryShop, *middlewares: Middleware) -> MessageBus:
    return MessageBus(
        shop.uow,
        {Write: write, Guess: guess, Ping: ping},
        middlewares=middlewares,
    )


# --- the chain ----------------------------------------------------------------------------------


@attrs.define
class Tracer(Middleware):
    """Records where it runs; wraps ``Write`` only."""

    name: str
    trace: list[str]

    def applies_to(self, command_type: type) -> bool:
        return command_type is Write

    async def outside(self, call: Call, proceed: Proceed) -> Any:
        self.trace.append(f"{self.name} out")
        return await proceed(call)

    async def inside(self, call: Call, uow: UnitOfWork, proceed: ProceedInside) -> Any:
        self.trace.append(f"{self.name} in, open={not uow.committed_events}")
        result = await proceed(call, uow)
        self.trace.append(f"{self.name} in, done")
        return f"{result}+{self.name}"


async def test_middlewares_wrap_in_order_outside_then_inside_the_transaction(
    shop: MemoryShop, clock: FixedClock
) -> None:
    trace: list[str] = []
    bus = make_bus(shop, Tracer("a", trace), Tracer("b", trace))
    assert await bus.handle(Write("x")) == "x+b+a"
    assert trace == [
        "a out",
        "b out",
        "a in, open=True",
        "b in, open=True",
        "b in, done",
        "a in, done",
    ]
    assert await notes(shop) == ["x"]
    # a middleware wraps only the command types it applies to
    trace.clear()
    assert await bus.handle(Ping("p")) == "p"
    assert trace == []
    names = [type(m).__name__ for m in bus.middlewares]
    assert names == ["Auditing", "Tracer", "Tracer", "Idempotency"]


async def test_what_an_inside_hook_writes_commits_with_the_command_or_not_at_all(
    shop: MemoryShop, clock: FixedClock
) -> None:
    class Stamp(Middleware):
        async def inside(self, call: Call, uow: UnitOfWork, proceed: ProceedInside) -> Any:
            result = await proceed(call, uow)
            _note(uow, f"stamp {call.message.answer}")
            return result

    bus = make_bus(shop, Stamp())
    await bus.handle(Guess("u", "d", "open sesame"))
    with pytest.raises(WrongGuess):
        await bus.handle(Guess("u", "d", "wrong"))
    assert await notes(shop) == ["guess open sesame", "stamp open sesame"]


# --- the kernel's opt-outs --------------------------------------------------------------------


@pytest.mark.rule("SEC-5")
async def test_a_command_that_takes_no_key_refuses_one_rather_than_ignore_it(
    shop: MemoryShop, clock: FixedClock
) -> None:
    bus = make_bus(shop)
    with pytest.raises(IdempotencyNotSupported) as refused:
        await bus.handle(Ping("p"), idempotency_key="k1")
    assert refused.value.code == "idempotency.not_supported"
    assert await bus.handle(Ping("p")) == "p"
    # a command that takes keys still replays
    assert await bus.handle(Write("w"), idempotency_key="k1") == "w"
    assert await bus.handle(Write("w"), idempotency_key="k1") == "w"
    assert await notes(shop) == ["w"]


@pytest.mark.rule("SEC-2")
async def test_a_command_audited_only_when_refused(shop: MemoryShop, clock: FixedClock) -> None:
    bus = make_bus(shop)
    await bus.handle(Ping("fine"), actor=OPERATOR)
    assert await audit_entries(shop) == []
    with pytest.raises(IdempotencyNotSupported):
        await bus.handle(Ping("keyed"), idempotency_key="k", actor=OPERATOR)
    [entry] = await audit_entries(shop)
    assert (entry.action, entry.outcome, entry.detail["$error"]) == (
        "ping",
        "refused",
        "idempotency.not_supported",
    )


# --- permissions --------------------------------------------------------------------------------


class Spend(Middleware):
    """Stands for a check that spends something (a one-time code): counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def outside(self, call: Call, proceed: Proceed) -> Any:
        self.calls += 1
        return await proceed(call)


@pytest.mark.rule("SEC-1")
@pytest.mark.rule("SEC-2")
async def test_a_registered_permission_is_checked_before_anything_is_spent(
    shop: MemoryShop, clock: FixedClock
) -> None:
    spend = Spend()
    bus = make_bus(shop, PermissionCheck({Write: "notes.write"}), spend)
    nosy = Principal("op-2", "operator", frozenset({"notes.read"}))
    for actor in (None, nosy, CUSTOMER):
        with pytest.raises(PermissionRequired) as refused:
            await bus.handle(Write("no"), actor=actor)
        assert refused.value.details == {"permission": "notes.write"}
    assert spend.calls == 0
    assert await notes(shop) == []
    [entry] = await audit_entries(shop)  # the operator's refusal, not the others'
    assert (entry.actor, entry.outcome) == ("op-2", "refused")
    assert await bus.handle(Write("yes"), actor=OPERATOR) == "yes"
    assert spend.calls == 1
    # unregistered commands are not checked
    assert await bus.handle(Guess("u", "d", "open sesame")) == "d"


# --- one-time codes -------------------------------------------------------------------------------


@attrs.frozen
class Publish:
    secret_fields: ClassVar[tuple[str, ...]] = ("code",)
    text: str
    code: str | None = None


async def publish(command: Publish, uow: Any) -> str:
    _note(uow, command.text)
    return command.text


@pytest.mark.rule("SEC-3")
async def test_a_one_time_code_is_spent_before_the_command_runs(
    shop: MemoryShop, clock: FixedClock
) -> None:
    sms = MemorySmsSender()
    codes = OneTimeCodes(shop.resolve(OneTimeCodeStore), sms, max_attempts=3)
    gate = CodeGate(
        purpose="test.publish",
        subject=lambda call: call.actor.subject if call.actor else "",
        code=lambda command: command.code,
    )
    bus = MessageBus(
        shop.uow,
        {Publish: publish},
        middlewares=[OneTimeCodeCheck(codes, clock, {Publish: gate})],
    )
    await codes.issue("test.publish", "op-1", "+86 138 0000 0000", clock.now())
    [text] = sms.sent
    right = re.search(r"\d{6}", text.text)
    assert right is not None
    wrong = "000000" if right.group() != "000000" else "111111"
    for code in (None, wrong):
        with pytest.raises(OneTimeCodeInvalid):
            await bus.handle(Publish("no", code=code), actor=OPERATOR)
    assert await notes(shop) == []
    entries = await audit_entries(shop)
    assert [(e.outcome, e.detail["$error"]) for e in entries] == [("refused", "otp.invalid")] * 2
    assert all("code" not in e.detail for e in entries)  # a secret field (SEC-3)
    assert await bus.handle(Publish("yes", code=right.group()), actor=OPERATOR) == "yes"
    with pytest.raises(OneTimeCodeInvalid):  # spent
        await bus.handle(Publish("again", code=right.group()), actor=OPERATOR)
    assert await notes(shop) == ["yes"]


# --- attempt limits -------------------------------------------------------------------------------

POLICY = AttemptPolicy(
    max_failures=3, window=dt.timedelta(minutes=10), lockout=dt.timedelta(minutes=5)
)
RULE = AttemptRule(
    guards=(
        Guard("test.user", lambda command: command.user),
        Guard("test.door", lambda command: command.door),
    ),
    failure=WrongGuess,
    policy=POLICY,
    locked_out=LockedOut,
)


async def test_failures_count_per_subject_and_lock_out_before_the_command_runs(
    shop: MemoryShop, clock: FixedClock
) -> None:
    limiter = shop.runtime.limiter
    bus = make_bus(shop, AttemptLimiting(limiter, clock, {Guess: RULE}))
    for _ in range(POLICY.max_failures):
        with pytest.raises(WrongGuess):
            await bus.handle(Guess("mallory", "front", "wrong"))
    assert await notes(shop) == []  # each failure rolled back, yet counted
    with pytest.raises(LockedOut) as locked:
        await bus.handle(Guess("mallory", "back", "open sesame"))  # the user is locked out
    assert locked.value.code == "test.locked_out"
    assert locked.value.details["retry_after_seconds"] == 5 * 60
    with pytest.raises(LockedOut):
        await bus.handle(Guess("alice", "front", "open sesame"))  # so is the door
    assert await bus.handle(Guess("alice", "back", "open sesame")) == "back"
    clock.advance(minutes=5)
    assert await bus.handle(Guess("mallory", "front", "open sesame")) == "front"
    # other commands pass untouched, and an error that is not a failure does not count
    assert await bus.handle(Write("x")) == "x"
    assert await limiter.blocked_until("test.user", "alice", clock.now()) is None


async def test_a_success_resets_nothing(shop: MemoryShop, clock: FixedClock) -> None:
    bus = make_bus(shop, AttemptLimiting(shop.runtime.limiter, clock, {Guess: RULE}))
    for attempt in range(POLICY.max_failures):
        assert await bus.handle(Guess("mallory", "mine", "open sesame")) == "mine"
        with pytest.raises(WrongGuess):
            await bus.handle(Guess("mallory", f"door-{attempt}", "wrong"))
    with pytest.raises(LockedOut):
        await bus.handle(Guess("mallory", "mine", "open sesame"))


# --- batching -----------------------------------------------------------------------------------


@attrs.frozen
class Add:
    """Add ``amount`` to ``counter``: negative amounts are refused one by one."""

    counter: str
    amount: int


@attrs.frozen
class AddMany:
    counter: str
    adds: tuple[Add, ...]


class Refusal(InvalidValue):
    code = "test.negative"


class Counters:
    """Handlers of ``Add`` alone and in batches, recording the batches they decided."""

    def __init__(self, *, conflicts: int = 0) -> None:
        self.batches: list[int] = []
        self.singles = 0
        self.conflicts = conflicts

    async def add(self, command: Add, uow: Any) -> int:
        self.singles += 1
        if command.amount < 0:
            raise Refusal("negative")
        return command.amount

    async def add_many(self, command: AddMany, uow: Any) -> list[int | str]:
        if self.conflicts:
            self.conflicts -= 1
            raise ConcurrencyConflict("someone else won")
        self.batches.append(len(command.adds))
        return [add.amount if add.amount >= 0 else "negative" for add in command.adds]


class AddBatches:
    @property
    def command_type(self) -> type:
        return Add

    def key(self, command: Add) -> Hashable:
        return command.counter

    def batch(self, key: Any, commands: Sequence[Add]) -> AddMany:
        return AddMany(counter=key, adds=tuple(commands))

    def split(self, result: Any) -> Sequence[Any]:
        return [Refusal("negative") if answer == "negative" else answer for answer in result]


def batching_bus(
    shop: MemoryShop, clock: FixedClock, counters: Counters, max_batch: int = 50
) -> MessageBus:
    return MessageBus(
        shop.uow,
        {Add: counters.add, AddMany: counters.add_many},
        middlewares=[Batching(AddBatches(), max_batch=max_batch)],
    )


async def test_commands_queued_for_one_key_are_decided_together(
    shop: MemoryShop, clock: FixedClock
) -> None:
    counters = Counters()
    bus = batching_bus(shop, clock, counters, max_batch=4)
    answers = await asyncio.gather(
        *(bus.handle(Add(counter="a", amount=n)) for n in (1, 2, -3, 4, 5, 6)),
        bus.handle(Add(counter="b", amount=7)),
        return_exceptions=True,
    )
    assert answers[:2] == [1, 2]
    assert isinstance(answers[2], Refusal)
    assert answers[3:] == [4, 5, 6, 7]
    assert sorted(counters.batches) == [1, 2, 4]  # a's six in batches of 4 and 2, b's one
    assert counters.singles == 0


async def test_keyed_and_audited_commands_are_decided_alone(
    shop: MemoryShop, clock: FixedClock
) -> None:
    counters = Counters()
    bus = batching_bus(shop, clock, counters)
    assert await bus.handle(Add(counter="a", amount=1), idempotency_key="k") == 1
    assert await bus.handle(Add(counter="a", amount=1), idempotency_key="k") == 1
    assert await bus.handle(Add(counter="a", amount=2), actor=OPERATOR) == 2
    assert (counters.singles, counters.batches) == (2, [])
    assert [e.action for e in await audit_entries(shop)] == ["add"]


async def test_a_conflicting_batch_is_sent_again_and_a_failed_one_fails_every_caller(
    shop: MemoryShop, clock: FixedClock
) -> None:
    counters = Counters(conflicts=2)
    bus = batching_bus(shop, clock, counters)
    assert await bus.handle(Add(counter="a", amount=3)) == 3
    assert counters.batches == [1]

    class Broken(DomainError):
        code = "test.broken"

    async def broken(command: AddMany, uow: Any) -> list[int]:
        raise Broken("the whole batch failed")

    bus = MessageBus(
        shop.uow,
        {Add: counters.add, AddMany: broken},
        middlewares=[Batching(AddBatches())],
    )
    answers = await asyncio.gather(
        *(bus.handle(Add(counter="a", amount=n)) for n in range(3)), return_exceptions=True
    )
    assert all(isinstance(answer, Broken) for answer in answers)


def test_a_batch_holds_at_least_one_command() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        Batching(AddBatches(), max_batch=0)


def test_the_chain_is_built_once_per_command_type(shop: MemoryShop, clock: FixedClock) -> None:
    class Counting(Middleware):
        asked: ClassVar[list[type]] = []

        def applies_to(self, command_type: type) -> bool:
            self.asked.append(command_type)
            return True

    bus = make_bus(shop, Counting())

    async def run() -> None:
        for text in ("a", "b", "c"):
            await bus.handle(Write(text))

    asyncio.run(run())
    assert Counting.asked == [Write]
