"""Contract of ``GiftCardQueries`` on SQLite and PostgreSQL: each answers exactly like a
``memory://`` reference (the same SQL on an in-memory SQLite database; anchors pin the answers
themselves) for the same cards, seeded through the real message bus with
deterministic ids on both sides, at several moments — before and after validity windows and
days-from-activation validities end, so that expiry on read (GC-4) is compared too."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any

import attrs
import pytest
from shop_testing.contracts.backend import T0, Backend, CountingIds, SqlBackend
from shop_testing.contracts.giftcard_support import (
    DAY,
    GIFT,
    MINUTE,
    O1,
    O2,
    OPS,
    ORDERS,
    OWNER,
    U1,
    U2,
    U3,
    UNKNOWN,
    USERS,
    VANITY_NUMBERS,
    Scenario,
    run_scenario,
)

from shop_app.giftcards import commands as c
from shop_app.giftcards.queries import (
    ActivationFilter,
    ActivationView,
    BatchView,
    CardLookup,
    CardView,
    ExportView,
    GiftCardQueries,
    OperationView,
    UsageFilter,
    UsageView,
)
from shop_app.shared.paging import PageRequest
from shop_domain.giftcards.batch import BatchState
from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.shared.money import Money

Seeded = tuple[Backend, Backend, Scenario]

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


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


class GiftCardQueriesContract:
    """Subclasses provide ``backend``. ``reference`` is a ``memory://`` backend (the same SQL on
    a SQLite database) fed the same commands: PostgreSQL must answer exactly as SQLite does. On
    SQLite the backend is its own reference, and the anchors pin what the answers are."""

    @pytest.fixture
    async def reference(self) -> AsyncIterator[Backend | None]:
        reference = SqlBackend(ids=CountingIds())
        yield reference
        await reference.close()

    @pytest.fixture
    async def seeded(self, backend: Backend, reference: Backend | None) -> Seeded:
        backend.ids = CountingIds()
        actual = await run_scenario(backend)
        if reference is not None:
            # the same ids, numbers and times on both sides
            assert await run_scenario(reference) == actual
        return reference or backend, backend, actual

    # --- batches (GC-1, GC-13) ----------------------------------------------------------------
    @pytest.mark.rule("GC-1")
    @pytest.mark.rule("GC-13")
    async def test_batches_match_the_reference(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.giftcard_queries(), reference.giftcard_queries()
        for batch_id in (*s.batches.values(), UNKNOWN):
            assert await mine.batch(batch_id) == await theirs.batch(batch_id), batch_id
        for state in (None, *(b.value for b in BatchState), "bogus"):
            for paging in PAGES:
                assert await mine.batches(paging, state=state) == await theirs.batches(
                    paging, state=state
                ), (state, paging)
        # anchors: what the answers are, whatever the backend
        listed = await mine.batches(PageRequest())
        assert listed.total == 5
        assert [b.name for b in listed.items] == [
            "Draft",
            "Dropped",
            "Paused",
            "Vanity",
            "Spring gifts 2026",
        ]
        gift = await mine.batch(s.batches["gift"])
        assert gift is not None
        assert (gift.state, gift.kind, gift.mode, gift.requested, gift.generated) == (
            "opened",
            "virtual",
            "generated",
            7,
            7,
        )
        assert (gift.remark, gift.owner, gift.owner_phone, gift.ends_at) == (
            "extended",
            OWNER,
            "13800000000",
            T0 + 12 * DAY,
        )
        assert gift.cards_by_state == {"pending": 4, "activated": 2, "discarded": 1, "sold": 3}
        # created, two chunks, confirmed, opened, edited, cards added: the exports record an
        # event and change nothing, so they make no version
        assert gift.version == 7
        vanity = await mine.batch(s.batches["vanity"])
        assert vanity is not None
        assert (vanity.mode, vanity.days_from_activation, vanity.card_maker) == (
            "given",
            30,
            "PrintCo",
        )
        assert vanity.cards_by_state == {"pending": 1, "activated": 3, "discarded": 0, "sold": 0}
        draft = await mine.batch(s.batches["draft"])
        assert draft is not None
        # created, chunk, add_cards, chunk, cards_generated: one version each
        assert (draft.state, draft.requested, draft.generated, draft.version) == (
            "created",
            5,
            5,
            5,
        )
        paused = await mine.batches(PageRequest(), state="paused")
        assert [b.id for b in paused.items] == [s.batches["paused"]]
        assert await mine.batch(UNKNOWN) is None

    # --- cards (GC-2, GC-4) -------------------------------------------------------------------
    @pytest.mark.rule("GC-2")
    @pytest.mark.rule("GC-4")
    async def test_cards_match_the_reference_at_every_moment(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.giftcard_queries(), reference.giftcard_queries()
        whole = PageRequest(page_size=50)
        for name, now in moments(s).items():
            for batch_id in (*s.batches.values(), UNKNOWN):
                asked = [
                    *((state, None, whole) for state in CARD_STATES),
                    *((None, sales, whole) for sales in SALES_STATES[1:]),
                    ("pending", "unsold", whole),
                    ("expired", "sold", whole),
                    *((None, None, paging) for paging in PAGES),
                    *(("expired", None, paging) for paging in PAGES[1:3]),
                ]
                for state, sales_state, paging in asked:
                    assert await mine.cards(
                        batch_id, paging, now, state=state, sales_state=sales_state
                    ) == await theirs.cards(
                        batch_id, paging, now, state=state, sales_state=sales_state
                    ), (name, batch_id, state, sales_state, paging)
            for card_id in (*s.card_ids(), UNKNOWN):
                assert await mine.card(card_id, now) == await theirs.card(card_id, now), (
                    name,
                    card_id,
                )

    @pytest.mark.rule("GC-4")
    async def test_expiry_is_applied_on_read(self, seeded: Seeded) -> None:
        _, backend, s = seeded
        queries = backend.giftcard_queries()

        async def states(batch: str, now: dt.datetime) -> list[str]:
            page = await queries.cards(s.batches[batch], PageRequest(page_size=50), now)
            return [card.state for card in page.items]

        # by number: 6100…1 (g1) … 6100…6 (g6), then the added 77777777
        end = s.times["end"]
        assert await states("gift", end) == [
            "activated",
            "pending",
            "pending",
            "activated",
            "discarded",
            "pending",
            "pending",
        ]
        # the edited window end (T0 + 12 days), not the first one, ends them; discarded stays
        over = T0 + 12 * DAY
        assert await states("gift", over - dt.timedelta(microseconds=1)) == await states(
            "gift", end
        )
        assert await states("gift", over) == ["expired"] * 4 + ["discarded"] + ["expired"] * 2
        expired = await queries.cards(s.batches["gift"], PageRequest(), over, state="expired")
        assert expired.total == 6
        pending = await queries.cards(s.batches["gift"], PageRequest(), over, state="pending")
        assert pending.total == 0
        # days from activation: each activated card ends 30 days after its own activation;
        # a pending card has no end yet (by number: 12345678, 520520520, 66666666, 88888888)
        before = await queries.card(s.cards["v1"], V1_EXPIRES - dt.timedelta(microseconds=1))
        at = await queries.card(s.cards["v1"], V1_EXPIRES)
        assert before is not None
        assert at is not None
        assert (before.state, at.state) == ("activated", "expired")
        assert at.valid_from == T0 + 21 * MINUTE
        assert at.valid_until == V1_EXPIRES
        assert await states("vanity", T0 + 60 * DAY) == ["expired", "pending", "expired", "expired"]
        # the batch of the discarded batch still expires by its window; open-ended never does
        assert await states("dropped", T0 + 5 * DAY) == ["expired"]
        assert await states("paused", T0 + 60 * DAY) == ["pending", "pending"]
        assert await states("draft", T0 + 60 * DAY) == ["pending"] * 5
        # stored counts are not effective states
        gift = await queries.batch(s.batches["gift"])
        assert gift is not None
        assert gift.cards_by_state["pending"] == 4

    @pytest.mark.rule("GC-2")
    async def test_card_view_fields(self, seeded: Seeded) -> None:
        _, backend, s = seeded
        queries = backend.giftcard_queries()
        g1 = await queries.card(s.cards["g1"], s.times["end"])
        assert g1 is not None
        assert (g1.number, g1.batch_name, g1.kind, g1.batch_state) == (
            GIFT[0],
            "Spring gifts 2026",
            "virtual",
            "opened",
        )
        assert (g1.face_value, g1.balance, g1.state, g1.sales_state) == (
            cny("100.00"),
            cny("10.00"),
            "activated",
            "sold",
        )
        assert (g1.user_id, g1.buyer_id, g1.activated_by, g1.phone) == (
            U1,
            U1,
            f"user:{U1}",
            None,
        )
        assert (g1.valid_from, g1.valid_until) == (T0, T0 + 12 * DAY)
        v2 = await queries.card(s.cards["v2"], s.times["end"])
        assert v2 is not None
        assert (v2.user_id, v2.phone, v2.activated_by, v2.sales_state, v2.kind) == (
            None,
            "13900000000",
            OPS,
            "not_for_sale",
            "physical",
        )
        v1 = await queries.card(s.cards["v1"], s.times["end"])
        assert v1 is not None
        assert v1.version == 4  # added, activated, spent, refunded; showing the secret is no write
        v4 = await queries.card(s.cards["v4"], s.times["end"])
        assert v4 is not None
        assert (v4.state, v4.valid_from, v4.valid_until) == ("pending", None, None)
        sold = await queries.cards(
            s.batches["gift"], PageRequest(), s.times["end"], sales_state="sold"
        )
        assert [c.id for c in sold.items] == [s.cards["g1"], s.cards["g2"], s.cards["g3"]]
        assert await queries.card(UNKNOWN, s.times["end"]) is None

    # --- customers (GC-5, GC-6) ---------------------------------------------------------------
    async def test_user_cards_and_purchases_match_the_reference(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.giftcard_queries(), reference.giftcard_queries()
        for name, now in moments(s).items():
            for user in (*USERS, UNKNOWN):
                for paging in PAGES:
                    assert await mine.user_cards(user, now, paging) == await theirs.user_cards(
                        user, now, paging
                    ), (name, user, paging)
                assert await mine.purchased(user, now) == await theirs.purchased(user, now), (
                    name,
                    user,
                )
        end = s.times["end"]
        bound = await mine.user_cards(U1, end, PageRequest())
        assert [c.id for c in bound.items] == [s.cards["v1"], s.cards["g1"]]  # newest first
        assert [c.id for c in await mine.purchased(U1, end)] == [s.cards["g2"]]
        assert [c.id for c in await mine.purchased(U2, end)] == [s.cards["g3"]]
        assert await mine.purchased(U3, end) == []
        later = await mine.user_cards(U1, T0 + 60 * DAY, PageRequest())
        assert [c.state for c in later.items] == ["expired", "expired"]

    # --- records (GC-8, GC-9) -----------------------------------------------------------------
    @pytest.mark.rule("GC-9")
    async def test_activations_match_the_reference(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.giftcard_queries(), reference.giftcard_queries()
        sales = s.times["sales"]
        filters = [
            ActivationFilter(),
            *(ActivationFilter(batch_id=b) for b in s.batches.values()),
            *(ActivationFilter(user_id=u) for u in (*USERS, UNKNOWN)),
            ActivationFilter(number=VANITY_NUMBERS[0]),
            ActivationFilter(number="8888 8888"),
            ActivationFilter(number=GIFT[0]),
            ActivationFilter(number="000000"),
            *(ActivationFilter(via=v) for v in ("self", "manual", "purchase", "bogus")),
            ActivationFilter(since=sales + 5 * MINUTE),
            ActivationFilter(until=sales + 5 * MINUTE),
            ActivationFilter(since=sales + 4 * MINUTE, until=sales + 7 * MINUTE),
            ActivationFilter(batch_id=s.batches["vanity"], via="manual", user_id=U2),
        ]
        for name in ("sales", "end", "window over", "all over"):
            now = moments(s)[name]
            for activation_filter in filters:
                for paging in PAGES[:3]:
                    assert await mine.activations(
                        paging, now, activation_filter
                    ) == await theirs.activations(paging, now, activation_filter), (
                        name,
                        activation_filter,
                        paging,
                    )
        every = await mine.activations(PageRequest(), s.times["end"])
        assert every.total == 5
        assert [(a.number, a.via, a.actor, a.user_id, a.phone) for a in every.items] == [
            (GIFT[3], "self", f"user:{U3}", U3, None),
            ("12345678", "manual", OPS, U2, None),
            ("66666666", "manual", OPS, None, "13900000000"),
            ("88888888", "self", f"user:{U1}", U1, None),
            (GIFT[0], "purchase", f"user:{U1}", U1, None),
        ]
        assert {a.amount for a in every.items} == {cny("100.00"), cny("200.00")}
        assert [a.card_state for a in every.items] == ["activated"] * 5
        later = await mine.activations(PageRequest(), T0 + 60 * DAY)
        assert [a.card_state for a in later.items] == ["expired"] * 5
        v1 = await mine.activations(
            PageRequest(), s.times["end"], ActivationFilter(number="8888-8888")
        )
        assert [(a.card_id, a.batch_name) for a in v1.items] == [(s.cards["v1"], "Vanity")]

    @pytest.mark.rule("GC-8")
    async def test_usages_match_the_reference(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.giftcard_queries(), reference.giftcard_queries()
        orders = s.times["orders"]
        filters = [
            UsageFilter(),
            *(UsageFilter(batch_id=b) for b in s.batches.values()),
            *(UsageFilter(card_id=card) for card in (s.cards["g1"], s.cards["v1"], UNKNOWN)),
            *(UsageFilter(user_id=u) for u in USERS),
            *(UsageFilter(order_id=o) for o in (*ORDERS, UNKNOWN)),
            *(UsageFilter(state=st) for st in ("valid", "partially_refunded", "invalid")),
            UsageFilter(since=orders + MINUTE),
            UsageFilter(until=orders + MINUTE),
            UsageFilter(since=orders, until=orders + 2 * MINUTE),
            UsageFilter(user_id=U1, state="valid"),
        ]
        for usage_filter in filters:
            for paging in PAGES:
                assert await mine.usages(paging, usage_filter) == await theirs.usages(
                    paging, usage_filter
                ), (usage_filter, paging)
        every = await mine.usages(PageRequest())
        assert every.total == 5
        assert [(u.order_id, u.number, u.amount, u.restored, u.state) for u in every.items] == [
            (ORDERS[3], GIFT[0], cny("10.00"), cny("0.00"), "valid"),
            (ORDERS[2], GIFT[3], cny("20.00"), cny("0.00"), "valid"),
            (O2, "12345678", cny("30.00"), cny("30.00"), "invalid"),
            (O1, "88888888", cny("50.00"), cny("10.00"), "partially_refunded"),
            (O1, GIFT[0], cny("100.00"), cny("20.00"), "partially_refunded"),
        ]
        o1 = await mine.usages(PageRequest(), UsageFilter(order_id=O1))
        assert {u.sub_order_id for u in o1.items} == {"S1"}
        assert all(
            u.tender == {"cash": cny("50.00"), "points": cny("5.00"), "gift_cards": cny("150.00")}
            for u in o1.items
        )
        o2 = await mine.usages(PageRequest(), UsageFilter(order_id=O2))
        assert [(u.tender, u.sub_order_id, u.user_id) for u in o2.items] == [(None, None, U2)]

    # --- history (GC-10) ----------------------------------------------------------------------
    @pytest.mark.rule("GC-10")
    async def test_history_matches_the_reference(self, seeded: Seeded) -> None:
        reference, backend, s = seeded
        mine, theirs = backend.giftcard_queries(), reference.giftcard_queries()
        pages = [*PAGES, PageRequest(1, 1), PageRequest(2, 1), PageRequest(1, 200)]
        for paging in pages:
            assert await mine.history(paging) == await theirs.history(paging), paging
            for batch_id in (*s.batches.values(), UNKNOWN):
                assert await mine.history(paging, batch_id=batch_id) == await theirs.history(
                    paging, batch_id=batch_id
                ), (batch_id, paging)
            for card_id in (*s.card_ids(), UNKNOWN):
                assert await mine.history(paging, card_id=card_id) == await theirs.history(
                    paging, card_id=card_id
                ), (card_id, paging)
            for batch_id, card_id in (
                (s.batches["gift"], s.cards["g1"]),
                (s.batches["vanity"], s.cards["g1"]),
            ):
                assert await mine.history(
                    paging, batch_id=batch_id, card_id=card_id
                ) == await theirs.history(paging, batch_id=batch_id, card_id=card_id)

    @pytest.mark.rule("GC-10")
    async def test_history_of_a_card_starts_with_its_creation(self, seeded: Seeded) -> None:
        _, backend, s = seeded
        queries = backend.giftcard_queries()
        g1 = await queries.history(PageRequest(page_size=50), card_id=s.cards["g1"])
        assert [(o.action, o.actor) for o in g1.items] == [
            ("create", "system"),
            ("sell", "orders"),
            ("activate", f"user:{U1}"),
            ("spend", f"user:{U1}"),
            ("refund", "orders"),
            ("spend", f"user:{U1}"),
        ]
        assert g1.total == 6
        created = g1.items[0]
        assert (created.id, created.card_id, created.number, created.batch_id) == (
            s.cards["g1"],
            s.cards["g1"],
            GIFT[0],
            s.batches["gift"],
        )
        assert created.at == T0 + 2 * MINUTE  # written by the first chunk
        assert created.detail == {"batch_id": str(s.batches["gift"])}
        assert [o.at for o in g1.items] == sorted(o.at for o in g1.items)
        sold = g1.items[1]
        assert sold.detail == {"buyer_id": str(U1), "sale_ref": "sale-1"}
        refund = g1.items[4]
        assert refund.detail["usage_state"] == "partially_refunded"
        assert refund.detail["amount"] == {"minor": 2000, "currency": "CNY"}
        # the synthesized entry counts in the total and takes the first place of page one
        second = await queries.history(PageRequest(2, 4), card_id=s.cards["g1"])
        assert ([o.action for o in second.items], second.total) == (["refund", "spend"], 6)
        first = await queries.history(PageRequest(1, 1), card_id=s.cards["g1"])
        assert [o.action for o in first.items] == ["create"]
        # a card whose batch is another: nothing
        elsewhere = await queries.history(
            PageRequest(), batch_id=s.batches["vanity"], card_id=s.cards["g1"]
        )
        assert (elsewhere.items, elsewhere.total) == ((), 0)
        untouched = await queries.history(PageRequest(), card_id=s.cards["d1"])
        assert [o.action for o in untouched.items] == ["create"]
        assert (await queries.history(PageRequest(), card_id=UNKNOWN)).total == 0

    @pytest.mark.rule("GC-10")
    @pytest.mark.rule("GC-13")
    async def test_history_of_a_batch_holds_its_own_and_its_cards_entries(
        self, seeded: Seeded
    ) -> None:
        _, backend, s = seeded
        queries = backend.giftcard_queries()
        vanity = await queries.history(PageRequest(page_size=50), batch_id=s.batches["vanity"])
        assert [(o.action, o.number) for o in vanity.items] == [
            ("create", None),
            ("cards_generated", None),
            ("open", None),
            ("secret_viewed", "88888888"),
            ("activate", "88888888"),
            ("activate", "66666666"),
            ("activate", "12345678"),
            ("spend", "88888888"),
            ("spend", "12345678"),
            ("refund", "88888888"),
            ("refund", "12345678"),
            ("pause", None),
            ("resume", None),
            ("export", None),
        ]
        assert vanity.total == 14
        assert all(o.batch_id == s.batches["vanity"] for o in vanity.items)
        created = vanity.items[0]
        assert created.detail == {
            "name": "Vanity",
            "kind": "physical",
            "mode": "given",
            "face_value": {"minor": 20000, "currency": "CNY"},
            "count": 4,
            "owner": "bob",
        }
        gift = await queries.history(PageRequest(page_size=50), batch_id=s.batches["gift"])
        edits = [o for o in gift.items if o.action == "edit"]
        assert [o.detail for o in edits] == [
            {
                "changes": {
                    "name": ["Spring gifts", "Spring gifts 2026"],
                    "remark": ["spring", "extended"],
                    "ends_at": [
                        (T0 + 10 * DAY).isoformat(),
                        (T0 + 12 * DAY).isoformat(),
                    ],
                }
            }
        ]
        added = [o.detail for o in gift.items if o.action == "add_cards"]
        assert added == [{"count": 1, "requested": 7}]
        exports = [o.detail for o in gift.items if o.action == "export"]
        assert exports == [
            {"export_id": str(s.exports["chosen"]), "cards": 2, "whole_batch": False},
            {"export_id": str(s.exports["failed"]), "cards": 7, "whole_batch": True},
        ]
        everything = await queries.history(PageRequest(page_size=200))
        assert everything.total == sum(
            [(await queries.history(PageRequest(), batch_id=b)).total for b in s.batches.values()]
        )
        assert all(o.action != "create" or o.card_id is None for o in everything.items)

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


class TestSqliteGiftCardQueries(GiftCardQueriesContract):
    @pytest.fixture
    def backend(self, sqlite_backend: Backend) -> Backend:
        return sqlite_backend

    @pytest.fixture
    def reference(self) -> Backend | None:
        return None  # SQLite is the reference itself


@pytest.mark.postgres
class TestPostgresGiftCardQueries(GiftCardQueriesContract):
    @pytest.fixture
    def backend(self, postgres_backend: Backend) -> Backend:
        return postgres_backend
