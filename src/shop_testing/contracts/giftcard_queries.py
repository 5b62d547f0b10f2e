"""Contract of ``GiftCardQueries``: a backend answers exactly like the ``memory://`` reference
(our SQL on a SQLite database of its own; anchors pin the answers themselves) for the same
cards, seeded through the real message bus with deterministic ids on both sides, at several
moments — before and after validity windows and days-from-activation validities end, so that
expiry on read (GC-4) is compared too. The suite is the union of three: batches and cards
(here), records and history (``giftcard_history``), lookup, exports and secrets
(``giftcard_lookup``)."""

from __future__ import annotations

import datetime as dt

import pytest

from shop_app.shared.paging import PageRequest
from shop_domain.giftcards.batch import BatchState
from shop_testing.contracts.backend import T0
from shop_testing.contracts.giftcard_history import GiftCardRecordQueriesContract
from shop_testing.contracts.giftcard_lookup import GiftCardLookupQueriesContract
from shop_testing.contracts.giftcard_scenario import (
    CARD_STATES,
    GIFT,
    PAGES,
    SALES_STATES,
    V1_EXPIRES,
    Seeded,
    SeededGiftCards,
    moments,
)
from shop_testing.contracts.giftcard_support import (
    DAY,
    MINUTE,
    OPS,
    OWNER,
    U1,
    U2,
    U3,
    UNKNOWN,
    USERS,
    cny,
)


class GiftCardCardQueriesContract(SeededGiftCards):
    """Batches, cards and what customers hold. Subclasses provide ``backend``."""

    pytestmark = [pytest.mark.asyncio]

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
            "+8613900000000",
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
        # with the user's verified phone, the cards bound to that number are theirs too (GC-5)
        phone = "+8613900000000"  # v2's, as the operator's "13900000000" is kept
        for user in (*USERS, UNKNOWN):
            for paging in PAGES:
                assert await mine.user_cards(
                    user, end, paging, phone=phone
                ) == await theirs.user_cards(user, end, paging, phone=phone), (user, paging)
        held = await mine.user_cards(U1, end, PageRequest(), phone=phone)
        assert {c.id for c in held.items} == {s.cards["v1"], s.cards["g1"], s.cards["v2"]}
        assert held.total == 3
        times = [c.activated_at for c in held.items]
        assert times == sorted(times, key=lambda t: (t is not None, t), reverse=True)
        only_phone = await mine.user_cards(UNKNOWN, end, PageRequest(), phone=phone)
        assert [c.id for c in only_phone.items] == [s.cards["v2"]]
        elsewhere = await mine.user_cards(UNKNOWN, end, PageRequest(), phone="+8613900000001")
        assert elsewhere.total == 0


class GiftCardQueriesContract(
    GiftCardCardQueriesContract, GiftCardRecordQueriesContract, GiftCardLookupQueriesContract
):
    """``GiftCardQueries``, whole. Subclasses provide the ``backend`` fixture; see
    :class:`SeededGiftCards` for ``reference``."""
