"""The model the gift-card machine (:mod:`shop_testing.machines.giftcards`) keeps of one batch,
its cards and the orders they paid: what the runtime should hold, and which error code (if
any) each command should be refused with, worked out on its own from the rules (GC-3..8).

A subclass of the machine reads it (``self.model.cards``, ``self.model.orders``) to draw its
own commands, and may change it when its own commands succeed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import attrs
from hypothesis import strategies as st

from shop_app.giftcards import commands as c
from shop_app.giftcards.errors import ActivationAttemptsExceeded
from shop_app.shared.ports import Clock
from shop_app.shared.ratelimit import AttemptPolicy, AttemptState, after_failure
from shop_domain.giftcards import rules as r
from shop_domain.giftcards.batch import BatchState
from shop_domain.giftcards.card import CardState
from shop_domain.giftcards.errors import ActivationFailed, BatchStateConflict, NotYourCard

OWNER, KEYHOLDER, CLERK = "op-owner", "op-keyholder", "op-clerk"
"""The batch's owner, an operator with the open permission, and one with neither (GC-3)."""
USERS = (uuid.UUID(int=0xA1), uuid.UUID(int=0xA2))
"""The customers."""
FACES = (1, 7, 250, 10_000)
"""Face values a batch is drawn with, in minor units."""
EXPIRED = "expired"
"""The state a card is shown in once its validity has ended (GC-4: derived, not stored)."""


def one_in(n: int) -> st.SearchStrategy[bool]:
    """True about once in ``n`` draws: for moves that end a run's interest (discarding) or
    refusals that would otherwise be tried over and over."""
    return st.integers(min_value=0, max_value=n - 1).map(lambda k: k == 0)


def first(*checks: tuple[bool, str]) -> str | None:
    """The code of the first broken rule among ``(broken, code)`` pairs, or ``None``."""
    return next((code for broken, code in checks if broken), None)


@attrs.define
class CardModel:
    """What the model knows about one card."""

    id: uuid.UUID
    number: str
    secret: str = attrs.field(repr=False)
    balance: int
    state: CardState = CardState.PENDING
    user: uuid.UUID | None = None
    activated_at: dt.datetime | None = None


@attrs.define
class LineModel:
    """One card's part of an order (a usage record)."""

    card: CardModel
    usage_id: uuid.UUID
    amount: int
    restored: int = 0

    @property
    def left(self) -> int:
        return self.amount - self.restored


@attrs.define
class OrderModel:
    id: uuid.UUID
    command: c.SpendGiftCards
    lines: list[LineModel]
    """In usage-id order: the order a restore splits in (MON-3 ties go to the later line)."""

    @property
    def left(self) -> int:
        return sum(line.left for line in self.lines)


@attrs.frozen
class Sent:
    """What a command answered: its result, or the code it was refused with."""

    result: Any
    refusal: str | None

    @property
    def ok(self) -> bool:
        return self.refusal is None


@attrs.define
class GiftCardModel:
    """One batch (valid in a window, or some days from each card's activation), its cards, the
    orders they paid, and the failed activations counted per user and per card (GC-5)."""

    clock: Clock
    window_or_days: tuple[dt.datetime, dt.datetime] | int
    attempt_policy: AttemptPolicy
    batch_state: BatchState = BatchState.CREATED
    cards: list[CardModel] = attrs.field(factory=list)
    orders: list[OrderModel] = attrs.field(factory=list)
    attempts: dict[tuple[str, str], AttemptState] = attrs.field(factory=dict)

    # --- validity (GC-4) ----------------------------------------------------------------------

    def window(self, card: CardModel) -> tuple[dt.datetime | None, dt.datetime | None]:
        if not isinstance(self.window_or_days, int):
            return self.window_or_days
        if card.activated_at is None:
            return None, None
        return card.activated_at, card.activated_at + dt.timedelta(days=self.window_or_days)

    def expired(self, card: CardModel) -> bool:
        until = self.window(card)[1]
        return until is not None and self.clock.now() >= until

    def shown_state(self, card: CardModel) -> str:
        expired = card.state != CardState.DISCARDED and self.expired(card)
        return EXPIRED if expired else card.state.value

    # --- the batch (GC-3) ---------------------------------------------------------------------

    def open_refusal(self, actor: str) -> str | None:
        """Opening a created batch, or resuming a paused one, needs the key."""
        can_open = self.batch_state in (BatchState.CREATED, BatchState.PAUSED)
        return first((actor == CLERK, r.HoldsTheKey.code), (not can_open, BatchStateConflict.code))

    def pause_refusal(self) -> str | None:
        return first((self.batch_state != BatchState.OPENED, BatchStateConflict.code))

    def discard_refusal(self, actor: str) -> str | None:
        return first(
            (actor == CLERK, r.HoldsTheKey.code),
            (self.batch_state == BatchState.DISCARDED, BatchStateConflict.code),
        )

    # --- activation (GC-5) --------------------------------------------------------------------

    def locked(self, subject: tuple[str, str]) -> bool:
        state = self.attempts.get(subject)
        return state is not None and state.blocked_until(self.clock.now()) is not None

    def activation_refusal(
        self, card: CardModel, subjects: Sequence[tuple[str, str]], wrong: bool
    ) -> str | None:
        """A lock-out first, then the secret, then the card's rules."""
        return first(
            (any(self.locked(s) for s in subjects), ActivationAttemptsExceeded.code),
            (wrong, ActivationFailed.code),
            (self.batch_state != BatchState.OPENED, r.BatchIsOpen.code),
            (card.state == CardState.DISCARDED, r.CardNotDiscarded.code),
            (card.state != CardState.PENDING, r.CardIsPending.code),
            (self.expired(card), r.NotExpired.code),
        )

    def count_failure(self, subjects: Sequence[tuple[str, str]]) -> None:
        """A wrong number or secret counts against the user and the card alike."""
        for subject in subjects:
            state = self.attempts.get(subject)
            self.attempts[subject] = after_failure(state, self.clock.now(), self.attempt_policy)[0]

    # --- paying (GC-7) ------------------------------------------------------------------------

    def spend_refusal(self, card: CardModel, user: uuid.UUID) -> str | None:
        """GC-7's rules in the order a card checks them, its balance aside."""
        valid_from = self.window(card)[0]
        return first(
            (self.batch_state != BatchState.OPENED, r.BatchIsOpen.code),
            (card.state == CardState.DISCARDED, r.CardNotDiscarded.code),
            (card.state != CardState.ACTIVATED, r.CardIsActivated.code),
            (valid_from is not None and self.clock.now() < valid_from, r.AlreadyValid.code),
            (self.expired(card), r.NotExpired.code),
            (card.user != user, NotYourCard.code),
        )

    def plan(
        self, amount: int, cards: Sequence[CardModel], user: uuid.UUID
    ) -> tuple[list[tuple[CardModel, int]], str | None]:
        """What each card pays, taken in the order given as far as its balance goes, and the
        refusal: too little held in all, else the first broken rule of a card that pays."""
        planned: list[tuple[CardModel, int]] = []
        rest = amount
        for card in cards:
            share = min(card.balance, rest)
            if share > 0:
                planned.append((card, share))
                rest -= share
        if rest:
            return planned, r.BalanceCovers.code
        return planned, next(filter(None, (self.spend_refusal(k, user) for k, _ in planned)), None)

    def open_orders(self) -> list[OrderModel]:
        """Orders with something left to give back."""
        return [order for order in self.orders if order.left > 0]


__all__ = [
    "CLERK",
    "EXPIRED",
    "FACES",
    "KEYHOLDER",
    "OWNER",
    "USERS",
    "CardModel",
    "GiftCardModel",
    "LineModel",
    "OrderModel",
    "Sent",
    "first",
    "one_in",
]
