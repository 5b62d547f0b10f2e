"""The shared scenario of the gift-card contract suites.

:func:`run_scenario` drives a backend through the real message bus with the real handlers
(batches in every state, generated cards written chunk by chunk through the ``CardStore`` the
way the generation job writes them, given numbers, sales, every kind of activation, payments
over several cards, partial and whole restores, edits, added cards, exports in every state) and
returns what it did, so that the query suite can compare a backend with the ``memory://`` reference
fed the same commands. Card numbers and the secrets of generated cards are fixed, so that both
sides hold the same cards.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import attrs
import pytest_asyncio

from shop_app.giftcards import commands as c
from shop_app.giftcards.results import BatchStarted, Charged, ExportStarted, RevealedSecret
from shop_app.shared.paging import PageRequest
from shop_domain.giftcards.batch import (
    BatchDefinition,
    CardKind,
    Validity,
)
from shop_domain.giftcards.usage import RestoreReason, TenderSplit
from shop_testing.contracts.backend import T0, Backend, SqlBackend
from shop_testing.contracts.giftcard_support import (
    DAY,
    MINUTE,
    O1,
    O2,
    O3,
    O4,
    OPS,
    OTHER_OWNER,
    OWNER,
    U1,
    U2,
    U3,
    chunk,
    cny,
    definition,
    number,
    secret_for,
)
from shop_testing.harness import CountingIds

GIFT = [number("61", n) for n in range(1, 8)]  # G7 never fits: the batch asks for 6
VANITY = ("8888 8888", "66666666", "12345678", "520520520")
VANITY_NUMBERS = tuple(v.replace(" ", "") for v in VANITY)
PAUSED = [number("62", n) for n in (1, 2)]
DROPPED = [number("63", 1)]
DRAFT = [number("64", n) for n in range(1, 6)]
ADDED = ("77777777",)
GENERATED = frozenset([*GIFT, *PAUSED, *DROPPED, *DRAFT])


@attrs.define
class Scenario:
    batches: dict[str, uuid.UUID] = attrs.field(factory=dict)
    cards: dict[str, uuid.UUID] = attrs.field(factory=dict)
    """Label (``g1``, ``v1``…) → card id."""
    numbers: dict[str, str] = attrs.field(factory=dict)
    exports: dict[str, uuid.UUID] = attrs.field(factory=dict)
    usages: dict[str, tuple[uuid.UUID, ...]] = attrs.field(factory=dict)
    times: dict[str, dt.datetime] = attrs.field(factory=dict)
    inserted: list[int] = attrs.field(factory=list)
    secrets: dict[str, str] = attrs.field(factory=dict, eq=False)
    """Every plain secret the scenario knows (given numbers' are random: not compared)."""

    def card_ids(self) -> list[uuid.UUID]:
        return sorted(set(self.cards.values()))


async def run_scenario(backend: Backend) -> Scenario:
    """Run the shared scenario on ``backend`` (its clock starts at ``T0``)."""
    bus, clock, s = backend.giftcard_bus(), backend.clock, Scenario()
    store = backend.card_store()

    async def create(name: str, batch_definition: BatchDefinition, **how: Any) -> None:
        clock.advance(minutes=1)
        started: BatchStarted = await bus.handle(
            c.CreateBatch(definition=batch_definition, actor=OPS, **how)
        )
        s.batches[name] = started.batch_id

    async def write(name: str, numbers: Sequence[str], *, confirm: bool) -> None:
        """Write generated cards as the generation job does: a chunk through the store."""
        clock.advance(minutes=1)
        s.inserted.append(
            await store.insert_chunk(s.batches[name], chunk(backend, numbers), clock.now())
        )
        if confirm:
            await bus.handle(c.ConfirmGenerated(batch_id=s.batches[name]))

    async def learn(label: str, numbers: Sequence[str]) -> None:
        """Name the cards with these numbers ``label1``, ``label2``… (in that order)."""
        async with backend.uow() as uow:
            for n, raw in enumerate(numbers, start=1):
                card = await uow.giftcards.find_by_number_for_update(raw.replace(" ", ""))
                assert card is not None, raw
                s.cards[f"{label}{n}"] = card.id
                s.numbers[f"{label}{n}"] = card.number
                if card.number in GENERATED:
                    s.secrets[f"{label}{n}"] = secret_for(card.number)

    async def do(command: Any) -> Any:
        clock.advance(minutes=1)
        return await bus.handle(command)

    s.times["start"] = clock.now()
    # a virtual batch with a validity window, written in two chunks: a number twice in the
    # first, a taken number and one card too many in the second
    await create(
        "gift",
        definition(
            validity=Validity(starts_at=T0, ends_at=T0 + 10 * DAY),
            owner_phone="13800000000",
            remark="spring",
            number_prefix="61",
        ),
        count=6,
    )
    await write("gift", [*GIFT[:3], GIFT[0]], confirm=False)
    await write("gift", GIFT[2:], confirm=True)
    await learn("g", GIFT[:6])
    # a physical batch of given (vanity) numbers, valid 30 days from activation
    await create(
        "vanity",
        definition(
            "Vanity",
            kind=CardKind.PHYSICAL,
            value="200.00",
            validity=Validity(days_from_activation=30),
            owner=OTHER_OWNER,
            card_maker="PrintCo",
        ),
        numbers=VANITY,
    )
    await learn("v", VANITY)
    # a batch opened then paused, one discarded, one never opened and not yet complete
    await create("paused", definition("Paused", value="50.00"), count=2)
    await write("paused", PAUSED, confirm=True)
    await learn("p", PAUSED)
    await create(
        "dropped",
        definition("Dropped", kind=CardKind.PHYSICAL, validity=Validity(ends_at=T0 + 5 * DAY)),
        count=1,
    )
    await write("dropped", DROPPED, confirm=True)
    await learn("x", DROPPED)
    await create("draft", definition("Draft", validity=Validity(days_from_activation=7)), count=3)
    await write("draft", DRAFT[:2], confirm=False)

    await do(c.OpenBatch(batch_id=s.batches["gift"], actor=OWNER, has_open_permission=False))
    await do(c.OpenBatch(batch_id=s.batches["vanity"], actor=OPS, has_open_permission=True))
    await do(c.OpenBatch(batch_id=s.batches["paused"], actor=OWNER, has_open_permission=False))
    await do(c.PauseBatch(batch_id=s.batches["paused"], actor=OPS))
    await do(c.DiscardBatch(batch_id=s.batches["dropped"], actor=OWNER, has_open_permission=False))

    # GC-6: sales (a repeat answers the first sale), a purchased card bound by its buyer
    s.times["sales"] = clock.now() + MINUTE
    sale = c.SellCards(
        batch_id=s.batches["gift"], buyer_id=U1, quantity=2, sale_ref="sale-1", actor="orders"
    )
    first = await do(sale)
    assert await do(sale) == first
    await do(
        c.SellCards(
            batch_id=s.batches["gift"], buyer_id=U2, quantity=1, sale_ref="sale-2", actor="orders"
        )
    )
    await do(c.BindPurchasedCard(card_id=s.cards["g1"], user_id=U1))
    # GC-5: self-service (with a secret an operator was shown), and by an operator
    revealed: RevealedSecret = await do(c.RevealSecret(card_id=s.cards["v1"], actor=OPS))
    s.secrets["v1"] = revealed.secret
    await do(c.ActivateCard(user_id=U1, number="8888-8888", secret=revealed.secret.lower()))
    await do(c.BindCard(card_id=s.cards["v2"], actor=OPS, phone="13900000000"))
    await do(c.BindCard(card_id=s.cards["v3"], actor=OPS, user_id=U2))
    await do(c.ActivateCard(user_id=U3, number=GIFT[3], secret=secret_for(GIFT[3])))
    await do(c.DiscardCard(card_id=s.cards["g5"], actor=OPS, reason="lost"))

    # GC-7, GC-8: payments over one and several cards, restores in part and in whole
    s.times["orders"] = clock.now() + MINUTE

    async def spend(
        order: uuid.UUID, user: uuid.UUID, amount: str, *labels: str, **extra: Any
    ) -> None:
        charged: Charged = await do(
            c.SpendGiftCards(
                order_id=order,
                user_id=user,
                amount=cny(amount),
                card_ids=tuple(s.cards[label] for label in labels),
                actor=f"user:{user}",
                **extra,
            )
        )
        s.usages[str(order)] = tuple(charge.usage_id for charge in charged.charges)

    await spend(
        O1,
        U1,
        "150.00",
        "g1",
        "v1",
        sub_order_id="S1",
        tender=TenderSplit(cash=cny("50.00"), points=cny("5.00"), gift_cards=cny("150.00")),
    )
    await spend(O2, U2, "30.00", "v3")
    await spend(O3, U3, "20.00", "g4")
    restore = c.RestoreGiftCards(
        order_id=O1,
        key="refund-1",
        reason=RestoreReason.REFUNDED,
        actor="orders",
        amount=cny("30.00"),
    )
    await do(restore)
    cancel = c.RestoreGiftCards(
        order_id=O2, key="cancel-2", reason=RestoreReason.CANCELLED, actor="orders"
    )
    await do(cancel)
    assert (await do(cancel)).repeated

    # GC-13: edits and more cards; GC-3: pause and resume
    await do(
        c.EditBatch(
            batch_id=s.batches["gift"],
            actor=OWNER,
            name="Spring gifts 2026",
            remark="extended",
            ends_at=T0 + 12 * DAY,
        )
    )
    await do(c.PauseBatch(batch_id=s.batches["vanity"], actor=OPS))
    await do(
        c.OpenBatch(batch_id=s.batches["vanity"], actor=OTHER_OWNER, has_open_permission=False)
    )
    await do(c.AddCards(batch_id=s.batches["gift"], actor=OPS, numbers=ADDED))
    await learn("a", ADDED)
    await do(c.AddCards(batch_id=s.batches["draft"], actor=OPS, count=2))
    await write("draft", DRAFT[2:], confirm=True)
    await learn("d", DRAFT)

    # GC-12: exports in every state
    exported: ExportStarted = await do(
        c.StartExport(
            batch_id=s.batches["gift"],
            actor=OWNER,
            password="password-1",
            card_ids=(s.cards["g6"], s.cards["g2"]),
        )
    )
    s.exports["chosen"] = exported.export_id
    await do(c.FinishExport(export_id=exported.export_id, rows=2, file_name="gift-chosen.xlsx"))
    exported = await do(
        c.StartExport(batch_id=s.batches["gift"], actor=OWNER, password="password-2")
    )
    s.exports["failed"] = exported.export_id
    await do(c.FailExport(export_id=exported.export_id, error="disk full"))
    exported = await do(
        c.StartExport(batch_id=s.batches["vanity"], actor=OTHER_OWNER, password="password-3")
    )
    s.exports["queued"] = exported.export_id

    # after the first window end, within the edited one: still spendable
    clock.current = T0 + 11 * DAY
    s.times["after first end"] = clock.now()
    await spend(O4, U1, "10.00", "g1")
    s.times["end"] = clock.now()
    return s


Seeded = tuple[Backend, Backend, Scenario]
"""The reference, the backend, and what the scenario did on both."""

PAGES = [PageRequest(), PageRequest(1, 3), PageRequest(2, 3), PageRequest(3, 4), PageRequest(9, 5)]
CARD_STATES = (None, "pending", "activated", "discarded", "expired", "bogus")
SALES_STATES = (None, "unsold", "sold", "not_for_sale")
V1_EXPIRES = T0 + 30 * DAY + 21 * MINUTE  # v1 was activated at T0 + 21 minutes


def moments(s: Scenario) -> dict[str, dt.datetime]:
    """When to ask: at the start, during the sales, at the end; once the first window end has
    passed but not the edited one; once it has; just before and at v1's own end (30 days from
    its activation); and when every validity has ended."""
    return {
        "start": s.times["start"],
        "sales": s.times["sales"],
        "end": s.times["end"],
        "dropped over": T0 + 5 * DAY,
        "window over": T0 + 12 * DAY,
        "before v1 ends": V1_EXPIRES - dt.timedelta(microseconds=1),
        "v1 ends": V1_EXPIRES,
        "all over": T0 + 60 * DAY,
    }


class SeededGiftCards:
    """The fixtures of the gift-card query suites: ``seeded`` runs the scenario on ``backend``
    (which subclasses provide) and on ``reference``, a ``memory://`` :class:`SqlBackend` the
    backend must answer exactly as. A subclass whose backend is itself our SQL on SQLite
    overrides ``reference`` to return ``None``: the backend is its own reference, and the
    suites' anchors pin what the answers are."""

    @pytest_asyncio.fixture
    async def reference(self) -> AsyncIterator[Backend | None]:
        reference = SqlBackend(ids=CountingIds())
        yield reference
        await reference.close()

    @pytest_asyncio.fixture
    async def seeded(self, backend: Backend, reference: Backend | None) -> Seeded:
        backend.ids = CountingIds()
        actual = await run_scenario(backend)
        if reference is not None:
            # the same ids, numbers and times on both sides
            assert await run_scenario(reference) == actual
        return reference or backend, backend, actual
