"""A state machine over the gift cards of a whole runtime (GC-3..8, MON-3), to subclass with
your own commands and rules while ours keep being checked.

``@initialize`` creates a batch of a few cards through the bus (its cards written by the
generation job, run to its end), reads their secrets as an operator may (``RevealSecret``), and
most often opens the batch, binds some cards to customers, who type number and secret
(``ActivateCard``), and pays a first order. The rules then open, pause, resume and discard the
batch; activate cards with the right secret or a wrong one (lock-outs included, GC-5); discard
cards; pay orders with one or several cards (``SpendGiftCards``), again with the same request
or another; give back whole or part (``RestoreGiftCards``, once per key); and let time pass,
past the validity too.

Every command goes through :meth:`GiftCardMachine.send` with the refusal codes the model
predicts: a success the model did not expect, or a refusal it did not, fails the run; a refused
command changes nothing in the model. The invariants check the runtime's books
(:func:`~shop_testing.invariants.giftcards.check_giftcard_books`) and that every balance, card
state, batch state and usage line is the model's.

Extending it (see ``docs/testing.md``): plug your contexts in (``contexts``), add rules and
invariants (they read and may change ``self.model``, a
:class:`~shop_testing.machines.giftcard_model.GiftCardModel`, and send through :meth:`send`),
build our commands your way (the ``*_command`` hooks), and say what a command may answer:
:meth:`GiftCardMachine.predict` (precisely, per command) or ``extra_refusal_codes`` (codes any
command may be refused with).
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterable
from typing import Any, ClassVar

import attrs
import hypothesis
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.settings import Settings
from shop_app.giftcards import commands as c
from shop_app.giftcards.middlewares import CARD_SCOPE, USER_SCOPE, card_subject
from shop_app.giftcards.queries import GiftCardQueries, UsageFilter
from shop_app.giftcards.services import GiftCardServices
from shop_app.shared.paging import PageRequest
from shop_app.shared.ratelimit import AttemptPolicy
from shop_domain.giftcards.batch import BatchDefinition, BatchState, CardKind, Validity
from shop_domain.giftcards.card import CardState
from shop_domain.giftcards.errors import (
    ActivationFailed,
    CardStateConflict,
    OrderAlreadyCharged,
    RestoreExceedsSpent,
)
from shop_domain.giftcards.usage import RestoreReason
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money
from shop_testing.harness import memory_settings
from shop_testing.invariants.giftcards import check_giftcard_books
from shop_testing.invariants.money import check_allocation
from shop_testing.machines.base import ShopMachine
from shop_testing.machines.giftcard_model import (
    CLERK,
    FACES,
    KEYHOLDER,
    OWNER,
    USERS,
    CardModel,
    GiftCardModel,
    LineModel,
    OrderModel,
    Sent,
    one_in,
)

ACTORS = st.sampled_from([OWNER, KEYHOLDER, CLERK])


class GiftCardMachine(ShopMachine):
    """Gift cards driven through the bus against a small model; subclass to add yours."""

    card_count: ClassVar[int] = 4
    currency: ClassVar[str] = "CNY"
    days_from_activation: ClassVar[int] = 5
    activation_attempts: ClassVar[int] = 2
    """Wrong secrets per user and per card before a lock-out (few, so that runs meet one)."""
    extra_refusal_codes: ClassVar[frozenset[str]] = frozenset()
    """Codes any command may be refused with besides the model's (your middlewares' codes). A
    refused command never changes the model."""
    run_settings: ClassVar[hypothesis.settings] = hypothesis.settings(
        max_examples=10,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),  # as hypothesis does for machines
    )
    """The settings of ``TestCase`` for this class and its subclasses: a short run (about two
    seconds) for every test session; raise ``max_examples`` for a deep one. Assign another in a
    subclass, or decorate it with ``@settings(...)``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.TestCase.settings = cls.run_settings

    def settings(self) -> Settings:
        """``memory://``, with lock-outs after :attr:`activation_attempts` wrong secrets."""
        return memory_settings(
            sections=[GiftCardSettings(activation_attempts=self.activation_attempts)]
        )

    # --- hooks: commands, refusals ----------------------------------------------------------------

    def batch_definition(self, face: Money, validity: Validity) -> BatchDefinition:
        return BatchDefinition(
            name="Machine", kind=CardKind.VIRTUAL, face_value=face, validity=validity, owner=OWNER
        )

    def create_batch_command(self, definition: BatchDefinition) -> c.CreateBatch:
        return c.CreateBatch(definition=definition, actor=OWNER, count=self.card_count)

    def activate_command(self, card: CardModel, user: uuid.UUID, secret: str) -> c.ActivateCard:
        return c.ActivateCard(user_id=user, number=card.number, secret=secret)

    def spend_command(
        self, order_id: uuid.UUID, user: uuid.UUID, cards: list[CardModel], amount: Money
    ) -> c.SpendGiftCards:
        return c.SpendGiftCards(
            order_id=order_id,
            user_id=user,
            amount=amount,
            card_ids=tuple(card.id for card in cards),
            actor=f"user:{user}",
        )

    def restore_command(
        self, order_id: uuid.UUID, key: str, amount: Money | None
    ) -> c.RestoreGiftCards:
        reason = RestoreReason.CANCELLED if amount is None else RestoreReason.REFUNDED
        return c.RestoreGiftCards(
            order_id=order_id, key=key, reason=reason, actor="system", amount=amount
        )

    def predict(self, command: object, predicted: frozenset[str]) -> frozenset[str]:
        """The codes ``command`` may be refused with (empty: it must succeed); ``predicted`` is
        what our model says. Override to put your rules first."""
        return predicted

    def send(self, command: object, predicted: Iterable[str | None] = ()) -> Sent:
        """Send ``command`` through the bus; fail unless the outcome is one the model allows."""
        allowed = self.predict(command, frozenset(code for code in predicted if code))
        name = type(command).__name__
        try:
            result = self.run(self.shop.runtime.bus.handle(command))
        except DomainError as error:
            refused: DomainError | None = error
        else:
            refused = None
        if refused is not None:
            assert refused.code in allowed | self.extra_refusal_codes, (
                f"{name} was refused with {refused.code} ({refused.message}); the model "
                f"expected {sorted(allowed) or 'a success'}"
            )
            return Sent(None, refused.code)
        assert not allowed, f"{name} succeeded; the model expected a refusal: {sorted(allowed)}"
        return Sent(result, None)

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)

    # --- set-up -----------------------------------------------------------------------------------

    @initialize(
        relative=st.booleans(),
        face=st.sampled_from(FACES),
        late=one_in(4),
        left_created=one_in(5),
        holders=st.lists(st.sampled_from([*USERS, None]), min_size=8, max_size=8),
        data=st.data(),
    )
    def create_batch(
        self,
        relative: bool,
        face: int,
        late: bool,
        left_created: bool,
        holders: list[uuid.UUID | None],
        data: st.DataObject,
    ) -> None:
        """A batch of :attr:`card_count` cards, most often opened with some cards bound and a
        first order paid at once (so that most runs have something to give back)."""
        now = self.clock.now()
        window = (now + dt.timedelta(hours=3 if late else 0), now + dt.timedelta(days=20))
        validity = (
            Validity(days_from_activation=self.days_from_activation)
            if relative
            else Validity(starts_at=window[0], ends_at=window[1])
        )
        policy = self.shop.runtime.get(GiftCardServices).policy
        self.model = GiftCardModel(
            clock=self.clock,
            window_or_days=self.days_from_activation if relative else window,
            attempt_policy=AttemptPolicy(
                policy.activation_attempts, policy.activation_window, policy.activation_lockout
            ),
        )
        self.serial = itertools.count(1)
        command = self.create_batch_command(self.batch_definition(self.money(face), validity))
        self.batch_id: uuid.UUID = self.send(command).result.batch_id
        self.run(self.shop.runtime.job_runner.run_until_idle("giftcard-machine"))
        queries = self.shop.runtime.get(GiftCardQueries)
        listed = self.run(queries.cards(self.batch_id, PageRequest(1, 200), now))
        for view in listed.items:
            shown = self.send(c.RevealSecret(card_id=view.id, actor=OWNER)).result
            self.model.cards.append(CardModel(view.id, view.number, shown.secret, face))
        if left_created:
            return
        self.open_batch(OWNER, check=True)
        for card, holder in zip(self.model.cards, holders, strict=False):
            if holder is not None:
                self.activate_card(card, holder)
        self.spend(USERS[0], False, data)

    # --- the batch (GC-3) -------------------------------------------------------------------------

    @rule(actor=ACTORS, check=one_in(3))
    def open_batch(self, actor: str, check: bool) -> None:
        """Open or resume; now and then where it is refused."""
        if not check and self.model.batch_state not in (BatchState.CREATED, BatchState.PAUSED):
            return
        command = c.OpenBatch(
            batch_id=self.batch_id, actor=actor, has_open_permission=actor == KEYHOLDER
        )
        if self.send(command, [self.model.open_refusal(actor)]).ok:
            self.model.batch_state = BatchState.OPENED

    @rule(really=one_in(3))
    def pause_batch(self, really: bool) -> None:
        """An emergency brake any batch manager may pull (now and then)."""
        if not really:
            return
        command = c.PauseBatch(batch_id=self.batch_id, actor=CLERK)
        if self.send(command, [self.model.pause_refusal()]).ok:
            self.model.batch_state = BatchState.PAUSED

    @rule(actor=ACTORS, really=one_in(12))
    def discard_batch(self, actor: str, really: bool) -> None:
        if not really:  # final: now and then
            return
        command = c.DiscardBatch(
            batch_id=self.batch_id, actor=actor, has_open_permission=actor == KEYHOLDER
        )
        if self.send(command, [self.model.discard_refusal(actor)]).ok:
            self.model.batch_state = BatchState.DISCARDED

    # --- cards (GC-4, GC-5) -----------------------------------------------------------------------

    @rule(index=st.integers(min_value=0), user=st.sampled_from(USERS), wrong=one_in(4))
    def activate(self, index: int, user: uuid.UUID, wrong: bool) -> None:
        """A customer types a card's number and its secret, or a wrong one."""
        self.activate_card(self.model.cards[index % len(self.model.cards)], user, wrong=wrong)

    def activate_card(self, card: CardModel, user: uuid.UUID, *, wrong: bool = False) -> Sent:
        secret = card.secret
        if wrong:
            secret = ("B" if secret[0] != "B" else "C") + secret[1:]
        command = self.activate_command(card, user, secret)
        subjects = [(USER_SCOPE, str(command.user_id)), (CARD_SCOPE, card_subject(command))]
        sent = self.send(command, [self.model.activation_refusal(card, subjects, wrong)])
        if sent.refusal == ActivationFailed.code:
            self.model.count_failure(subjects)
        if sent.ok:
            card.state, card.user, card.activated_at = CardState.ACTIVATED, user, self.clock.now()
        return sent

    @rule(index=st.integers(min_value=0), really=one_in(5))
    def discard_card(self, index: int, really: bool) -> None:
        if not really:
            return
        card = self.model.cards[index % len(self.model.cards)]
        refusal = CardStateConflict.code if card.state == CardState.DISCARDED else None
        if self.send(c.DiscardCard(card_id=card.id, actor=OWNER), [refusal]).ok:
            card.state = CardState.DISCARDED

    # --- paying and giving back (GC-7, GC-8, MON-3) -----------------------------------------------

    @rule(user=st.sampled_from(USERS), anyone=one_in(4), data=st.data())
    def spend(self, user: uuid.UUID, anyone: bool, data: st.DataObject) -> None:
        """Pay an order with the user's own cards, or with any cards, in the order given."""
        theirs = [card for card in self.model.cards if card.user == user]
        pool = theirs if theirs and not anyone else self.model.cards
        chosen = data.draw(
            st.lists(st.sampled_from(pool), min_size=1, unique_by=lambda card: card.id), "cards"
        )
        held = sum(card.balance for card in chosen)
        more = data.draw(one_in(8), "more than held")
        amount = data.draw(
            st.integers(held + 1, held + 3) if more or not held else st.integers(1, held), "amount"
        )
        planned, refusal = self.model.plan(amount, chosen, user)
        order_id = uuid.UUID(int=next(self.serial))
        command = self.spend_command(order_id, user, chosen, self.money(amount))
        sent = self.send(command, [refusal])
        if not sent.ok:
            return
        charges = [(ch.card_id, ch.amount.minor) for ch in sent.result.charges]
        assert charges == [(card.id, share) for card, share in planned], (charges, planned)
        lines = []
        for (card, share), charge in zip(planned, sent.result.charges, strict=True):
            card.balance -= share
            lines.append(LineModel(card, charge.usage_id, share))
        self.model.orders.append(
            OrderModel(order_id, command, sorted(lines, key=lambda x: x.usage_id))
        )

    @precondition(lambda self: bool(self.model.orders))
    @rule(data=st.data(), same=st.booleans())
    def pay_again(self, data: st.DataObject, same: bool) -> None:
        """The same payment again answers the first; another for a paid order is refused."""
        order = data.draw(st.sampled_from(self.model.orders), "order")
        command = order.command
        if not same:
            command = attrs.evolve(command, amount=command.amount + self.money(1))
        sent = self.send(command, [None if same else OrderAlreadyCharged.code])
        if sent.ok:
            assert sent.result.amount == order.command.amount

    @precondition(lambda self: bool(self.model.open_orders()))
    @rule(data=st.data(), whole=st.booleans(), again=one_in(4))
    def restore(self, data: st.DataObject, whole: bool, again: bool) -> None:
        """Give back everything left, or part of it split over the cards (MON-3)."""
        order = data.draw(st.sampled_from(self.model.open_orders()), "order")
        amount = None if whole else data.draw(st.integers(1, order.left + 2), "amount")
        key = f"refund-{next(self.serial)}"
        command = self.restore_command(
            order.id, key, None if amount is None else self.money(amount)
        )
        too_much = amount is not None and amount > order.left
        sent = self.send(command, [RestoreExceedsSpent.code if too_much else None])
        if not sent.ok:
            return
        given = {g.usage_id: g.amount.minor for g in sent.result.given}
        open_lines = [line for line in order.lines if line.left > 0]
        shares = [given.get(line.usage_id, 0) for line in open_lines]
        wanted = order.left if amount is None else amount
        check_allocation(wanted, [line.left for line in open_lines], shares)
        for line, share in zip(open_lines, shares, strict=True):
            line.restored += share
            line.card.balance += share
        if again:  # once per key
            repeated = self.send(command)
            assert not repeated.ok or repeated.result.repeated, repeated

    # --- time -------------------------------------------------------------------------------------

    @rule(minutes=st.sampled_from([1, 10, 20, 45, 6 * 60, 24 * 60]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    @rule(really=one_in(6))
    def past_the_end(self, really: bool) -> None:
        ends = [self.model.window(card)[1] for card in self.model.cards]
        latest = max((end for end in ends if end is not None), default=None)
        if really and latest is not None and latest > self.clock.now():
            self.clock.current = latest + dt.timedelta(seconds=1)

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def giftcard_books(self) -> None:
        self.run(check_giftcard_books(self.shop))

    @invariant()
    def model_agrees(self) -> None:
        """Every balance, card and batch state and usage line is the model's."""
        queries = self.shop.runtime.get(GiftCardQueries)
        now = self.clock.now()
        batch = self.run(queries.batch(self.batch_id))
        assert batch is not None
        assert batch.state == self.model.batch_state, (batch.state, self.model.batch_state)
        cards = self.run(queries.cards(self.batch_id, PageRequest(1, 200), now))
        shown = {view.id: (view.balance.minor, view.state, view.user_id) for view in cards.items}
        for card in self.model.cards:
            held = (card.balance, self.model.shown_state(card), card.user)
            seen = shown.get(card.id)
            assert seen == held, f"card {card.id}: balance, state, holder {seen}; the model {held}"
        usages = self.run(queries.usages(PageRequest(1, 200), UsageFilter(batch_id=self.batch_id)))
        stored = sorted((u.order_id, u.id, u.amount.minor, u.restored.minor) for u in usages.items)
        lines = sorted(
            (order.id, line.usage_id, line.amount, line.restored)
            for order in self.model.orders
            for line in order.lines
        )
        assert stored == lines, f"usages (order, id, spent, restored) {stored}; the model {lines}"


GiftCardMachine.TestCase.settings = GiftCardMachine.run_settings

__all__ = ["GiftCardMachine"]
