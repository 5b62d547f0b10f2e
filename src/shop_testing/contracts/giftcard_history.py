"""Contract of the gift cards' records and history queries (GC-8, GC-9, GC-10) against the
reference."""

from __future__ import annotations

import pytest

from shop_app.giftcards.queries import (
    ActivationFilter,
    UsageFilter,
)
from shop_app.shared.paging import PageRequest
from shop_testing.contracts.backend import T0
from shop_testing.contracts.giftcard_scenario import (
    GIFT,
    PAGES,
    VANITY_NUMBERS,
    Seeded,
    SeededGiftCards,
    moments,
)
from shop_testing.contracts.giftcard_support import (
    DAY,
    MINUTE,
    O1,
    O2,
    OPS,
    ORDERS,
    U1,
    U2,
    U3,
    UNKNOWN,
    USERS,
    cny,
)


class GiftCardRecordQueriesContract(SeededGiftCards):
    """Activations, usages and the operation history. Subclasses provide ``backend``."""

    pytestmark = [pytest.mark.asyncio]

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
            ("66666666", "manual", OPS, None, "+8613900000000"),
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
