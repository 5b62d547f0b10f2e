"""The gift cards' books (GC-2, GC-4, GC-7, GC-8, GC-10, MON-1), read from a runtime, and the
gift-card changes that must each have their integration event in the outbox (decision 0024).

Everything is read through the application's ports: the read side
(``shop.runtime.get(GiftCardQueries)``: batches, cards, usages, the operation history) and, for
what no view shows (the restore keys a usage has applied), the unit of work's usage repository.
No SQL is written here.

:func:`check_giftcard_books` raises :class:`~shop_testing.invariants.base.InvariantBroken`
listing every breach; :func:`giftcard_changes` is a source for the outbox check.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import shop_app.giftcards.integration as wire
import shop_domain.giftcards.events as ev
from shop_app.giftcards.ledger import ACTIONS
from shop_app.giftcards.queries import BatchView, CardView, OperationView, UsageView
from shop_app.shared.integration import REGISTRY, IntegrationEvent
from shop_domain.giftcards.batch import BatchState, CardKind, GiftCardBatch
from shop_domain.giftcards.card import CardState, GiftCard, SalesState
from shop_domain.giftcards.usage import UsageState
from shop_domain.shared.money import Money, total
from shop_domain.shared.phones import mask_phone
from shop_testing.harness import MemoryShop
from shop_testing.invariants.base import Findings, Recorded
from shop_testing.invariants.giftcard_reads import Books, read_books, stored_state

BOOKS = "giftcard books"
"""The name :func:`check_giftcard_books` reports under."""

SPEND = ACTIONS[ev.CardSpent]
REFUND = ACTIONS[ev.CardRestored]


def _amount(op: OperationView, currency: str) -> Money:
    """The amount an operation of the history records (``{"minor": …, "currency": …}``)."""
    amount = op.detail.get("amount") or {}
    return Money(int(amount.get("minor", 0)), str(amount.get("currency", currency)))


def _name(card: CardView) -> str:
    return f"card {card.id} ({card.number})"


def _masked(phone: str | None) -> str:
    """A phone in a finding: masked (a report may end up in a log), or ``none``."""
    return "none" if phone is None else mask_phone(phone)


# --- the books ----------------------------------------------------------------------------------


def _check_card(
    found: Findings, card: CardView, usages: list[UsageView], batch: BatchView | None
) -> None:
    face, balance = card.face_value, card.balance
    name = _name(card)
    found.expect(
        Money.zero(face.currency) <= balance <= face,
        f"{name}: balance {balance} is outside 0..its face value {face}",
    )
    spent = total((u.amount for u in usages), face.currency)
    restored = total((u.restored for u in usages), face.currency)
    found.expect(
        balance + spent - restored == face,
        f"{name}: balance {balance} + spent {spent} - restored {restored} = "
        f"{balance + spent - restored}, not its face value {face}",
    )
    state = stored_state(card)
    if state == CardState.PENDING or card.activated_at is None:
        found.expect(
            balance == face and not usages,
            f"{name} was never activated ({state}) but holds {balance} of {face} "
            f"and has {len(usages)} usage(s)",
        )
    if state == CardState.PENDING:
        found.expect(
            card.user_id is None and card.phone is None,
            f"{name} is pending but bound to {card.user_id or card.phone}",
        )
    if state == CardState.ACTIVATED:
        found.expect(
            card.activated_at is not None and (card.user_id or card.phone) is not None,
            f"{name} is activated but bound to no one (activated at {card.activated_at})",
        )
    for usage in usages:
        if card.user_id is not None or card.phone is None:
            through = "" if usage.phone is None else f" through phone {_masked(usage.phone)}"
            found.expect(
                (usage.user_id, usage.phone) == (card.user_id, None),
                f"usage {usage.id} of {name} was paid by {usage.user_id}{through}, "
                f"the card is {card.user_id}'s",
            )
        else:  # bound to a phone: paid by a member who had verified that very number (GC-5)
            found.expect(
                usage.phone == card.phone,
                f"usage {usage.id} of {name} was paid by {usage.user_id} through phone "
                f"{_masked(usage.phone)}; the card is bound to {_masked(card.phone)}",
            )
    if batch is not None:
        found.expect(
            face == batch.face_value,
            f"{name}: face value {face}, its batch {batch.id}'s is {batch.face_value}",
        )
        kinds = (
            {SalesState.UNSOLD.value, SalesState.SOLD.value}
            if batch.kind == CardKind.VIRTUAL
            else {SalesState.NOT_FOR_SALE.value}
        )
        found.expect(
            card.sales_state in kinds,
            f"{name} of a {batch.kind} batch has the sales state {card.sales_state}",
        )
    sold = card.sales_state == SalesState.SOLD
    found.expect(
        sold == (card.buyer_id is not None) == (card.sold_at is not None),
        f"{name} is {card.sales_state} with buyer {card.buyer_id} sold at {card.sold_at}",
    )


def _check_usage(found: Findings, usage: UsageView, books: Books) -> None:
    name = f"usage {usage.id} (order {usage.order_id})"
    card = books.cards.get(usage.card_id)
    if card is None:
        found.add(f"{name} names card {usage.card_id}, which does not exist")
    else:
        found.expect(
            (usage.batch_id, usage.number, usage.amount.currency)
            == (card.batch_id, card.number, card.face_value.currency),
            f"{name} names batch {usage.batch_id}, number {usage.number} in "
            f"{usage.amount.currency}; {_name(card)} is of batch {card.batch_id} in "
            f"{card.face_value.currency}",
        )
    zero = Money.zero(usage.amount.currency)
    found.expect(usage.amount > zero, f"{name}: spent {usage.amount}, not a positive amount")
    found.expect(
        zero <= usage.restored <= usage.amount,
        f"{name}: restored {usage.restored} of the {usage.amount} it spent",
    )
    if not zero <= usage.restored <= usage.amount:
        return  # no state fits; said above
    state = (
        UsageState.VALID
        if usage.restored.is_zero()
        else UsageState.INVALID
        if usage.restored == usage.amount
        else UsageState.PARTIALLY_REFUNDED
    )
    found.expect(
        usage.state == state.value,
        f"{name} is {usage.state}; having restored {usage.restored} of {usage.amount} "
        f"it is {state.value}",
    )


def _check_history(found: Findings, books: Books) -> None:
    """Each usage agrees with the card operations recorded for it (GC-10)."""
    spends, refunds = books.operations_by_usage(SPEND), books.operations_by_usage(REFUND)
    for usage in books.usages:
        name = f"usage {usage.id} of card {usage.card_id}"
        spent = [_amount(op, usage.amount.currency) for op in spends.pop(str(usage.id), [])]
        found.expect(
            spent == [usage.amount],
            f"{name} spent {usage.amount}; the card's history records spends of "
            f"{[str(s) for s in spent]} for it",
        )
        currency = usage.amount.currency
        given = total((_amount(op, currency) for op in refunds.pop(str(usage.id), [])), currency)
        found.expect(
            given == usage.restored,
            f"{name} restored {usage.restored}; the card's history records {given} given back",
        )
    for usage_id, ops in (*spends.items(), *refunds.items()):
        found.add(
            f"the history records {len(ops)} {ops[0].action}(s) of card {ops[0].card_id} "
            f"for usage {usage_id}, which does not exist"
        )


def _check_orders(found: Findings, books: Books) -> None:
    """The lines of one order come from one payment: one user, one sub-order, one tender
    split, each card once."""
    orders: dict[uuid.UUID, list[UsageView]] = defaultdict(list)
    for usage in books.usages:
        orders[usage.order_id].append(usage)
    for order_id, lines in orders.items():
        shared = {(u.user_id, u.sub_order_id, repr(u.tender)) for u in lines}
        found.expect(
            len(shared) == 1,
            f"order {order_id}: its {len(lines)} usage lines disagree on user, sub-order or "
            f"tender split: {sorted(shared)}",
        )
        twice = [card for card, n in Counter(u.card_id for u in lines).items() if n > 1]
        found.expect(not twice, f"order {order_id} has several usage lines on cards {twice}")


def _check_batch(found: Findings, batch: BatchView, cards: list[CardView]) -> None:
    name = f"batch {batch.id} ({batch.name})"
    found.expect(
        0 <= batch.generated <= batch.requested,
        f"{name}: generated {batch.generated} of {batch.requested} requested cards",
    )
    found.expect(
        len(cards) == batch.generated,
        f"{name} says {batch.generated} cards were generated; it has {len(cards)}",
    )
    by_state = Counter(stored_state(card) for card in cards)
    by_state[SalesState.SOLD.value] = sum(c.sales_state == SalesState.SOLD for c in cards)
    for state, count in batch.cards_by_state.items():
        found.expect(
            count == by_state[state],
            f"{name} counts {count} cards {state}; {by_state[state]} of its cards are",
        )


def find_book_breaches(books: Books) -> list[str]:
    """Every breach of the gift cards' books in ``books`` (empty when they hold)."""
    found = Findings(BOOKS)
    by_card = books.usages_by_card()
    batches = {batch.id: batch for batch in books.batches}
    cards_of = books.cards_by_batch()
    for card in books.cards.values():
        _check_card(found, card, by_card.get(card.id, []), batches.get(card.batch_id))
    for usage in books.usages:
        _check_usage(found, usage, books)
    _check_history(found, books)
    _check_orders(found, books)
    for batch in books.batches:
        _check_batch(found, batch, cards_of.get(batch.id, []))
    return found.found


async def check_giftcard_books(shop: MemoryShop) -> None:
    """Raise :class:`~shop_testing.invariants.base.InvariantBroken` (``giftcard books``) naming
    every breach of the gift cards' books:

    - per card: 0 ≤ balance ≤ face value, and balance + spent − restored = face value, what was
      spent and restored being the sums of the card's usage lines (GC-7, GC-8); its face value
      is its batch's; a card never activated (pending, or discarded unbound) holds its whole
      face value and has no usage; a pending card is bound to no one, an activated one to a
      user or a phone; whoever paid with it is its holder — the user it is bound to, or, for a
      card bound to a phone, a member paying through that very number as their verified phone
      (the usage names the phone, GC-5); its sales state fits its batch's
      kind and its buyer (GC-2, GC-4, GC-6). No state follows from a balance of zero: a card
      spent out stays activated;
    - per usage: its card exists and agrees (batch, number, currency); it spent a positive
      amount; 0 ≤ restored ≤ spent; its state is ``valid``, ``partially_refunded`` or
      ``invalid`` as what it restored says (GC-8);
    - per usage and the operation history (GC-10): exactly one ``spend`` of its amount, and
      ``refund`` entries summing to what it restored; no entry for a usage that does not exist;
    - per order: its lines came from one payment (one user, sub-order and tender split), each
      card once;
    - per batch: ``generated`` ≤ ``requested``, as many cards as ``generated``, and its counts
      by state equal its cards' (GC-1)."""
    Findings(BOOKS, find_book_breaches(await read_books(shop))).raise_if_any()


# --- the changes the outbox must carry ----------------------------------------------------------


def _stable_name(aggregate: type[Any]) -> str:
    """The aggregate's name on the wire, as the integration registry gives it (it looks only at
    the type)."""
    return REGISTRY.aggregate_name(object.__new__(aggregate))


BATCH, CARD = _stable_name(GiftCardBatch), _stable_name(GiftCard)

_BY_ACTION: dict[tuple[str, bool], type[IntegrationEvent]] = {
    (ACTIONS[domain], issubclass(domain, ev.CardEvent)): published
    for domain, published in (
        (ev.BatchCreated, wire.BatchCreatedV1),
        (ev.CardsAdded, wire.CardsAddedV1),
        (ev.CardsGenerated, wire.CardsGeneratedV1),
        (ev.BatchOpened, wire.BatchOpenedV1),
        (ev.BatchPaused, wire.BatchPausedV1),
        (ev.BatchResumed, wire.BatchResumedV1),
        (ev.BatchDiscarded, wire.BatchDiscardedV1),
        (ev.BatchEdited, wire.BatchEditedV1),
        (ev.CardSold, wire.CardSoldV1),
        (ev.CardActivated, wire.CardActivatedV1),
        (ev.CardSpent, wire.CardSpentV1),
        (ev.CardRestored, wire.CardRestoredV1),
        (ev.CardDiscarded, wire.CardDiscardedV1),
    )
}
"""Each operation of the history (its action; whether it is a card's) and the integration event
published for it. Exports and secret viewings stay inside (decision 0024)."""


def _from_state(books: Books, restore_keys: dict[uuid.UUID, list[str]]) -> Iterable[Recorded]:
    """What the batches, cards and usages as stored say happened."""
    for batch in books.batches:
        name, bid = f"batch {batch.id} ({batch.name})", str(batch.id)
        yield Recorded(BATCH, bid, wire.BatchCreatedV1.type, f"{name} was created")
        if batch.state in (BatchState.OPENED, BatchState.PAUSED):
            yield Recorded(BATCH, bid, wire.BatchOpenedV1.type, f"{name} is {batch.state}")
        if batch.state == BatchState.PAUSED:
            yield Recorded(BATCH, bid, wire.BatchPausedV1.type, f"{name} is paused")
        if batch.state == BatchState.DISCARDED:
            yield Recorded(BATCH, bid, wire.BatchDiscardedV1.type, f"{name} is discarded")
        if 0 < batch.requested == batch.generated:
            what = f"{name} holds its {batch.generated} cards"
            yield Recorded(BATCH, bid, wire.CardsGeneratedV1.type, what)
    for card in books.cards.values():
        name, cid = _name(card), str(card.id)
        if card.sold_at is not None:
            yield Recorded(CARD, cid, wire.CardSoldV1.type, f"{name} was sold to {card.buyer_id}")
        if card.activated_at is not None:
            what = f"{name} was activated at {card.activated_at}"
            yield Recorded(CARD, cid, wire.CardActivatedV1.type, what)
        if card.state == CardState.DISCARDED:
            yield Recorded(CARD, cid, wire.CardDiscardedV1.type, f"{name} is discarded")
    for usage in books.usages:
        on = f"card {usage.card_id}: usage {usage.id} of order {usage.order_id}"
        cid = str(usage.card_id)
        yield Recorded(CARD, cid, wire.CardSpentV1.type, f"{on} spent {usage.amount}")
        for key in restore_keys.get(usage.id, []):
            what = f"{on} gave back part of its {usage.amount} (restore {key})"
            yield Recorded(CARD, cid, wire.CardRestoredV1.type, what)


def _from_history(books: Books) -> Iterable[Recorded]:
    """What the operation history records."""
    for op in books.operations:
        published = _BY_ACTION.get((op.action, op.card_id is not None))
        if published is None:
            continue
        kind, aggregate_id = (BATCH, op.batch_id) if op.card_id is None else (CARD, op.card_id)
        what = f"{kind} {aggregate_id}: {op.action} by {op.actor} at {op.at} (history {op.id})"
        yield Recorded(kind, str(aggregate_id), published.type, what)


async def _restore_keys(shop: MemoryShop, books: Books) -> dict[uuid.UUID, list[str]]:
    """The restore keys each usage applied (the read side does not show them)."""
    keys: dict[uuid.UUID, list[str]] = {}
    async with shop.uow() as uow:
        for order_id in sorted({u.order_id for u in books.usages if u.restored.is_positive()}):
            for usage in await uow.giftcard_usages.for_order(order_id):
                keys[usage.id] = list(usage.restore_keys)
    return keys


async def giftcard_changes(shop: MemoryShop) -> list[Recorded]:
    """Every gift-card change the runtime records, each with the integration event that must be
    in the outbox for it (``Recorded``; a source for the outbox check).

    Two records are read: the state (each batch created; opened or paused or discarded as it is
    now; its cards all written; each card sold, activated, discarded; each usage a spend, each
    restore key it applied a restore) and the operation history (every operation, each pause,
    resume, edit and added cards included). A change appears as many times as the larger of
    the two counts it, so a change missing from either is still required of the outbox."""
    books = await read_books(shop)
    state = list(_from_state(books, await _restore_keys(shop, books)))
    history = list(_from_history(books))

    def key(r: Recorded) -> tuple[str, str, str]:
        return r.aggregate_type, r.aggregate_id, r.event_type

    counted = Counter(key(r) for r in state)
    changes = list(state)
    for record in history:
        if counted[key(record)] > 0:
            counted[key(record)] -= 1
        else:
            changes.append(record)
    return changes


__all__ = [
    "BOOKS",
    "Books",
    "check_giftcard_books",
    "find_book_breaches",
    "giftcard_changes",
    "read_books",
    "stored_state",
]
