"""The gift-card handlers through the bus, on a ``memory://`` runtime: batches (GC-1, GC-3),
secrets (GC-11), activation with lock-out (GC-5), selling (GC-6), paying and giving back
(GC-7, GC-8, MON-3), exports (GC-12), and the card generator (GC-1, GC-2)."""

from __future__ import annotations

import uuid
from typing import Any

import attrs
import pytest
from sqlalchemy import Row, literal_column, select
from tests.unit.giftcards.giftcard_builders import (
    NOW,
    OTHER_USER,
    OWNER,
    USER,
    cny,
    definition,
    secret_box,
)

from shop_adapters.shared.crypto import AesGcmSecretBox
from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.giftcards.tables import (
    giftcard_activations,
    giftcard_batches,
    giftcard_exports,
    giftcard_operations,
    giftcard_usages,
    giftcards,
)
from shop_app.giftcards import commands as c
from shop_app.giftcards.generation import MAX_STALLS, CardGenerator
from shop_app.giftcards.handlers import EXPORT_CARDS, GENERATE_CARDS, giftcard_command_handlers
from shop_app.giftcards.middlewares import giftcard_attempt_rules
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.ports import CardChunk, CardStore
from shop_app.giftcards.results import (
    BatchStarted,
    Charged,
    ExportStarted,
    Restored,
    RevealedSecret,
    SoldCard,
)
from shop_app.shared.jobs import JobView
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.ratelimit import AttemptLimiting, TooManyAttempts
from shop_domain.giftcards import numbers
from shop_domain.giftcards.batch import BatchState, CardKind, CreationMode, GiftCardBatch
from shop_domain.giftcards.card import CardState, GiftCard, SalesState
from shop_domain.giftcards.errors import ActivationFailed
from shop_domain.giftcards.export import CardExport, ExportState
from shop_domain.giftcards.usage import CardUsage, RestoreReason, UsageState
from shop_domain.shared import DomainError, Money, allocate
from shop_testing.harness import MemoryShop

KEYHOLDER = "op-keyholder"
CLERK = "op-clerk"
NUMBERS = ("8888000000000001", "8888000000000002", "8888000000000003")
THIRD_USER = uuid.UUID("00000000-0000-7000-8000-0000000000a3")
FOURTH_USER = uuid.UUID("00000000-0000-7000-8000-0000000000a4")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def box() -> AesGcmSecretBox:
    return secret_box()


@pytest.fixture
def policy() -> GiftCardPolicy:
    return GiftCardPolicy(card_chunk=10, activation_attempts=3)


@pytest.fixture
def bus(shop: MemoryShop, box: AesGcmSecretBox, policy: GiftCardPolicy) -> MessageBus:
    return MessageBus(shop.uow, giftcard_command_handlers(policy, box))


# --- reading committed state ------------------------------------------------------------------


async def _batch(shop: MemoryShop, batch_id: uuid.UUID) -> GiftCardBatch:
    async with shop.uow() as uow:
        found: GiftCardBatch = await uow.giftcard_batches.get(batch_id)
    return found


async def _card(shop: MemoryShop, card_id: uuid.UUID) -> GiftCard:
    async with shop.uow() as uow:
        found: GiftCard = await uow.giftcards.get(card_id)
    return found


async def _ids(shop: MemoryShop, statement: Any) -> list[Any]:
    async with shop.engine.connect() as conn:
        return list((await conn.execute(statement)).scalars())


async def _cards(shop: MemoryShop, batch_id: uuid.UUID) -> list[GiftCard]:
    """The batch's cards, by number."""
    t = giftcards.c
    ids = await _ids(shop, select(t.id).where(t.batch_id == batch_id).order_by(t.number))
    return [await _card(shop, card_id) for card_id in ids]


async def _card_by(shop: MemoryShop, number: str) -> GiftCard:
    [card_id] = await _ids(shop, select(giftcards.c.id).where(giftcards.c.number == number))
    return await _card(shop, card_id)


async def _batch_ids(shop: MemoryShop) -> list[uuid.UUID]:
    return await _ids(shop, select(giftcard_batches.c.id))


async def _usages(shop: MemoryShop) -> list[CardUsage]:
    orders = await _ids(shop, select(giftcard_usages.c.order_id).distinct())
    async with shop.uow() as uow:
        usages = [u for order in orders for u in await uow.giftcard_usages.for_order(order)]
    return sorted(usages, key=lambda u: u.id)


async def _balances(shop: MemoryShop, card_ids: list[uuid.UUID]) -> list[Money]:
    return [(await _card(shop, i)).balance for i in card_ids]


async def _rows(shop: MemoryShop, table: Any) -> list[Row[Any]]:
    """A ledger table's rows as written (SQLite's rowid: the order of insertion)."""
    async with shop.engine.connect() as conn:
        return list((await conn.execute(select(table).order_by(literal_column("rowid")))).all())


async def _operations(shop: MemoryShop) -> list[Row[Any]]:
    return await _rows(shop, giftcard_operations)


@attrs.frozen
class Activation:
    card_id: uuid.UUID
    user_id: uuid.UUID | None
    phone: str | None
    via: str
    actor: str
    amount: Money


async def _activations(shop: MemoryShop) -> list[Activation]:
    return [
        Activation(r.card_id, r.user_id, r.phone, r.via, r.actor, Money(r.amount_minor, r.currency))
        for r in await _rows(shop, giftcard_activations)
    ]


async def _actions(shop: MemoryShop, batch_id: uuid.UUID) -> list[str]:
    return [e.action for e in await _operations(shop) if e.batch_id == batch_id]


async def _jobs(shop: MemoryShop) -> list[JobView]:
    return await shop.runtime.jobs.list(limit=1000)


async def _job(shop: MemoryShop, job_id: uuid.UUID) -> JobView:
    job = await shop.runtime.jobs.get(job_id)
    assert job is not None
    return job


async def _export(shop: MemoryShop, export_id: uuid.UUID) -> CardExport:
    async with shop.uow() as uow:
        found: CardExport = await uow.giftcard_exports.get(export_id)
    return found


async def _refusal(bus: MessageBus, command: object) -> str:
    with pytest.raises(DomainError) as refused:
        await bus.handle(command)
    return refused.value.code


# --- set-up -----------------------------------------------------------------------------------


async def _given_batch(
    bus: MessageBus, numbers_: tuple[str, ...] = NUMBERS, *, open_it: bool = True, **fields: Any
) -> uuid.UUID:
    started = await bus.handle(
        c.CreateBatch(definition=definition(**fields), actor=CLERK, numbers=numbers_)
    )
    assert isinstance(started, BatchStarted)
    if open_it:
        await bus.handle(
            c.OpenBatch(batch_id=started.batch_id, actor=OWNER, has_open_permission=False)
        )
    return started.batch_id


async def _bound_cards(
    bus: MessageBus, shop: MemoryShop, *, user: uuid.UUID = USER, **fields: Any
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """An open batch of the three :data:`NUMBERS` (100.00 each), every card bound to ``user``."""
    batch_id = await _given_batch(bus, **fields)
    card_ids = [card.id for card in (await _cards(shop, batch_id))]
    for card_id in card_ids:
        await bus.handle(c.BindCard(card_id=card_id, actor=OWNER, user_id=user))
    return batch_id, card_ids


def _spend(
    order: uuid.UUID, amount: str, cards: list[uuid.UUID], **fields: Any
) -> c.SpendGiftCards:
    return c.SpendGiftCards(
        order_id=order,
        user_id=fields.pop("user", USER),
        amount=cny(amount),
        card_ids=tuple(cards),
        actor=f"user:{USER}",
        **fields,
    )


def _restore(order: uuid.UUID, key: str, amount: str | None = None) -> c.RestoreGiftCards:
    return c.RestoreGiftCards(
        order_id=order,
        key=key,
        reason=RestoreReason.REFUNDED,
        actor="system",
        amount=None if amount is None else cny(amount),
    )


# --- creating batches (GC-1) ------------------------------------------------------------------


@pytest.mark.rule("GC-1")
@pytest.mark.rule("GC-2")
@pytest.mark.rule("GC-11")
async def test_given_numbers_are_written_at_once_with_sealed_secrets(
    bus: MessageBus, shop: MemoryShop, box: AesGcmSecretBox
) -> None:
    started = await bus.handle(
        c.CreateBatch(
            definition=definition(),
            actor=CLERK,
            numbers=("8888 0000 0000 0001", "8888-0000-0000-0002", "8888000000000003"),
        )
    )
    assert started.job_id is None
    assert started.requested == 3
    batch = await _batch(shop, started.batch_id)
    assert (batch.mode, batch.state, batch.requested, batch.generated) == (
        CreationMode.GIVEN,
        BatchState.CREATED,
        3,
        3,
    )
    cards = await _cards(shop, batch.id)
    assert tuple(card.number for card in cards) == NUMBERS  # normalised
    secrets = [box.open(card.number, card.secret) for card in cards]
    assert len(set(secrets)) == 3
    for card, secret in zip(cards, secrets, strict=True):
        assert len(secret) == numbers.SECRET_LENGTH
        assert set(secret) <= set(numbers.SECRET_ALPHABET)
        assert secret.encode() not in card.secret.blob  # sealed at rest
        assert (card.state, card.sales_state, card.balance) == (
            CardState.PENDING,
            SalesState.UNSOLD,
            cny("100.00"),
        )
    assert (await _actions(shop, batch.id)) == ["create", "cards_generated"]
    assert await _jobs(shop) == []


@pytest.mark.rule("GC-1")
async def test_a_generated_batch_queues_a_job(bus: MessageBus, shop: MemoryShop) -> None:
    started = await bus.handle(c.CreateBatch(definition=definition(), actor=CLERK, count=1_000_000))
    assert started.job_id is not None
    job = await _job(shop, started.job_id)
    assert (job.kind, dict(job.params), job.total, job.created_by) == (
        GENERATE_CARDS,
        {"batch_id": str(started.batch_id)},
        1_000_000,
        CLERK,
    )
    batch = await _batch(shop, started.batch_id)
    assert (batch.mode, batch.requested, batch.generated) == (CreationMode.GENERATED, 1_000_000, 0)
    assert (await _cards(shop, batch.id)) == []
    assert (await _actions(shop, batch.id)) == ["create"]


@pytest.mark.rule("GC-1")
@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({}, "giftcard.invalid_batch"),
        ({"count": 2, "numbers": ("8888000000000009",)}, "giftcard.invalid_batch"),
        ({"count": 0}, "giftcard.invalid_batch"),
        ({"numbers": ()}, "giftcard.invalid_batch"),
        ({"numbers": ("12345",)}, "giftcard.number_invalid"),
        ({"numbers": ("1234x678",)}, "giftcard.number_invalid"),
        ({"numbers": ("123456", "1234 56")}, "giftcard.number_repeated"),
    ],
    ids=["neither", "both", "no cards", "no numbers", "short", "letters", "repeated"],
)
async def test_a_bad_request_creates_nothing(
    bus: MessageBus, shop: MemoryShop, fields: dict[str, Any], code: str
) -> None:
    command = c.CreateBatch(definition=definition(), actor=CLERK, **fields)
    assert await _refusal(bus, command) == code
    assert await shop.count(giftcard_batches) == 0


@pytest.mark.rule("GC-2")
async def test_a_number_is_unique_across_batches(bus: MessageBus, shop: MemoryShop) -> None:
    first = await _given_batch(bus, open_it=False)
    again = c.CreateBatch(
        definition=definition(name="Second"), actor=CLERK, numbers=("7777000000000001", NUMBERS[1])
    )
    with pytest.raises(DomainError) as taken:
        await bus.handle(again)
    assert taken.value.code == "giftcard.number_taken"
    assert taken.value.details == {"numbers": [NUMBERS[1]], "count": 1}
    assert await _batch_ids(shop) == [first]
    added = c.AddCards(batch_id=first, actor=CLERK, numbers=(NUMBERS[0],))
    assert await _refusal(bus, added) == "giftcard.number_taken"
    assert (await _batch(shop, first)).requested == 3


@pytest.mark.rule("GC-13")
async def test_cards_are_added_to_a_batch(bus: MessageBus, shop: MemoryShop) -> None:
    batch_id = await _given_batch(bus)
    given = await bus.handle(
        c.AddCards(batch_id=batch_id, actor=CLERK, numbers=("8888000000000004",))
    )
    assert given == BatchStarted(batch_id, 4, None)
    generated = await bus.handle(c.AddCards(batch_id=batch_id, actor=CLERK, count=5))
    assert generated.requested == 9
    assert (await _job(shop, generated.job_id)).total == 9
    batch = await _batch(shop, batch_id)
    assert (batch.requested, batch.generated) == (9, 4)
    assert len(await _cards(shop, batch_id)) == 4
    assert (await _actions(shop, batch_id)) == [
        "create",
        "cards_generated",
        "open",
        "add_cards",
        "cards_generated",
        "add_cards",
    ]


# --- batch life (GC-3, GC-13) -----------------------------------------------------------------


@pytest.mark.rule("GC-3")
async def test_open_pause_resume_and_discard_through_the_bus(
    bus: MessageBus, shop: MemoryShop
) -> None:
    batch_id = await _given_batch(bus, open_it=False)
    refused = c.OpenBatch(batch_id=batch_id, actor=CLERK, has_open_permission=False)
    assert await _refusal(bus, refused) == "giftcard.key_required"
    await bus.handle(c.OpenBatch(batch_id=batch_id, actor=KEYHOLDER, has_open_permission=True))
    await bus.handle(c.PauseBatch(batch_id=batch_id, actor=CLERK))
    assert (await _batch(shop, batch_id)).state is BatchState.PAUSED
    await bus.handle(c.OpenBatch(batch_id=batch_id, actor=OWNER, has_open_permission=False))
    discard = c.DiscardBatch(batch_id=batch_id, actor=CLERK, has_open_permission=False)
    assert await _refusal(bus, discard) == "giftcard.key_required"
    await bus.handle(c.DiscardBatch(batch_id=batch_id, actor=OWNER, has_open_permission=False))
    assert (await _batch(shop, batch_id)).state is BatchState.DISCARDED
    again = c.OpenBatch(batch_id=batch_id, actor=OWNER, has_open_permission=False)
    assert await _refusal(bus, again) == "giftcard.batch_state"
    assert (await _actions(shop, batch_id))[2:] == ["open", "pause", "resume", "discard"]
    missing = c.PauseBatch(batch_id=uuid.uuid4(), actor=OWNER)
    assert await _refusal(bus, missing) == "giftcard.batch_not_found"


@pytest.mark.rule("GC-13")
async def test_an_edit_is_saved_with_its_history(bus: MessageBus, shop: MemoryShop) -> None:
    batch_id = await _given_batch(bus)
    await bus.handle(c.EditBatch(batch_id=batch_id, actor=CLERK, name="Renamed", remark="r"))
    await bus.handle(c.EditBatch(batch_id=batch_id, actor=CLERK, name="Renamed"))  # no change
    batch = await _batch(shop, batch_id)
    assert (batch.name, batch.remark) == ("Renamed", "r")
    edits = [e for e in await _operations(shop) if e.action == "edit"]
    assert [e.detail for e in edits] == [
        {"changes": {"name": ["Spring gift cards", "Renamed"], "remark": ["", "r"]}}
    ]


# --- secrets (GC-11) --------------------------------------------------------------------------


@pytest.mark.rule("GC-11")
async def test_revealing_a_secret_is_recorded(
    bus: MessageBus, shop: MemoryShop, box: AesGcmSecretBox
) -> None:
    batch_id = await _given_batch(bus)
    card = (await _cards(shop, batch_id))[0]
    revealed = await bus.handle(c.RevealSecret(card_id=card.id, actor="op-support"))
    assert isinstance(revealed, RevealedSecret)
    assert (revealed.card_id, revealed.number) == (card.id, card.number)
    assert revealed.secret == box.open(card.number, card.secret)
    assert revealed.secret not in repr(revealed)
    [viewed] = [e for e in await _operations(shop) if e.action == "secret_viewed"]
    assert (viewed.card_id, viewed.actor) == (card.id, "op-support")
    assert revealed.secret not in repr(viewed)


# --- activation (GC-5, GC-9) ------------------------------------------------------------------


async def _secret(bus: MessageBus, card_id: uuid.UUID) -> str:
    revealed: RevealedSecret = await bus.handle(c.RevealSecret(card_id=card_id, actor=OWNER))
    return revealed.secret


@pytest.mark.rule("GC-5")
@pytest.mark.rule("GC-9")
async def test_self_activation_with_the_right_pair(bus: MessageBus, shop: MemoryShop) -> None:
    batch_id = await _given_batch(bus)
    card = (await _cards(shop, batch_id))[0]
    secret = await _secret(bus, card.id)
    typed = numbers.display_secret(secret).lower()  # dashes and small letters are fine
    activated = await bus.handle(
        c.ActivateCard(user_id=USER, number=numbers.display_number(card.number), secret=typed)
    )
    assert activated == card.id
    stored = await _card(shop, card.id)
    assert (stored.state, stored.user_id, stored.activated_by) == (
        CardState.ACTIVATED,
        USER,
        "self",
    )
    [record] = await _activations(shop)
    assert (record.card_id, record.user_id, record.via, record.amount) == (
        card.id,
        USER,
        "self",
        cny("100.00"),
    )


@pytest.mark.rule("GC-5")
async def test_a_wrong_number_and_a_wrong_secret_answer_the_same(
    bus: MessageBus, shop: MemoryShop
) -> None:
    batch_id = await _given_batch(bus)
    card = (await _cards(shop, batch_id))[0]
    secret = await _secret(bus, card.id)
    wrong_secret = "A" * 16 if secret != "A" * 16 else "B" * 16
    answers: list[DomainError] = []
    for number, typed in [
        ("9999000000000001", secret),  # no such card
        (card.number, wrong_secret),
        (NUMBERS[1], secret),  # another card's secret
        (card.number, ""),
        ("", secret),
        (card.number, "A" * 41),
    ]:
        with pytest.raises(ActivationFailed) as failed:
            await bus.handle(c.ActivateCard(user_id=USER, number=number, secret=typed))
        answers.append(failed.value)
    assert {(a.code, a.message, a.kind) for a in answers} == {
        (ActivationFailed.code, ActivationFailed().message, "not_found")
    }
    assert (await _card(shop, card.id)).state is CardState.PENDING


@pytest.mark.rule("GC-5")
async def test_only_the_right_secret_learns_that_a_card_is_already_activated(
    bus: MessageBus, shop: MemoryShop
) -> None:
    batch_id = await _given_batch(bus)
    card = (await _cards(shop, batch_id))[0]
    secret = await _secret(bus, card.id)
    await bus.handle(c.ActivateCard(user_id=USER, number=card.number, secret=secret))
    right = c.ActivateCard(user_id=OTHER_USER, number=card.number, secret=secret)
    assert await _refusal(bus, right) == "giftcard.already_activated"
    wrong = c.ActivateCard(user_id=OTHER_USER, number=card.number, secret="B" * 16)
    assert await _refusal(bus, wrong) == "giftcard.activation_failed"
    assert (await _card(shop, card.id)).user_id == USER


@pytest.mark.rule("GC-3")
@pytest.mark.rule("GC-5")
async def test_a_card_of_a_paused_batch_is_not_activated(bus: MessageBus, shop: MemoryShop) -> None:
    batch_id = await _given_batch(bus)
    card = (await _cards(shop, batch_id))[0]
    secret = await _secret(bus, card.id)
    await bus.handle(c.PauseBatch(batch_id=batch_id, actor=CLERK))
    activate = c.ActivateCard(user_id=USER, number=card.number, secret=secret)
    assert await _refusal(bus, activate) == "giftcard.batch_not_open"
    bind = c.BindCard(card_id=card.id, actor=OWNER, phone="13800000000")
    assert await _refusal(bus, bind) == "giftcard.batch_not_open"
    assert (await _card(shop, card.id)).state is CardState.PENDING


@pytest.mark.rule("GC-5")
async def test_an_operator_binds_a_card_to_a_phone(bus: MessageBus, shop: MemoryShop) -> None:
    batch_id = await _given_batch(bus)
    card = (await _cards(shop, batch_id))[0]
    await bus.handle(c.BindCard(card_id=card.id, actor=OWNER, phone="13800000000"))
    stored = await _card(shop, card.id)
    assert (stored.state, stored.phone, stored.activated_by) == (
        CardState.ACTIVATED,
        "+8613800000000",
        OWNER,
    )
    [record] = await _activations(shop)
    assert (record.phone, record.via, record.actor) == ("+8613800000000", "manual", OWNER)


@pytest.fixture
def limited(
    shop: MemoryShop, clock: FixedClock, box: AesGcmSecretBox, policy: GiftCardPolicy
) -> MessageBus:
    """A bus whose activations are attempt-limited (GC-5), as the composition root builds it."""
    return MessageBus(
        shop.uow,
        giftcard_command_handlers(policy, box),
        middlewares=[AttemptLimiting(shop.runtime.limiter, clock, giftcard_attempt_rules(policy))],
    )


@pytest.mark.rule("GC-5")
async def test_a_user_guessing_is_locked_out_even_with_the_right_secret(
    bus: MessageBus,
    shop: MemoryShop,
    clock: FixedClock,
    limited: MessageBus,
    policy: GiftCardPolicy,
) -> None:
    batch_id = await _given_batch(bus)
    card = (await _cards(shop, batch_id))[0]
    secret = await _secret(bus, card.id)
    for guess in range(policy.activation_attempts):
        with pytest.raises(ActivationFailed):
            await limited.handle(
                c.ActivateCard(user_id=USER, number=f"99990000000000{guess:02d}", secret=secret)
            )
    right = c.ActivateCard(user_id=USER, number=card.number, secret=secret)
    with pytest.raises(TooManyAttempts) as locked:
        await limited.handle(right)
    assert locked.value.code == "giftcard.too_many_attempts"
    assert locked.value.details["retry_after_seconds"] == 30 * 60
    assert (await _card(shop, card.id)).state is CardState.PENDING
    # only this user is locked out: the card itself was never guessed
    other = (await _cards(shop, batch_id))[1]
    other_secret = await _secret(bus, other.id)
    other_user = c.ActivateCard(user_id=OTHER_USER, number=other.number, secret=other_secret)
    assert await limited.handle(other_user) == other.id
    # after the lock-out the right pair works again
    clock.advance(minutes=31)
    assert await limited.handle(right) == card.id


@pytest.mark.rule("GC-5")
async def test_a_card_guessed_by_several_users_is_locked(
    bus: MessageBus, shop: MemoryShop, limited: MessageBus, policy: GiftCardPolicy
) -> None:
    batch_id = await _given_batch(bus)
    card, spare = (await _cards(shop, batch_id))[:2]
    secret = await _secret(bus, card.id)
    guessers = [uuid.uuid4() for _ in range(policy.activation_attempts)]
    for guesser in guessers:  # one wrong try each: no user reaches the limit
        with pytest.raises(ActivationFailed):
            await limited.handle(
                c.ActivateCard(user_id=guesser, number=card.number, secret="B" * 16)
            )
    with pytest.raises(TooManyAttempts) as locked:
        await limited.handle(c.ActivateCard(user_id=USER, number=card.number, secret=secret))
    assert locked.value.code == "giftcard.too_many_attempts"
    assert (await _card(shop, card.id)).state is CardState.PENDING
    # the guessers themselves are not locked out
    spare_secret = await _secret(bus, spare.id)
    spare_pair = c.ActivateCard(user_id=guessers[0], number=spare.number, secret=spare_secret)
    assert await limited.handle(spare_pair) == spare.id


# --- selling (GC-6) ---------------------------------------------------------------------------


def _sell(
    batch_id: uuid.UUID, quantity: int = 2, ref: str = "order-1", **fields: Any
) -> c.SellCards:
    return c.SellCards(
        batch_id=batch_id,
        buyer_id=fields.pop("buyer", USER),
        quantity=quantity,
        sale_ref=ref,
        actor="system",
    )


@pytest.mark.rule("GC-6")
async def test_sold_cards_are_bound_by_their_buyer(bus: MessageBus, shop: MemoryShop) -> None:
    batch_id = await _given_batch(bus)
    sold = await bus.handle(_sell(batch_id))
    lowest = [SoldCard((await _card_by(shop, n)).id, n) for n in NUMBERS[:2]]
    assert sold == lowest  # the lowest numbers
    assert await bus.handle(_sell(batch_id)) == sold  # the same sale again
    assert await _refusal(bus, _sell(batch_id, buyer=OTHER_USER)) == "giftcard.sale_ref_used"
    assert await _refusal(bus, _sell(batch_id, quantity=1)) == "giftcard.sale_ref_used"
    stolen = c.BindPurchasedCard(card_id=sold[0].card_id, user_id=OTHER_USER)
    assert await _refusal(bus, stolen) == "giftcard.card_not_found"
    await bus.handle(c.BindPurchasedCard(card_id=sold[0].card_id, user_id=USER))
    bound = await _card(shop, sold[0].card_id)
    assert (bound.state, bound.user_id, bound.sales_state) == (
        CardState.ACTIVATED,
        USER,
        SalesState.SOLD,
    )
    assert (await _actions(shop, batch_id)) == [
        "create",
        "cards_generated",
        "open",
        "sell",
        "sell",
        "activate",
    ]
    [record] = await _activations(shop)
    assert (record.via, record.actor) == ("purchase", f"user:{USER}")


@pytest.mark.rule("GC-6")
async def test_selling_needs_an_open_virtual_batch_with_cards_left(
    bus: MessageBus, shop: MemoryShop
) -> None:
    physical = await _given_batch(
        bus, ("7000000000000001",), kind=CardKind.PHYSICAL, card_maker="Printer Ltd"
    )
    assert await _refusal(bus, _sell(physical, 1)) == "giftcard.not_for_sale"
    closed = await _given_batch(bus, ("7000000000000002",), open_it=False)
    assert await _refusal(bus, _sell(closed, 1)) == "giftcard.batch_not_open"
    batch_id = await _given_batch(bus)
    assert await _refusal(bus, _sell(batch_id, 4)) == "giftcard.sold_out"
    assert all(card.sales_state is SalesState.UNSOLD for card in (await _cards(shop, batch_id)))
    await bus.handle(_sell(batch_id, 3, "order-2"))
    assert await _refusal(bus, _sell(batch_id, 1, "order-3")) == "giftcard.sold_out"
    assert await _refusal(bus, _sell(batch_id, 0, "order-4")) == "validation.invalid_value"
    assert await _refusal(bus, _sell(batch_id, 1, "")) == "validation.invalid_value"


# --- paying (GC-7) ----------------------------------------------------------------------------


@pytest.mark.rule("GC-7")
@pytest.mark.rule("GC-8")
async def test_several_cards_pay_one_order_in_the_order_given(
    bus: MessageBus, shop: MemoryShop
) -> None:
    _, (a, b, c_) = await _bound_cards(bus, shop)
    order = uuid.uuid4()
    charged = await bus.handle(_spend(order, "150.00", [b, a, c_], sub_order_id="S-1"))
    assert isinstance(charged, Charged)
    assert (charged.order_id, charged.amount) == (order, cny("150.00"))
    assert [(x.card_id, x.amount, x.balance) for x in charged.charges] == [
        (b, cny("100.00"), cny("0")),
        (a, cny("50.00"), cny("50.00")),
    ]
    assert (await _balances(shop, [a, b, c_])) == [cny("50.00"), cny("0"), cny("100.00")]
    usages = {u.id: u for u in (await _usages(shop))}
    assert set(usages) == {x.usage_id for x in charged.charges}
    for charge in charged.charges:
        recorded = usages[charge.usage_id]
        assert (recorded.card_id, recorded.order_id, recorded.sub_order_id, recorded.amount) == (
            charge.card_id,
            order,
            "S-1",
            charge.amount,
        )
        assert recorded.state is UsageState.VALID


@pytest.mark.rule("GC-7")
@pytest.mark.parametrize(
    "spoil",
    ["discard", "pause", "other user", "missing", "too little"],
)
async def test_a_spend_is_all_or_nothing(bus: MessageBus, shop: MemoryShop, spoil: str) -> None:
    batch_id, (a, b, c_) = await _bound_cards(bus, shop)
    cards, code = [a, b], ""
    if spoil == "discard":
        await bus.handle(c.DiscardCard(card_id=b, actor=OWNER))
        code = "giftcard.card_discarded"
    elif spoil == "pause":
        await bus.handle(c.PauseBatch(batch_id=batch_id, actor=CLERK))
        code = "giftcard.batch_not_open"
    elif spoil == "other user":
        _, (theirs, *_) = await _bound_cards_of_other(bus, shop)
        cards, code = [a, theirs], "giftcard.not_owner"
    elif spoil == "missing":
        cards, code = [a, uuid.uuid4()], "giftcard.card_not_found"
    else:
        cards, code = [a, b, c_], "giftcard.insufficient_balance"
    amount = "300.01" if spoil == "too little" else "150.00"
    assert await _refusal(bus, _spend(uuid.uuid4(), amount, cards)) == code
    # the first card kept its balance
    assert (await _balances(shop, [a, b, c_])) == [cny("100.00")] * 3
    assert (await _usages(shop)) == []


async def _bound_cards_of_other(
    bus: MessageBus, shop: MemoryShop
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    batch_id = await _given_batch(bus, ("6000000000000001",), name="Other")
    card_ids = [card.id for card in (await _cards(shop, batch_id))]
    await bus.handle(c.BindCard(card_id=card_ids[0], actor=OWNER, user_id=OTHER_USER))
    return batch_id, card_ids


@pytest.mark.rule("GC-7")
async def test_paying_the_same_order_again_answers_the_first_charges(
    bus: MessageBus, shop: MemoryShop
) -> None:
    _, (a, b, c_) = await _bound_cards(bus, shop)
    order = uuid.uuid4()
    first = await bus.handle(_spend(order, "150.00", [a, b]))
    again = await bus.handle(_spend(order, "150.00", [a, b]))
    assert again == first
    assert (await _balances(shop, [a, b])) == [cny("0"), cny("50.00")]
    assert len(await _usages(shop)) == 2
    for different in (
        _spend(order, "150.01", [a, b]),
        _spend(order, "150.00", [a, c_]),
        _spend(order, "150.00", [a, b], user=OTHER_USER),
        _spend(order, "10.00", [c_]),
    ):
        assert await _refusal(bus, different) == "giftcard.order_already_charged"
    assert (await _balances(shop, [a, b, c_])) == [cny("0"), cny("50.00"), cny("100.00")]
    assert len(await _usages(shop)) == 2


@pytest.mark.rule("GC-7")
async def test_an_order_is_paid_with_a_bounded_number_of_cards(
    bus: MessageBus, shop: MemoryShop, policy: GiftCardPolicy
) -> None:
    _, (a, *_) = await _bound_cards(bus, shop)
    assert await _refusal(bus, _spend(uuid.uuid4(), "1.00", [])) == "validation.invalid_value"
    many = [a, *(uuid.uuid4() for _ in range(policy.max_cards_per_order))]
    assert await _refusal(bus, _spend(uuid.uuid4(), "1.00", many)) == "validation.invalid_value"
    assert await _refusal(bus, _spend(uuid.uuid4(), "1.00", [a, a])) == "validation.invalid_value"


# --- giving back (GC-8, MON-3) ----------------------------------------------------------------


@pytest.mark.rule("GC-8")
async def test_a_cancelled_order_gives_everything_back(bus: MessageBus, shop: MemoryShop) -> None:
    _, (a, b, _c) = await _bound_cards(bus, shop)
    order = uuid.uuid4()
    await bus.handle(_spend(order, "150.00", [a, b]))
    restored = await bus.handle(_restore(order, "cancel-1"))
    assert isinstance(restored, Restored)
    assert (restored.amount, restored.repeated) == (cny("150.00"), False)
    assert sorted(
        (g.card_id, g.amount, g.balance, g.usage_state) for g in restored.given
    ) == sorted(
        [
            (a, cny("100.00"), cny("100.00"), "invalid"),
            (b, cny("50.00"), cny("100.00"), "invalid"),
        ]
    )
    assert (await _balances(shop, [a, b])) == [cny("100.00")] * 2
    assert {u.state for u in (await _usages(shop))} == {UsageState.INVALID}
    nothing_left = await bus.handle(_restore(order, "cancel-2"))
    assert (nothing_left.amount, nothing_left.given, nothing_left.repeated) == (None, (), False)


@pytest.mark.rule("GC-8")
@pytest.mark.rule("MON-3")
async def test_a_partial_refund_is_given_back_in_proportion(
    bus: MessageBus, shop: MemoryShop
) -> None:
    _, (a, b, _c) = await _bound_cards(bus, shop)
    order = uuid.uuid4()
    await bus.handle(_spend(order, "150.00", [a, b]))  # a took 100, b took 50
    first = await bus.handle(_restore(order, "refund-1", "30.01"))
    by_card = {g.card_id: g for g in first.given}
    usages = sorted((await _usages(shop)), key=lambda u: u.card_id)
    expected = allocate(cny("30.01"), [u.amount for u in usages])
    assert [by_card[u.card_id].amount for u in usages] == expected
    assert by_card[a].amount == cny("20.01")
    assert by_card[b].amount == cny("10.00")
    assert first.amount == cny("30.01")
    assert {g.usage_state for g in first.given} == {"partially_refunded"}
    assert (await _balances(shop, [a, b])) == [cny("20.01"), cny("60.00")]

    repeated = await bus.handle(_restore(order, "refund-1", "30.01"))  # applied once
    assert (repeated.repeated, repeated.given, repeated.amount) == (True, (), None)
    repeated_whole = await bus.handle(_restore(order, "refund-1"))
    assert repeated_whole.repeated
    assert (await _balances(shop, [a, b])) == [cny("20.01"), cny("60.00")]

    too_much = _restore(order, "refund-2", "119.99")  # 119.99 is left
    assert await _refusal(bus, _restore(order, "refund-2", "120.00")) == (
        "giftcard.restore_exceeds_spent"
    )
    assert (await _balances(shop, [a, b])) == [cny("20.01"), cny("60.00")]
    rest = await bus.handle(too_much)
    assert rest.amount == cny("119.99")
    assert (await _balances(shop, [a, b])) == [cny("100.00")] * 2
    assert {u.state for u in (await _usages(shop))} == {UsageState.INVALID}
    assert {tuple(u.restore_keys) for u in (await _usages(shop))} == {("refund-1", "refund-2")}
    assert await _refusal(bus, _restore(order, "refund-3", "0.01")) == (
        "giftcard.restore_exceeds_spent"
    )


@pytest.mark.rule("GC-8")
async def test_a_restore_needs_a_charged_order_and_a_key(bus: MessageBus, shop: MemoryShop) -> None:
    _, (a, *_) = await _bound_cards(bus, shop)
    assert await _refusal(bus, _restore(uuid.uuid4(), "k")) == "giftcard.order_not_charged"
    order = uuid.uuid4()
    await bus.handle(_spend(order, "10.00", [a]))
    assert await _refusal(bus, _restore(order, "")) == "validation.invalid_value"
    assert await _refusal(bus, _restore(order, "k" * 101)) == "validation.invalid_value"
    assert await _refusal(bus, _restore(order, "k", "0")) == "validation.invalid_value"


@pytest.mark.rule("GC-8")
async def test_money_goes_back_to_a_card_discarded_after_paying(
    bus: MessageBus, shop: MemoryShop
) -> None:
    batch_id, (a, *_) = await _bound_cards(bus, shop)
    order = uuid.uuid4()
    await bus.handle(_spend(order, "40.00", [a]))
    await bus.handle(c.DiscardCard(card_id=a, actor=OWNER, reason="stolen"))
    await bus.handle(c.PauseBatch(batch_id=batch_id, actor=CLERK))
    restored = await bus.handle(_restore(order, "refund-1"))
    assert restored.amount == cny("40.00")
    assert (await _card(shop, a)).balance == cny("100.00")


# --- exports (GC-12) --------------------------------------------------------------------------


@pytest.mark.rule("GC-12")
async def test_an_export_is_queued_with_a_sealed_password(
    bus: MessageBus, shop: MemoryShop, box: AesGcmSecretBox
) -> None:
    batch_id = await _given_batch(bus)
    chosen = tuple(card.id for card in (await _cards(shop, batch_id))[:2])
    started = await bus.handle(
        c.StartExport(batch_id=batch_id, actor=OWNER, password="correct horse", card_ids=chosen)
    )
    assert isinstance(started, ExportStarted)
    job = await _job(shop, started.job_id)
    assert (job.kind, dict(job.params)) == (EXPORT_CARDS, {"export_id": str(started.export_id)})
    export = await _export(shop, started.export_id)
    assert isinstance(export, CardExport)
    assert (export.state, export.card_ids, export.requested_by) == (
        ExportState.QUEUED,
        sorted(chosen),
        OWNER,
    )
    assert export.password is not None
    assert box.open(str(export.id), export.password) == "correct horse"
    [exported] = [e for e in await _operations(shop) if e.action == "export"]
    assert exported.detail["cards"] == 2
    assert exported.detail["whole_batch"] is False
    assert "correct horse" not in repr(exported)

    await bus.handle(c.FinishExport(export_id=started.export_id, rows=2, file_name="cards.xlsx"))
    finished = await _export(shop, started.export_id)
    assert isinstance(finished, CardExport)
    assert (finished.state, finished.rows, finished.password) == (ExportState.READY, 2, None)


@pytest.mark.rule("GC-12")
async def test_an_export_refuses_a_weak_password_and_cards_of_another_batch(
    bus: MessageBus, shop: MemoryShop, policy: GiftCardPolicy
) -> None:
    batch_id = await _given_batch(bus)
    other_id = await _given_batch(bus, ("6000000000000001",), name="Other")
    weak = "x" * (policy.min_export_password - 1)
    assert await _refusal(bus, c.StartExport(batch_id=batch_id, actor=OWNER, password=weak)) == (
        "giftcard.export_password_weak"
    )
    long = "x" * 129
    assert await _refusal(bus, c.StartExport(batch_id=batch_id, actor=OWNER, password=long)) == (
        "giftcard.export_password_weak"
    )
    foreign = ((await _cards(shop, batch_id))[0].id, (await _cards(shop, other_id))[0].id)
    mixed = c.StartExport(batch_id=batch_id, actor=OWNER, password="long enough", card_ids=foreign)
    assert await _refusal(bus, mixed) == "giftcard.export_cards"
    unknown = c.StartExport(
        batch_id=batch_id, actor=OWNER, password="long enough", card_ids=(uuid.uuid4(),)
    )
    assert await _refusal(bus, unknown) == "giftcard.export_cards"
    assert await shop.count(giftcard_exports) == 0
    assert await _jobs(shop) == []


# --- the card generator (GC-1, GC-2) ----------------------------------------------------------


@pytest.fixture
def generator(
    shop: MemoryShop,
    clock: FixedClock,
    box: AesGcmSecretBox,
    bus: MessageBus,
    policy: GiftCardPolicy,
) -> CardGenerator:
    return CardGenerator(
        shop.uow,
        shop.resolve(CardStore),
        box,
        bus,
        clock,
        policy,
    )


def _generator_with(generator: CardGenerator, store: object) -> CardGenerator:
    generator._store = store  # type: ignore[assignment]  # the same generator, another store
    return generator


async def _generated_batch(bus: MessageBus, count: int, **fields: Any) -> uuid.UUID:
    started = await bus.handle(
        c.CreateBatch(definition=definition(**fields), actor=CLERK, count=count)
    )
    return started.batch_id  # type: ignore[no-any-return]


async def _announced(shop: MemoryShop, batch_id: uuid.UUID) -> list[int]:
    return [
        e.detail["count"]
        for e in await _operations(shop)
        if e.batch_id == batch_id and e.action == "cards_generated"
    ]


@pytest.mark.rule("GC-1")
@pytest.mark.rule("GC-2")
async def test_the_generator_fills_a_batch_exactly(
    bus: MessageBus, shop: MemoryShop, box: AesGcmSecretBox, generator: CardGenerator
) -> None:
    batch_id = await _generated_batch(bus, 45, number_prefix="62")
    progress: list[tuple[int, int | None]] = []

    async def report(done: int, total: int | None = None) -> None:
        progress.append((done, total))

    [job] = await _jobs(shop)
    assert await generator.run_job(job, report) == {"batch_id": str(batch_id), "generated": 45}
    cards = await _cards(shop, batch_id)
    assert len(cards) == len({c.number for c in cards}) == len({c.id for c in cards}) == 45
    assert all(numbers.looks_generated(card.number) for card in cards)
    assert all(card.number.startswith("62") for card in cards)
    secrets = {box.open(card.number, card.secret) for card in cards}
    assert len(secrets) == 45
    assert all(len(s) == 16 and set(s) <= set(numbers.SECRET_ALPHABET) for s in secrets)
    assert all(
        (card.state, card.balance, card.sales_state)
        == (CardState.PENDING, cny("100.00"), SalesState.UNSOLD)
        for card in cards
    )
    batch = await _batch(shop, batch_id)
    assert (batch.generated, batch.requested) == (45, 45)
    assert progress == [(0, 45), (10, 45), (20, 45), (30, 45), (40, 45), (45, 45)]
    assert (await _announced(shop, batch_id)) == [45]
    assert await generator.generate(batch_id) == 45  # a second run changes nothing
    assert len(await _cards(shop, batch_id)) == 45
    assert (await _announced(shop, batch_id)) == [45]  # announced once


@attrs.define
class DyingStore:
    """Writes ``chunks`` chunks through ``store``, then fails like a worker that died."""

    store: CardStore
    chunks: int
    calls: int = 0

    async def insert_chunk(self, batch_id: uuid.UUID, chunk: CardChunk, now: Any) -> int:
        if self.calls >= self.chunks:
            raise RuntimeError("the worker died")
        self.calls += 1
        return await self.store.insert_chunk(batch_id, chunk, now)


@pytest.mark.rule("GC-1")
async def test_the_generator_resumes_after_a_partial_run(
    bus: MessageBus, shop: MemoryShop, generator: CardGenerator
) -> None:
    batch_id = await _generated_batch(bus, 25)
    store = shop.resolve(CardStore)
    with pytest.raises(RuntimeError):
        await _generator_with(generator, DyingStore(store, 2)).generate(batch_id)
    assert (await _batch(shop, batch_id)).generated == len(await _cards(shop, batch_id)) == 20
    assert (await _announced(shop, batch_id)) == []
    assert await _generator_with(generator, store).generate(batch_id) == 25
    assert len({card.number for card in (await _cards(shop, batch_id))}) == 25
    assert (await _announced(shop, batch_id)) == [25]


@attrs.define
class CollidingStore:
    """Puts numbers that existing cards have into every chunk (all but one card of it)."""

    store: CardStore
    taken: list[str]
    calls: int = 0

    async def insert_chunk(self, batch_id: uuid.UUID, chunk: CardChunk, now: Any) -> int:
        self.calls += 1
        clashes = self.taken[: len(chunk) - 1]
        changed = attrs.evolve(chunk, numbers=[*clashes, *chunk.numbers[len(clashes) :]])
        return await self.store.insert_chunk(batch_id, changed, now)


@pytest.mark.rule("GC-2")
async def test_the_generator_makes_up_for_numbers_already_taken(
    bus: MessageBus, shop: MemoryShop, generator: CardGenerator
) -> None:
    await _given_batch(bus)  # the cards whose numbers collide
    batch_id = await _generated_batch(bus, 25)
    store = CollidingStore(shop.resolve(CardStore), list(NUMBERS))
    assert await _generator_with(generator, store).generate(batch_id) == 25
    cards = await _cards(shop, batch_id)
    assert len(cards) == 25
    assert not {card.number for card in cards} & set(NUMBERS)
    assert store.calls > 3  # 3 chunks of 10 would do without collisions
    assert (await _announced(shop, batch_id)) == [25]


@pytest.mark.rule("GC-13")
async def test_added_cards_are_generated_and_announced_again(
    bus: MessageBus, shop: MemoryShop, generator: CardGenerator
) -> None:
    batch_id = await _generated_batch(bus, 5)
    await generator.generate(batch_id)
    await bus.handle(c.AddCards(batch_id=batch_id, actor=CLERK, count=7))
    assert await generator.generate(batch_id) == 12
    assert len(await _cards(shop, batch_id)) == 12
    assert (await _announced(shop, batch_id)) == [5, 12]


@attrs.define
class FullStore:
    """A number space with no room left: nothing is ever inserted."""

    calls: int = 0

    async def insert_chunk(self, batch_id: uuid.UUID, chunk: CardChunk, now: Any) -> int:
        self.calls += 1
        return 0


@pytest.mark.rule("GC-1")
async def test_the_generator_gives_up_when_it_makes_no_progress(
    bus: MessageBus, shop: MemoryShop, generator: CardGenerator
) -> None:
    batch_id = await _generated_batch(bus, 5)
    store = FullStore()
    with pytest.raises(DomainError) as stalled:
        await _generator_with(generator, store).generate(batch_id)
    assert stalled.value.code == "giftcard.generation_stalled"
    assert store.calls == MAX_STALLS + 1
    assert (await _announced(shop, batch_id)) == []
