"""One gift-card batch and its cards driven through random command sequences, purely through the
domain, against a simple model.

The batch is opened, paused, resumed and discarded by its owner, a holder of the open
permission or a clerk who holds neither (GC-3); cards are activated and discarded (GC-4, GC-5);
orders are paid with several cards through ``plan_spend`` + ``GiftCard.spend`` +
``CardUsage.record_spend`` on working copies of the cards, kept only when every card paid, as a
unit of work would (GC-7); orders are given back whole or in part through ``plan_restore`` +
``CardUsage.give_back`` + ``GiftCard.restore`` (GC-8, MON-3); and time passes, past the end of
the validity too. The batch is valid in a fixed window or for some days from activation.

Checked at every step: every outcome, success or refusal and its code, is the one the model
predicts on its own; every balance stays within 0..face value; what was spent less what was
restored is exactly what the cards are missing; every card, usage and the batch are in the state
the model says. A last test plants a bug (a card spendable while its batch is not open) and
checks the machine finds it.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import uuid
from collections.abc import Callable
from fractions import Fraction

import attrs
import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from shop_domain.giftcards import events as ev
from shop_domain.giftcards.batch import (
    BatchDefinition,
    BatchState,
    CreationMode,
    GiftCardBatch,
    Validity,
)
from shop_domain.giftcards.card import ActivationVia, CardState, GiftCard
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.giftcards.usage import (
    CardUsage,
    RestoreReason,
    UsageState,
    plan_restore,
    plan_spend,
)
from shop_domain.shared import DomainError, Money
from shop_testing.strategies import batch_definitions

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
STARTS = T0 + dt.timedelta(hours=6)
"""A fixed window starts after the clock does: early spends are not yet valid."""
ENDS = T0 + dt.timedelta(days=20)
DAYS = 5
"""Validity of a card of a relative batch, from its activation."""
CARDS = 4
OWNER, KEYHOLDER, CLERK = "op-owner", "op-keyholder", "op-clerk"
USERS = [uuid.UUID(int=n) for n in range(1, 3)]
SEALED = SealedSecret("k1", b"sealed elsewhere")

actors = st.sampled_from([OWNER, KEYHOLDER, CLERK])
card_index = st.integers(min_value=0, max_value=CARDS - 1)
users = st.sampled_from(USERS)


def one_in(n: int) -> st.SearchStrategy[bool]:
    """True about once in ``n`` draws: for moves that end a run's interest (discarding the
    batch) or refusals that would otherwise be checked over and over."""
    return st.integers(min_value=0, max_value=n - 1).map(lambda k: k == n // 2)


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


@attrs.define
class ExpectedCard:
    """What the model knows about one card."""

    balance: int
    state: str = "pending"
    user: uuid.UUID | None = None
    activated_at: dt.datetime | None = None


@attrs.define
class ExpectedUsage:
    card: int
    amount: int
    restored: int = 0

    @property
    def remaining(self) -> int:
        return self.amount - self.restored

    @property
    def state(self) -> UsageState:
        if self.restored == 0:
            return UsageState.VALID
        return UsageState.INVALID if self.remaining == 0 else UsageState.PARTIALLY_REFUNDED


class GiftCardMachine(RuleBasedStateMachine):
    card_type: type[GiftCard] = GiftCard

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.counter = itertools.count(1)
        self.spent = 0
        self.restored = 0
        self.orders: dict[uuid.UUID, list[CardUsage]] = {}
        self.expected_usages: dict[uuid.UUID, ExpectedUsage] = {}

    def new_id(self) -> uuid.UUID:
        """Ids in creation order, so that a replay makes the same choices."""
        return uuid.UUID(int=next(self.counter))

    # --- set-up -------------------------------------------------------------------------------
    @initialize(
        relative=st.booleans(),
        drawn=batch_definitions(T0, currency="CNY", max_face_minor=10_000),
        created=one_in(4),
        holders=st.lists(st.sampled_from([*USERS, None]), min_size=CARDS, max_size=CARDS),
        hours=st.integers(min_value=0, max_value=12),
        data=st.data(),
    )
    def create_batch(
        self,
        relative: bool,
        drawn: BatchDefinition,
        created: bool,
        holders: list[uuid.UUID | None],
        hours: int,
        data: st.DataObject,
    ) -> None:
        """A batch of :data:`CARDS` cards as the kit defines one (any kind, name, face value
        up to 100 yuan…) with the validity and owner the model counts on; most often opened by
        its owner with some cards bound and a first order paid at once (so that every run has
        something to restore); otherwise left as created."""
        self.relative = relative
        self.face = drawn.face_value.minor
        validity = (
            Validity(days_from_activation=DAYS)
            if relative
            else Validity(starts_at=STARTS, ends_at=ENDS)
        )
        definition = attrs.evolve(drawn, validity=validity, owner=OWNER)
        self.batch = GiftCardBatch.create(
            id=self.new_id(),
            definition=definition,
            mode=CreationMode.GENERATED,
            count=CARDS,
            created_by=OWNER,
            now=T0,
        )
        self.cards = [
            self.card_type.new(
                id=self.new_id(), batch=self.batch, number=f"{n:016d}", secret=SEALED, now=T0
            )
            for n in range(1, CARDS + 1)
        ]
        self.batch.cards_written(CARDS, now=T0)
        self.batch.pull_events()
        self.batch_state = "created"
        self.model = [ExpectedCard(balance=self.face) for _ in range(CARDS)]
        if not created:
            self.open_batch(OWNER)
            for index, holder in enumerate(holders):
                if holder is not None:
                    self.activate_card(index, holder, ActivationVia.MANUAL)
            self.now += dt.timedelta(hours=hours)
            self.spend(USERS[0], True, data)

    # --- the model ----------------------------------------------------------------------------
    def window(self, index: int) -> tuple[dt.datetime | None, dt.datetime | None]:
        if not self.relative:
            return STARTS, ENDS
        activated = self.model[index].activated_at
        if activated is None:
            return None, None
        return activated, activated + dt.timedelta(days=DAYS)

    def expired(self, index: int) -> bool:
        until = self.window(index)[1]
        return until is not None and self.now >= until

    def not_yet_valid(self, index: int) -> bool:
        valid_from = self.window(index)[0]
        return valid_from is not None and self.now < valid_from

    def spend_refusal(self, index: int, user: uuid.UUID) -> str | None:
        """GC-7's rules in their order, the balance aside (the plan never passes it)."""
        expected = self.model[index]
        if self.batch_state != "opened":
            return "giftcard.batch_not_open"
        if expected.state == "discarded":
            return "giftcard.card_discarded"
        if expected.state != "activated":
            return "giftcard.not_activated"
        if self.not_yet_valid(index):
            return "giftcard.not_yet_valid"
        if self.expired(index):
            return "giftcard.expired"
        if expected.user != user:
            return "giftcard.not_owner"
        return None

    def effective(self, index: int) -> str:
        state = self.model[index].state
        return "expired" if state != "discarded" and self.expired(index) else state

    def pulled(self, *aggregates: object) -> list[ev.GiftCardEvent]:
        events: list[ev.GiftCardEvent] = []
        for aggregate in aggregates:
            events.extend(aggregate.pull_events())  # type: ignore[attr-defined]
        return events

    def open_orders(self) -> list[uuid.UUID]:
        return sorted(
            order
            for order, usages in self.orders.items()
            if any(self.expected_usages[u.id].remaining for u in usages)
        )

    # --- the batch (GC-3) ---------------------------------------------------------------------
    def _expect(self, call: Callable[[], object], refusal: str | None) -> DomainError | None:
        """Run ``call``; it must be refused with the code ``refusal``, or succeed if None."""
        error: DomainError | None = None
        try:
            call()
        except DomainError as exc:
            error = exc
        if refusal is None:
            assert error is None, f"refused with {error!r} but the model expected a success"
        else:
            assert error is not None, f"succeeded but the model expected {refusal}"
            assert error.code == refusal, (error, refusal)
        return error

    @precondition(lambda self: self.batch_state != "paused")
    @rule(actor=actors, check=one_in(4))
    def open_batch(self, actor: str, check: bool = True) -> None:
        if not check and self.batch_state != "created":
            return  # an open or discarded batch is refused: check it now and then
        refusal = (
            "giftcard.key_required"
            if actor == CLERK
            else None
            if self.batch_state == "created"
            else "giftcard.batch_state"
        )
        self._expect(
            lambda: self.batch.open(
                actor=actor, has_open_permission=actor == KEYHOLDER, now=self.now
            ),
            refusal,
        )
        if refusal is None:
            self.batch_state = "opened"
            assert [type(e) for e in self.pulled(self.batch)] == [ev.BatchOpened]
        assert self.pulled(self.batch) == []

    @precondition(lambda self: self.batch_state == "paused")
    @rule(actor=actors)
    def resume_batch(self, actor: str) -> None:
        refusal = "giftcard.key_required" if actor == CLERK else None
        self._expect(
            lambda: self.batch.open(
                actor=actor, has_open_permission=actor == KEYHOLDER, now=self.now
            ),
            refusal,
        )
        if refusal is None:
            self.batch_state = "opened"
            assert [type(e) for e in self.pulled(self.batch)] == [ev.BatchResumed]
        assert self.pulled(self.batch) == []

    @rule(actor=actors, check=one_in(4))
    def pause_batch(self, actor: str, check: bool) -> None:
        if not check and self.batch_state != "opened":
            return  # refused: check it now and then
        refusal = None if self.batch_state == "opened" else "giftcard.batch_state"
        self._expect(lambda: self.batch.pause(actor=actor, now=self.now), refusal)
        if refusal is None:
            self.batch_state = "paused"
            assert [type(e) for e in self.pulled(self.batch)] == [ev.BatchPaused]

    @rule(actor=actors, really=one_in(16))
    def discard_batch(self, actor: str, really: bool) -> None:
        if not really:  # discarding is final: do it now and then
            return
        refusal = (
            "giftcard.key_required"
            if actor == CLERK
            else "giftcard.batch_state"
            if self.batch_state == "discarded"
            else None
        )
        self._expect(
            lambda: self.batch.discard(
                actor=actor, has_open_permission=actor == KEYHOLDER, now=self.now
            ),
            refusal,
        )
        if refusal is None:
            self.batch_state = "discarded"
            assert [type(e) for e in self.pulled(self.batch)] == [ev.BatchDiscarded]

    # --- cards (GC-4, GC-5) -------------------------------------------------------------------
    @rule(
        index=card_index,
        user=users,
        via=st.sampled_from([ActivationVia.MANUAL, ActivationVia.SELF]),
        check=one_in(4),
    )
    def activate_card(
        self, index: int, user: uuid.UUID, via: ActivationVia, check: bool = True
    ) -> None:
        expected = self.model[index]
        if not check and expected.state != "pending":
            return  # refused: check it now and then
        if self.batch_state != "opened":
            refusal: str | None = "giftcard.batch_not_open"
        elif expected.state == "discarded":
            refusal = "giftcard.card_discarded"
        elif expected.state != "pending":
            refusal = "giftcard.already_activated"
        elif self.expired(index):
            refusal = "giftcard.expired"
        else:
            refusal = None
        card = self.cards[index]
        self._expect(
            lambda: card.activate(
                batch=self.batch, via=via, actor=OWNER, now=self.now, user_id=user
            ),
            refusal,
        )
        if refusal is None:
            expected.state, expected.user, expected.activated_at = "activated", user, self.now
            [activated] = self.pulled(card)
            assert isinstance(activated, ev.CardActivated)
            assert (activated.user_id, activated.amount) == (user, cny(expected.balance))
        assert self.pulled(card) == []

    @rule(index=card_index, really=one_in(6))
    def discard_card(self, index: int, really: bool) -> None:
        if not really:
            return
        expected = self.model[index]
        refusal = "giftcard.card_state" if expected.state == "discarded" else None
        card = self.cards[index]
        self._expect(lambda: card.discard(reason="", actor=OWNER, now=self.now), refusal)
        if refusal is None:
            expected.state = "discarded"
            assert [type(e) for e in self.pulled(card)] == [ev.CardDiscarded]

    # --- paying (GC-7) ------------------------------------------------------------------------
    @rule(user=users, own=st.booleans(), data=st.data())
    def spend(self, user: uuid.UUID, own: bool, data: st.DataObject) -> None:
        """Pay with the user's own cards, or with any cards."""
        theirs = [i for i, m in enumerate(self.model) if m.user == user]
        pool = theirs if own and theirs else list(range(CARDS))
        chosen = data.draw(
            st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True),
            label="cards",
        )
        held = sum(self.model[i].balance for i in chosen)
        more = data.draw(one_in(8), label="more than held")
        amount = data.draw(
            st.integers(min_value=held + 1, max_value=held + 3)
            if more or not held
            else st.integers(min_value=1, max_value=held),
            label="amount",
        )

        # the model: take in the order given, then the first broken rule of a planned card
        planned: list[tuple[int, int]] = []
        rest = amount
        for i in chosen:
            share = min(self.model[i].balance, rest)
            if share > 0:
                planned.append((i, share))
                rest -= share
        refusal = "giftcard.insufficient_balance" if rest else None
        for i, _ in planned if refusal is None else []:
            refusal = self.spend_refusal(i, user)
            if refusal is not None:
                break

        # the domain, on working copies of the cards (what a unit of work loads)
        working = {i: copy.deepcopy(self.cards[i]) for i in chosen}
        order_id = self.new_id()
        usages: list[CardUsage] = []

        def pay() -> None:
            plan = plan_spend(cny(amount), [working[i] for i in chosen])
            assert [(c.id, s.minor) for c, s in plan] == [
                (self.cards[i].id, share) for i, share in planned
            ]
            for card, share in plan:
                usage = CardUsage.record_spend(
                    id=self.new_id(),
                    card=card,
                    user_id=user,
                    order_id=order_id,
                    sub_order_id=None,
                    amount=share,
                    tender=None,
                    now=self.now,
                )
                card.spend(
                    batch=self.batch,
                    user_id=user,
                    amount=share,
                    order_id=order_id,
                    usage_id=usage.id,
                    actor=f"user:{user}",
                    now=self.now,
                )
                usages.append(usage)

        if self._expect(pay, refusal) is not None:
            return  # rolled back: the working copies are dropped, nothing changed
        for i, share in planned:
            self.cards[i] = working[i]
            self.model[i].balance -= share
            [spent] = self.pulled(working[i])
            assert isinstance(spent, ev.CardSpent)
            assert (spent.amount, spent.balance) == (cny(share), cny(self.model[i].balance))
        for (i, share), usage in zip(planned, usages, strict=True):
            self.expected_usages[usage.id] = ExpectedUsage(card=i, amount=share)
        self.orders[order_id] = usages
        self.spent += amount

    # --- giving back (GC-8, MON-3) ------------------------------------------------------------
    @precondition(lambda self: bool(self.open_orders()))
    @rule(data=st.data(), whole=st.booleans())
    def restore(self, data: st.DataObject, whole: bool) -> None:
        order_id = data.draw(st.sampled_from(self.open_orders()), label="order")
        usages = self.orders[order_id]
        left = sum(self.expected_usages[u.id].remaining for u in usages)
        amount = None if whole else data.draw(st.integers(1, left + 2), label="amount")
        key = f"refund-{self.new_id().int}"
        if amount is not None and amount > left:
            self._expect(
                lambda: plan_restore(cny(amount), usages), "giftcard.restore_exceeds_spent"
            )
            return
        plan = plan_restore(None if amount is None else cny(amount), usages)
        wanted = left if amount is None else amount
        assert sum(share.minor for _, share in plan) == wanted
        bases = {u.id: self.expected_usages[u.id].remaining for u in usages}
        for usage, share in plan:
            assert 0 < share.minor <= bases[usage.id]
            exact = Fraction(wanted * bases[usage.id], left)
            assert abs(share.minor - exact) < 1  # in proportion to what each has left (MON-3)
        by_id = {card.id: i for i, card in enumerate(self.cards)}
        for usage, share in plan:
            usage.give_back(share, key=key, now=self.now)
            index = by_id[usage.card_id]
            card = self.cards[index]
            card.restore(
                amount=share,
                order_id=order_id,
                usage_id=usage.id,
                usage_state=usage.state,
                reason=RestoreReason.REFUNDED if amount else RestoreReason.CANCELLED,
                actor="system",
                now=self.now,
            )
            self.expected_usages[usage.id].restored += share.minor
            self.model[index].balance += share.minor
            [restored] = self.pulled(card)
            assert isinstance(restored, ev.CardRestored)
            assert restored.usage_state == self.expected_usages[usage.id].state
            assert key in usage.restore_keys
        self.restored += wanted

    # --- time ---------------------------------------------------------------------------------
    @rule(hours=st.integers(min_value=1, max_value=24))
    def time_passes(self, hours: int) -> None:
        self.now += dt.timedelta(hours=hours)

    @rule(really=one_in(6))
    def past_the_end(self, really: bool) -> None:
        if not really:
            return
        ends = [self.window(i)[1] for i in range(CARDS)]
        latest = max((e for e in ends if e is not None), default=self.now)
        self.now = max(self.now, latest) + dt.timedelta(seconds=1)

    # --- invariants ---------------------------------------------------------------------------
    @invariant()
    def every_balance_is_within_its_face_value(self) -> None:
        for card in self.cards:
            assert card.face_value == cny(self.face)
            assert 0 <= card.balance.minor <= self.face

    @invariant()
    def spent_less_restored_is_what_the_cards_miss(self) -> None:
        missing = sum(self.face - card.balance.minor for card in self.cards)
        assert self.spent - self.restored == missing
        outstanding = sum(u.remaining.minor for us in self.orders.values() for u in us)
        assert outstanding == missing
        for i, card in enumerate(self.cards):
            took = sum(u.remaining for u in self.expected_usages.values() if u.card == i)
            assert self.face - card.balance.minor == took

    @invariant()
    def the_batch_and_every_card_are_as_the_model_says(self) -> None:
        assert self.batch.state.value == self.batch_state
        assert self.batch.is_open is (self.batch_state == "opened")
        for i, card in enumerate(self.cards):
            expected = self.model[i]
            assert card.state is CardState(expected.state)
            assert (card.user_id, card.activated_at) == (expected.user, expected.activated_at)
            assert card.balance == cny(expected.balance)
            assert card.effective_state(self.batch, self.now) == self.effective(i)
            assert card.validity(self.batch) == self.window(i)

    @invariant()
    def usage_states_follow_what_was_restored(self) -> None:
        for usages in self.orders.values():
            for usage in usages:
                expected = self.expected_usages[usage.id]
                assert (usage.amount.minor, usage.restored.minor) == (
                    expected.amount,
                    expected.restored,
                )
                assert 0 <= usage.restored.minor <= usage.amount.minor
                assert usage.state is expected.state
                assert usage.card_id == self.cards[expected.card].id


GiftCardMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=40, deadline=None
)
TestGiftCardMachine = GiftCardMachine.TestCase
for _rule_id in ("GC-3", "GC-4", "GC-5", "GC-7", "GC-8", "MON-3"):
    TestGiftCardMachine = pytest.mark.rule(_rule_id)(TestGiftCardMachine)


# --- a planted bug ----------------------------------------------------------------------------


class SpendableWhileNotOpen(GiftCard):
    """A card that forgets GC-3 when paying: it is spent whatever its batch's state."""

    def check_spendable(
        self,
        *,
        batch: GiftCardBatch,
        user_id: uuid.UUID,
        amount: Money,
        now: dt.datetime,
        phone: str | None = None,
    ) -> None:
        opened = copy.copy(batch)
        opened.state = BatchState.OPENED
        super().check_spendable(batch=opened, user_id=user_id, amount=amount, now=now, phone=phone)


class MachineWithAPlantedBug(GiftCardMachine):
    card_type = SpendableWhileNotOpen


@pytest.mark.rule("GC-3")
@pytest.mark.rule("GC-7")
def test_the_machine_finds_a_card_spent_while_its_batch_is_not_open() -> None:
    with pytest.raises(AssertionError, match=r"giftcard\.batch_not_open"):
        run_state_machine_as_test(
            MachineWithAPlantedBug,
            settings=settings(
                max_examples=300,
                stateful_step_count=40,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.generate],
            ),
        )
