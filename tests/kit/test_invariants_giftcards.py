"""The gift cards' invariant checks of the testing kit (``shop_testing.invariants.giftcards``):
the books hold on a runtime driven through the bus, and each kind of breach planted behind the
domain's back with SQL is found and named; every change the runtime records has its outbox row,
and one made without its event is reported missing."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import pytest
from sqlalchemy import Table, update
from tests.unit.loyalty.phone_support import verified

from shop_adapters.shared.system import FixedClock
from shop_adapters.sql.giftcards.tables import giftcard_batches, giftcard_usages, giftcards
from shop_app.giftcards import commands as c
from shop_app.giftcards.integration import (
    BatchEditedV1,
    BatchPausedV1,
    CardDiscardedV1,
    CardRestoredV1,
    CardSpentV1,
)
from shop_app.giftcards.queries import GiftCardQueries
from shop_app.shared.paging import PageRequest
from shop_domain.giftcards.batch import BatchDefinition, CardKind, Validity
from shop_domain.giftcards.usage import RestoreReason
from shop_domain.shared.money import Money
from shop_testing.harness import MemoryShop, StoredMessage
from shop_testing.invariants.base import InvariantBroken, Recorded
from shop_testing.invariants.giftcards import BOOKS, check_giftcard_books, giftcard_changes

NOW = dt.datetime(2026, 4, 1, 10, 0, tzinfo=dt.UTC)
OWNER = "op-owner"
ALICE, BOB = uuid.UUID(int=0xA1), uuid.UUID(int=0xA2)


@pytest.fixture
def shop_clock() -> FixedClock:
    return FixedClock(NOW)


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


@attrs.frozen
class Story:
    """What the fixture did, by id."""

    batch_id: uuid.UUID
    cards: tuple[uuid.UUID, ...]
    """By number: Alice's two, Bob's, and one discarded unbound."""
    usages: dict[str, uuid.UUID]
    """``split`` (Alice's order over two cards, partly refunded: its first card's line),
    ``cancelled`` (Bob's, given back whole) and ``kept`` (Bob's, valid)."""
    paused_batch_id: uuid.UUID
    pending_card: uuid.UUID


async def _batch(shop: MemoryShop, name: str, count: int, kind: CardKind) -> list[uuid.UUID]:
    """A batch of ``count`` generated cards (its job run), opened; its id, then its cards'."""
    window = Validity(starts_at=NOW - dt.timedelta(days=1), ends_at=NOW + dt.timedelta(days=30))
    definition = BatchDefinition(
        name=name, kind=kind, face_value=cny(10_000), validity=window, owner=OWNER
    )
    bus = shop.runtime.bus
    started = await bus.handle(c.CreateBatch(definition=definition, actor=OWNER, count=count))
    await shop.runtime.job_runner.run_until_idle("kit-test")
    await bus.handle(c.OpenBatch(batch_id=started.batch_id, actor=OWNER, has_open_permission=False))
    listed = await shop.runtime.get(GiftCardQueries).cards(
        started.batch_id, PageRequest(1, 10), NOW
    )
    return [started.batch_id, *(v.id for v in sorted(listed.items, key=lambda v: v.number))]


@pytest.fixture
async def story(shop: MemoryShop) -> Story:
    """Cards activated by their secrets; an order paid by two cards and partly refunded, one
    cancelled, one kept; a card discarded; the batch edited; a second batch paused."""
    bus = shop.runtime.bus
    batch_id, *cards = await _batch(shop, "Spring", 4, CardKind.VIRTUAL)
    for card_id, user in zip(cards, (ALICE, ALICE, BOB), strict=False):
        shown = await bus.handle(c.RevealSecret(card_id=card_id, actor=OWNER))
        await bus.handle(c.ActivateCard(user_id=user, number=shown.number, secret=shown.secret))

    async def pay(order: int, user: uuid.UUID, minor: int, *paying: uuid.UUID) -> Any:
        return await bus.handle(
            c.SpendGiftCards(
                order_id=uuid.UUID(int=order),
                user_id=user,
                amount=cny(minor),
                card_ids=paying,
                actor=f"user:{user}",
            )
        )

    async def restore(order: int, key: str, minor: int | None) -> Any:
        return await bus.handle(
            c.RestoreGiftCards(
                order_id=uuid.UUID(int=order),
                key=key,
                reason=RestoreReason.REFUNDED if minor else RestoreReason.CANCELLED,
                actor="system",
                amount=None if minor is None else cny(minor),
            )
        )

    split = await pay(1, ALICE, 12_000, cards[0], cards[1])  # 100.00 + 20.00
    await restore(1, "refund-1", 3_000)  # 25.00 + 5.00
    cancelled = await pay(2, BOB, 4_567, cards[2])
    await restore(2, "cancel-2", None)
    kept = await pay(3, BOB, 1_000, cards[2])
    await bus.handle(c.DiscardCard(card_id=cards[3], actor=OWNER, reason="lost"))
    await bus.handle(c.EditBatch(batch_id=batch_id, actor=OWNER, name="Spring 2026"))
    paused_id, pending, _ = await _batch(shop, "Paper", 2, CardKind.PHYSICAL)
    await bus.handle(c.PauseBatch(batch_id=paused_id, actor=OWNER))
    return Story(
        batch_id=batch_id,
        cards=tuple(cards),
        usages={
            "split": split.charges[0].usage_id,
            "cancelled": cancelled.charges[0].usage_id,
            "kept": kept.charges[0].usage_id,
        },
        paused_batch_id=paused_id,
        pending_card=pending,
    )


async def _tamper(shop: MemoryShop, table: Table, row_id: uuid.UUID, **values: Any) -> None:
    """Change a row behind the domain's back."""
    async with shop.engine.begin() as conn:
        await conn.execute(update(table).where(table.c.id == row_id).values(**values))


async def _breaches(shop: MemoryShop) -> str:
    with pytest.raises(InvariantBroken) as caught:
        await check_giftcard_books(shop)
    assert caught.value.check == BOOKS
    return str(caught.value)


def missing_from_outbox(changes: list[Recorded], outbox: list[StoredMessage]) -> list[Recorded]:
    """The changes without an outbox row of their own (each row answers one change)."""
    rows = Counter((m.aggregate_type, m.aggregate_id, m.type) for m in outbox)
    missing = []
    for change in changes:
        key = (change.aggregate_type, change.aggregate_id, change.event_type)
        if rows[key]:
            rows[key] -= 1
        else:
            missing.append(change)
    return missing


# --- the books hold ---------------------------------------------------------------------------


async def test_an_empty_runtime_keeps_its_books(shop: MemoryShop) -> None:
    await check_giftcard_books(shop)
    assert await giftcard_changes(shop) == []


@pytest.mark.rule("GC-7")
@pytest.mark.rule("GC-8")
@pytest.mark.rule("GC-10")
async def test_a_runtime_driven_through_the_bus_keeps_its_books(
    shop: MemoryShop, story: Story
) -> None:
    await check_giftcard_books(shop)
    kept = await shop.runtime.get(GiftCardQueries).card(story.cards[2], NOW)
    assert kept is not None
    assert kept.balance == cny(9_000)  # the story did what it says: the check had work to do


# --- planted breaches -------------------------------------------------------------------------


@pytest.mark.rule("GC-7")
async def test_a_balance_changed_behind_the_domain_is_named(shop: MemoryShop, story: Story) -> None:
    card = story.cards[2]
    await _tamper(shop, giftcards, card, balance_minor=8_999)
    message = await _breaches(shop)
    assert f"card {card} (" in message, message
    assert (
        "balance 89.99 CNY + spent 55.67 CNY - restored 45.67 CNY = 99.99 CNY, not its face "
        "value 100.00 CNY" in message
    ), message


@pytest.mark.rule("GC-8")
@pytest.mark.rule("GC-10")
async def test_a_usage_line_changed_behind_the_domain_is_named(
    shop: MemoryShop, story: Story
) -> None:
    usage = story.usages["kept"]
    await _tamper(shop, giftcard_usages, usage, amount_minor=1_100)
    message = await _breaches(shop)
    assert f"usage {usage} of card {story.cards[2]} spent 11.00 CNY" in message, message
    assert "history records spends of ['10.00 CNY']" in message, message
    assert "= 101.00 CNY, not its face value 100.00 CNY" in message, message


@pytest.mark.rule("GC-8")
async def test_a_restore_larger_than_its_spend_is_named(shop: MemoryShop, story: Story) -> None:
    usage = story.usages["cancelled"]
    await _tamper(shop, giftcard_usages, usage, restored_minor=4_568)
    message = await _breaches(shop)
    order = uuid.UUID(int=2)
    assert f"usage {usage} (order {order}): restored 45.68 CNY of the 45.67 CNY it spent" in message


@pytest.mark.rule("GC-8")
async def test_a_usage_state_that_disagrees_with_its_restores_is_named(
    shop: MemoryShop, story: Story
) -> None:
    usage = story.usages["split"]
    await _tamper(shop, giftcard_usages, usage, state="valid")
    message = await _breaches(shop)
    assert re.search(
        rf"usage {usage} .* is valid; having restored 25\.00 CNY of 100\.00 CNY it is "
        "partially_refunded",
        message,
    ), message


@pytest.mark.rule("GC-4")
async def test_a_pending_card_missing_money_is_named(shop: MemoryShop, story: Story) -> None:
    card = story.pending_card
    await _tamper(shop, giftcards, card, balance_minor=9_000)
    message = await _breaches(shop)
    assert re.search(
        rf"card {card} \(\d+\) was never activated \(pending\) but holds 90\.00 CNY of "
        r"100\.00 CNY and has 0 usage\(s\)",
        message,
    ), message


@pytest.mark.rule("GC-7")
async def test_a_usage_paid_by_someone_else_is_named(shop: MemoryShop, story: Story) -> None:
    usage = story.usages["kept"]
    await _tamper(shop, giftcard_usages, usage, user_id=ALICE)
    message = await _breaches(shop)
    assert f"usage {usage} of card {story.cards[2]} (" in message, message
    assert f"was paid by {ALICE}, the card is {BOB}'s" in message, message


@pytest.mark.rule("GC-5")
@pytest.mark.rule("MEM-1")
async def test_a_card_bound_to_a_phone_is_paid_through_that_number_only(shop: MemoryShop) -> None:
    """The holder of a phone-bound card is whoever verified the number: paying so keeps the
    books; a usage through another number is named (masked)."""
    _, card_id = await _batch(shop, "Phones", 1, CardKind.PHYSICAL)
    bus = shop.runtime.bus
    await bus.handle(c.BindCard(card_id=card_id, actor=OWNER, phone="+86 138 0013 1234"))
    await verified(shop, ALICE, "13800131234")
    charged = await bus.handle(
        c.SpendGiftCards(
            order_id=uuid.UUID(int=9),
            user_id=ALICE,
            amount=cny(1_000),
            card_ids=(card_id,),
            actor=f"user:{ALICE}",
        )
    )
    await check_giftcard_books(shop)
    usage = charged.charges[0].usage_id
    await _tamper(shop, giftcard_usages, usage, phone="+8613900005678")
    message = await _breaches(shop)
    assert f"usage {usage} of card {card_id} (" in message, message
    assert (
        f"was paid by {ALICE} through phone *********5678; the card is bound to *********1234"
        in message
    ), message
    assert "0013" not in message  # a finding never shows a whole number
    await _tamper(shop, giftcard_usages, usage, phone=None)
    assert "through phone none" in await _breaches(shop)


@pytest.mark.rule("GC-1")
async def test_a_batch_count_that_disagrees_with_its_cards_is_named(
    shop: MemoryShop, story: Story
) -> None:
    await _tamper(shop, giftcard_batches, story.batch_id, generated=5)
    message = await _breaches(shop)
    assert f"batch {story.batch_id} (Spring 2026) says 5 cards were generated; it has 4" in message
    assert "generated 5 of 4 requested cards" in message, message


async def test_every_breach_is_listed_not_only_the_first(shop: MemoryShop, story: Story) -> None:
    await _tamper(shop, giftcards, story.cards[2], balance_minor=8_999)
    await _tamper(shop, giftcard_batches, story.paused_batch_id, generated=1)
    with pytest.raises(InvariantBroken) as caught:
        await check_giftcard_books(shop)
    named = " ".join(caught.value.findings)
    assert str(story.cards[2]) in named
    assert str(story.paused_batch_id) in named


# --- the changes the outbox must carry --------------------------------------------------------


def test_the_source_fits_the_outbox_check() -> None:
    source: Callable[[MemoryShop], Awaitable[list[Recorded]]] = giftcard_changes
    assert callable(source)


async def test_every_recorded_change_has_its_outbox_row(shop: MemoryShop, story: Story) -> None:
    changes = await giftcard_changes(shop)
    assert missing_from_outbox(changes, await shop.outbox()) == []
    kinds = Counter(change.event_type for change in changes)
    assert kinds[CardSpentV1.type] == 4
    assert kinds[CardRestoredV1.type] == 3  # two lines of the refund, one of the cancellation
    assert kinds[CardDiscardedV1.type] == 1
    assert kinds[BatchEditedV1.type] == 1  # known from the history only
    assert kinds[BatchPausedV1.type] == 1


async def test_a_change_made_without_its_event_is_missing_from_the_outbox(
    shop: MemoryShop, story: Story
) -> None:
    card = story.cards[0]
    await _tamper(shop, giftcards, card, state="discarded", discarded_at=NOW)
    missing = missing_from_outbox(await giftcard_changes(shop), await shop.outbox())
    assert [(m.aggregate_id, m.event_type) for m in missing] == [(str(card), CardDiscardedV1.type)]
    assert "is discarded" in missing[0].what
