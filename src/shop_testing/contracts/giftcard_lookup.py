"""Contract of the gift cards' lookup (GC-14) and export queries (GC-12) against the reference,
and of what no answer may hold: a secret (GC-11)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from shop_app.giftcards import commands as c
from shop_app.giftcards.queries import (
    ActivationView,
    BatchView,
    CardLookup,
    CardView,
    ExportView,
    GiftCardQueries,
    OperationView,
    UsageView,
)
from shop_app.shared.paging import PageRequest
from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.sealed import SealedSecret
from shop_testing.contracts.backend import T0
from shop_testing.contracts.giftcard_scenario import (
    GIFT,
    PAGES,
    Scenario,
    Seeded,
    SeededGiftCards,
    moments,
)
from shop_testing.contracts.giftcard_support import (
    DAY,
    O1,
    OPS,
    ORDERS,
    OWNER,
    U1,
    UNKNOWN,
    USERS,
)


class GiftCardLookupQueriesContract(SeededGiftCards):
    """The lookup, exports and secrets. Subclasses provide ``backend``."""

    pytestmark = [pytest.mark.asyncio]

    # --- lookup (GC-14) -----------------------------------------------------------------------
    @pytest.mark.rule("GC-14")
    async def test_lookup_matches_the_reference(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.giftcard_queries(), reference.giftcard_queries()
        for name in ("sales", "end", "window over", "v1 ends", "all over"):
            now = moments(s)[name]
            for number in (*s.numbers.values(), "8888 8888", "8888-8888", GIFT[6], "123"):
                assert await mine.lookup(number, now) == await theirs.lookup(number, now), (
                    name,
                    number,
                )

    @pytest.mark.rule("GC-14")
    async def test_lookup_tells_everything_about_a_card(self, seeded: Seeded) -> None:
        _, backend, s = seeded
        queries = backend.giftcard_queries()
        end = s.times["end"]
        found = await queries.lookup("8888 8888", end)
        assert found is not None
        assert found.card == await queries.card(s.cards["v1"], end)
        assert found.batch == await queries.batch(s.batches["vanity"])
        assert found.activation is not None
        assert (found.activation.via, found.activation.user_id, found.activation.card_state) == (
            "self",
            U1,
            "activated",
        )
        assert [(u.order_id, u.state) for u in found.usages] == [(O1, "partially_refunded")]
        assert [o.action for o in found.operations] == [
            "create",
            "secret_viewed",
            "activate",
            "spend",
            "refund",
        ]
        history = await queries.history(PageRequest(page_size=50), card_id=s.cards["v1"])
        assert found.operations == history.items
        g1 = await queries.lookup(GIFT[0], end)
        assert g1 is not None
        assert [u.order_id for u in g1.usages] == [ORDERS[3], O1]  # newest first
        pending = await queries.lookup(GIFT[5], end)
        assert pending is not None
        assert (pending.activation, pending.usages) == (None, ())
        assert [o.action for o in pending.operations] == ["create"]
        expired = await queries.lookup(GIFT[0], T0 + 12 * DAY)
        assert expired is not None
        assert expired.card.state == "expired"
        assert expired.activation is not None
        assert expired.activation.card_state == "expired"
        assert await queries.lookup(GIFT[6], end) is None  # never written: the batch was full
        assert await queries.lookup("0000", end) is None

    # --- exports (GC-12) ----------------------------------------------------------------------
    async def test_exports_match_the_reference(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.giftcard_queries(), reference.giftcard_queries()
        for export_id in (*s.exports.values(), UNKNOWN):
            assert await mine.export(export_id) == await theirs.export(export_id)
        for batch_id in (*s.batches.values(), UNKNOWN):
            for paging in PAGES:
                assert await mine.exports(batch_id, paging) == await theirs.exports(
                    batch_id, paging
                )
        gift = await mine.exports(s.batches["gift"], PageRequest())
        assert [(e.state, e.whole_batch, e.chosen, e.rows) for e in gift.items] == [
            ("failed", True, None, 0),
            ("ready", False, 2, 2),
        ]
        failed, ready = gift.items
        assert (failed.error, failed.file_name, failed.requested_by) == ("disk full", None, OWNER)
        assert (ready.file_name, ready.error) == ("gift-chosen.xlsx", None)
        assert ready.finished_at is not None
        assert ready.finished_at > ready.created_at
        queued = await mine.export(s.exports["queued"])
        assert queued is not None
        assert (queued.state, queued.finished_at, queued.batch_id) == (
            "queued",
            None,
            s.batches["vanity"],
        )
        assert await mine.export(UNKNOWN) is None

    # --- secrets (GC-11) ----------------------------------------------------------------------
    @pytest.mark.rule("GC-11")
    async def test_no_view_holds_a_secret(self, seeded: Seeded) -> None:
        _, backend, s = seeded
        for view in (
            BatchView,
            CardView,
            ActivationView,
            UsageView,
            OperationView,
            CardLookup,
            ExportView,
        ):
            names = {f.name for f in attrs.fields(view)}
            assert not {n for n in names if "secret" in n or "password" in n}, view
        # what the storage holds, sealed, and every secret the scenario knows in plain
        bus = backend.giftcard_bus()
        for label in ("v2", "v3", "v4", "a1"):
            shown = await bus.handle(c.RevealSecret(card_id=s.cards[label], actor=OPS))
            s.secrets[label] = shown.secret
        sealed: list[SealedSecret] = []
        async with backend.uow() as uow:
            for card_id in s.card_ids():
                card: GiftCard = await uow.giftcards.get(card_id)
                sealed.append(card.secret)
        assert len(s.secrets) == len(s.cards)
        texts = {*s.secrets.values(), *(x.lower() for x in s.secrets.values())}
        texts |= {"password-1", "password-2", "password-3"}
        blobs = [x.blob for x in sealed]
        texts |= {x.blob.hex() for x in sealed}
        # every answer of every query
        queries = backend.giftcard_queries()
        answers = await everything(queries, s)
        for value in walk(answers):
            assert not isinstance(value, SealedSecret | bytes | bytearray | memoryview), value
            if isinstance(value, str):
                assert not any(t in value for t in texts), value
        assert all(b not in repr(answers).encode() for b in blobs)
        # nor the messages sent out
        for row in await backend.outbox():
            for value in walk(row.payload):
                if isinstance(value, str):
                    assert not any(t in value for t in texts), (row.type, value)


async def everything(queries: GiftCardQueries, s: Scenario) -> list[Any]:
    """Every query's answer over the whole scenario."""
    now, big = s.times["end"], PageRequest(page_size=200)
    answers: list[Any] = [
        await queries.batches(big),
        await queries.activations(big, now),
        await queries.usages(big),
        await queries.history(big),
    ]
    for batch_id in s.batches.values():
        answers += [
            await queries.batch(batch_id),
            await queries.cards(batch_id, big, now),
            await queries.exports(batch_id, big),
            await queries.history(big, batch_id=batch_id),
        ]
    for card_id in s.card_ids():
        answers += [await queries.card(card_id, now), await queries.history(big, card_id=card_id)]
    for number in s.numbers.values():
        answers.append(await queries.lookup(number, now))
    for user in USERS:
        answers += [await queries.user_cards(user, now, big), await queries.purchased(user, now)]
    for export_id in s.exports.values():
        answers.append(await queries.export(export_id))
    return answers


def walk(value: Any) -> Iterator[Any]:
    """Every value inside ``value`` (attrs instances, mappings, sequences), ``value`` too."""
    yield value
    if attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from walk(getattr(value, field.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from walk(key)
            yield from walk(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from walk(item)
