"""Strategies for gift cards (RULES GC-1..8): validities, batch definitions, batches in every
state, and cards in every state with the history that put them there.

Nothing is set by hand: a batch is made with ``GiftCardBatch.create`` and moved with ``open``,
``pause`` and ``discard`` by its owner; a card is made with ``GiftCard.new`` and is sold,
activated, spent (through ``plan_spend`` and ``CardUsage.record_spend``, as a payment is) and
discarded by its own methods, at moments when the domain allows each step. So every state a
strategy reaches is one the domain can reach. Aggregates keep the events they recorded.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection

import attrs
from hypothesis import strategies as st

from shop_domain.giftcards.batch import (
    MAX_DAYS,
    PHONE_MAX,
    PHONE_MIN,
    BatchDefinition,
    BatchState,
    CardKind,
    CreationMode,
    GiftCardBatch,
    Validity,
)
from shop_domain.giftcards.card import ActivationVia, CardState, GiftCard
from shop_domain.giftcards.numbers import (
    GIVEN_MAX_LENGTH,
    GIVEN_MIN_LENGTH,
    MAX_PREFIX_LENGTH,
    NUMBER_LENGTH,
    SECRET_ALPHABET,
    SECRET_LENGTH,
    check_given_number,
    luhn_check_digit,
)
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.giftcards.usage import CardUsage, plan_spend
from shop_domain.shared.money import Money
from shop_testing.strategies.amounts import money
from shop_testing.strategies.common import (
    NOW,
    aware,
    digits,
    ids,
    minutes,
    names,
    optional,
    sampled_in_order,
    words,
)
from shop_testing.strategies.phones import typed_phones

_MONTH = 60 * 24 * 30
"""Minutes in 30 days: how far from ``now`` drawn windows and histories reach."""
_operators = words().map(lambda w: f"op-{w}")
_phones = digits(min_size=PHONE_MIN, max_size=PHONE_MAX)
KIT_KEY = "kit"
"""The ``key_id`` of the secrets the strategies make: not sealed by any real key, the blob is
the secret's text (the sealing is an adapter's job, outside the domain)."""


def card_kinds() -> st.SearchStrategy[CardKind]:
    """Physical or virtual (GC-1); shrinks to physical."""
    return st.sampled_from(CardKind)


def number_prefixes() -> st.SearchStrategy[str]:
    """A batch's number prefix: empty, or 1..8 digits not starting with 0; shrinks to empty."""
    return st.just("") | digits(min_size=1, max_size=MAX_PREFIX_LENGTH, leading_zero=False)


@st.composite
def giftcard_validities(
    draw: st.DrawFn, now: dt.datetime = NOW, *, ends_after_now: bool = False
) -> Validity:
    """A batch :class:`~shop_domain.giftcards.batch.Validity` (GC-1, GC-4): 1..3660 days from
    activation, or a window whose ends are each open or within 30 days of ``now``, the end
    after the start. The end may be exactly ``now`` (the cards have just expired) unless
    ``ends_after_now``. Shrinks to one day from activation."""
    aware(now)
    if not draw(st.booleans()):
        return Validity(days_from_activation=draw(st.integers(min_value=1, max_value=MAX_DAYS)))
    ends = optional(draw, minutes(min_value=1 if ends_after_now else -_MONTH, max_value=_MONTH))
    if ends is None:  # open-ended: the start, if any, lies within 30 days of now
        starts = optional(draw, minutes(min_value=-_MONTH, max_value=_MONTH))
        return Validity(starts_at=None if starts is None else now + starts)
    lasts = optional(draw, minutes(min_value=1, max_value=_MONTH))
    return Validity(starts_at=None if lasts is None else now + ends - lasts, ends_at=now + ends)


@st.composite
def batch_definitions(
    draw: st.DrawFn,
    now: dt.datetime = NOW,
    *,
    currency: str | None = None,
    kinds: Collection[CardKind] | None = None,
    validities: st.SearchStrategy[Validity] | None = None,
    max_face_minor: int | None = None,
) -> BatchDefinition:
    """A :class:`BatchDefinition` (GC-1): a name, a kind of ``kinds`` (both when None), a
    positive face value in ``currency`` (drawn when None) up to ``max_face_minor``, a validity
    from ``validities`` (:func:`giftcard_validities` around ``now`` when None), an owner, a
    card maker for some physical batches, a remark, an owner's phone and a number prefix.
    Shrinks to a physical batch of 0.01 CNY cards valid one day from activation."""
    kind = draw(sampled_in_order(kinds, list(CardKind)))
    return BatchDefinition(
        name=draw(names()),
        kind=kind,
        face_value=draw(money(currency, min_minor=1, max_minor=max_face_minor)),
        validity=draw(giftcard_validities(now) if validities is None else validities),
        owner=draw(_operators),
        card_maker=optional(draw, names()) if kind is CardKind.PHYSICAL else None,
        remark=optional(draw, names(max_size=60)) or "",
        owner_phone=optional(draw, _phones),
        number_prefix=draw(number_prefixes()),
    )


def _move_batch(batch: GiftCardBatch, state: BatchState, now: dt.datetime) -> None:
    """Bring a created or opened ``batch`` to ``state`` by its owner's hand."""
    if state in (BatchState.OPENED, BatchState.PAUSED) and batch.state is BatchState.CREATED:
        batch.open(actor=batch.owner, has_open_permission=False, now=now)
    if state is BatchState.PAUSED:
        batch.pause(actor=batch.owner, now=now)
    elif state is BatchState.DISCARDED:
        batch.discard(actor=batch.owner, has_open_permission=False, now=now)


@st.composite
def giftcard_batches(
    draw: st.DrawFn,
    now: dt.datetime = NOW,
    *,
    states: Collection[BatchState] | None = None,
    currency: str | None = None,
    kinds: Collection[CardKind] | None = None,
    max_cards: int = 1000,
) -> GiftCardBatch:
    """A :class:`GiftCardBatch` of 1..``max_cards`` requested cards (none written yet: a job
    writes them) made with ``GiftCardBatch.create`` from :func:`batch_definitions` at ``now``
    and brought to one of ``states`` (all when None) by its owner at ``now`` (GC-3): opened,
    paused, or discarded from created or opened. Shrinks to a created batch of one card."""
    state = draw(sampled_in_order(states, list(BatchState)))
    definition = draw(batch_definitions(now, currency=currency, kinds=kinds))
    batch = GiftCardBatch.create(
        id=draw(ids()),
        definition=definition,
        mode=draw(st.sampled_from(CreationMode)),
        count=draw(st.integers(min_value=1, max_value=max_cards)),
        created_by=definition.owner,
        now=now,
    )
    if state is BatchState.DISCARDED and draw(st.booleans()):
        _move_batch(batch, BatchState.OPENED, now)
    _move_batch(batch, state, now)
    return batch


@attrs.frozen
class CardInBatch:
    """A card drawn by :func:`gift_cards`, its ``batch`` (which every use of the card needs),
    and the ``usages`` its spends recorded (GC-8), oldest first."""

    batch: GiftCardBatch
    card: GiftCard
    usages: tuple[CardUsage, ...] = ()


@st.composite
def _validity_and_moment(
    draw: st.DrawFn, now: dt.datetime, *, activated: bool, spends: bool, expired: bool
) -> tuple[Validity, dt.datetime]:
    """A batch validity and the moment ``at`` (never after ``now``) when the card's history
    happens, such that at ``at`` the card may be sold and activated (it has not expired),
    spent too when ``spends`` (it is already valid), and at ``now`` it has expired iff
    ``expired``. A card not yet activated in a days-from-activation batch never expires."""
    relative = (activated or not expired) and not draw(st.booleans())
    if relative:
        days = draw(st.integers(min_value=1, max_value=MAX_DAYS))
        if activated and expired:  # activated days ago: its days ran out at or before now
            at = now - dt.timedelta(days=days) - draw(minutes(max_value=_MONTH))
        else:  # its days run past now
            at = now - draw(minutes(max_value=min(days * 24 * 60 - 1, _MONTH)))
        return Validity(days_from_activation=days), at
    if expired:
        ends = now - draw(minutes(max_value=_MONTH))
        length = draw(st.integers(min_value=1, max_value=_MONTH))
        at = ends - draw(minutes(min_value=1, max_value=length))
        starts = None if draw(st.booleans()) else ends - dt.timedelta(minutes=length)
        return Validity(starts_at=starts, ends_at=ends), at
    at = now - draw(minutes(max_value=_MONTH))
    if spends:  # the card is spent at ``at``: its window has begun by then
        before = optional(draw, minutes(max_value=_MONTH))
        starts_at = None if before is None else at - before
    else:
        around = optional(draw, minutes(min_value=-_MONTH, max_value=_MONTH))
        starts_at = None if around is None else now + around
    lasts = optional(draw, minutes(min_value=1, max_value=_MONTH))
    ends_at = None if lasts is None else max(now, starts_at or now) + lasts
    return Validity(starts_at=starts_at, ends_at=ends_at), at


def _number(draw: st.DrawFn, batch: GiftCardBatch) -> str:
    """A card number of the batch's shape (GC-2): a given number of 6..32 digits, or the
    batch's prefix, random digits and the Luhn check digit (16 digits, first not 0)."""
    if batch.mode is CreationMode.GIVEN:
        given = draw(digits(min_size=GIVEN_MIN_LENGTH, max_size=GIVEN_MAX_LENGTH))
        return check_given_number(given)
    free = NUMBER_LENGTH - 1 - len(batch.number_prefix)
    payload = batch.number_prefix + draw(
        digits(min_size=free, max_size=free, leading_zero=bool(batch.number_prefix))
    )
    return payload + luhn_check_digit(payload)


@st.composite
def gift_cards(
    draw: st.DrawFn,
    now: dt.datetime = NOW,
    *,
    states: Collection[CardState] | None = None,
    currency: str | None = None,
    kinds: Collection[CardKind] | None = None,
    expired: bool | None = None,
    max_face_minor: int | None = None,
) -> CardInBatch:
    """A card in one of ``states`` (all when None; GC-4) of a one-card batch of ``kinds`` with
    face values in ``currency`` (both drawn when None), with the history that put it there:

    - at a moment ``at`` up to 30 days (or a validity's length) before ``now``, the batch is
      created by its owner, the card written, and — when the card is to be used — the batch
      opened; a virtual card may be sold (GC-6); an activated card was bound to a user or a
      phone (manually, by itself, or by its buyer; GC-5) and may have been spent 1..3 times
      through ``plan_spend`` (GC-7), down to a zero balance, each spend with its usage record —
      a card bound to a phone by members who verified that number;
    - at ``now`` the batch may be paused or discarded, and a discarded card (pending or
      activated) was discarded;
    - ``expired``: at ``now`` the card's validity has ended (True), has not (False), or either
      (None); expired is not a state but follows from the validity (GC-4).

    Shrinks to a pending physical card of 0.01 CNY, unexpired, in a created batch.
    """
    aware(now)
    state = draw(sampled_in_order(states, list(CardState)))
    kind = draw(sampled_in_order(kinds, list(CardKind)))
    activated = state is CardState.ACTIVATED or (
        state is CardState.DISCARDED and draw(st.booleans())
    )
    sold = kind is CardKind.VIRTUAL and draw(st.booleans())
    to_user = activated and not draw(st.booleans())  # shrinks to a user, not a phone
    spends = draw(st.integers(min_value=0, max_value=3)) if activated else 0
    ended = draw(st.booleans()) if expired is None else expired
    validity, at = draw(
        _validity_and_moment(now, activated=activated, spends=spends > 0, expired=ended)
    )
    definition = draw(
        batch_definitions(
            now,
            currency=currency,
            kinds=[kind],
            validities=st.just(validity),
            max_face_minor=max_face_minor,
        )
    )
    batch = GiftCardBatch.create(
        id=draw(ids()),
        definition=definition,
        mode=draw(st.sampled_from(CreationMode)),
        count=1,
        created_by=definition.owner,
        now=at,
    )
    secret = draw(st.text(alphabet=SECRET_ALPHABET, min_size=SECRET_LENGTH, max_size=SECRET_LENGTH))
    card = GiftCard.new(
        id=draw(ids()),
        batch=batch,
        number=_number(draw, batch),
        secret=SealedSecret(KIT_KEY, secret.encode()),
        now=at,
    )
    batch.cards_written(1, now=at)
    used = sold or activated
    if used or draw(st.booleans()):
        _move_batch(batch, BatchState.OPENED, at)
    if sold:
        buyer = draw(ids())
        sale_ref = "sale-" + draw(words())
        card.sell(batch=batch, buyer_id=buyer, sale_ref=sale_ref, actor="system", now=at)
    if activated:
        _activate(draw, batch, card, at, to_user=to_user)
    # each spend pays another order and makes its own usage record: distinct ids for both
    spend_ids = draw(st.lists(ids(), min_size=2 * spends, max_size=2 * spends, unique=True))
    # a card bound to a phone pays for whoever verified that number, one member after another
    usages = [
        _spend(draw, batch, card, at, order_id=spend_ids[2 * n], usage_id=spend_ids[2 * n + 1])
        for n in range(spends)
        if card.balance.is_positive()
    ]
    if state is CardState.DISCARDED:
        reason = optional(draw, names()) or ""
        card.discard(reason=reason, actor=batch.owner, now=now)
    # at ``now`` the batch stays as it is, or is paused (if open), or is discarded
    later = [BatchState.PAUSED] if batch.is_open else []
    _move_batch(batch, draw(st.sampled_from([batch.state, *later, BatchState.DISCARDED])), now)
    return CardInBatch(batch=batch, card=card, usages=tuple(usages))


def _activate(
    draw: st.DrawFn, batch: GiftCardBatch, card: GiftCard, at: dt.datetime, *, to_user: bool
) -> None:
    """Bind ``card`` at ``at``: to a user (manually, by itself, or by its buyer when sold) or,
    by an operator, to a phone number (GC-5, GC-6)."""
    if not to_user:
        phone = draw(typed_phones()).typed  # kept canonical by the card
        card.activate(batch=batch, via=ActivationVia.MANUAL, actor=batch.owner, now=at, phone=phone)
        return
    vias = [ActivationVia.MANUAL, ActivationVia.SELF]
    if card.buyer_id is not None and not draw(st.booleans()):  # a sold card, by its buyer
        vias = [ActivationVia.PURCHASE]
    via = draw(st.sampled_from(vias))
    user = card.buyer_id if via is ActivationVia.PURCHASE else draw(ids())
    actor = batch.owner if via is ActivationVia.MANUAL else f"user:{user}"
    card.activate(batch=batch, via=via, actor=actor, now=at, user_id=user)


def _spend(
    draw: st.DrawFn,
    batch: GiftCardBatch,
    card: GiftCard,
    at: dt.datetime,
    *,
    order_id: uuid.UUID,
    usage_id: uuid.UUID,
) -> CardUsage:
    """Pay part of an order with ``card`` as checkout does: plan, record the usage, spend — by
    the user it is bound to, or, for a card bound to a phone, by a member who verified that
    number (their verified phone is the card's)."""
    payer = card.user_id if card.user_id is not None else draw(ids())
    phone = None if card.user_id is not None else card.phone
    # all that is left (spent out) or part of it; shrinks to the smallest part
    everything = draw(st.booleans())
    part = card.balance.minor if everything else draw(st.integers(1, card.balance.minor))
    amount = Money(part, card.balance.currency)
    [(planned, share)] = plan_spend(amount, [card])
    usage = CardUsage.record_spend(
        id=usage_id,
        card=planned,
        user_id=payer,
        order_id=order_id,
        sub_order_id=None,
        amount=share,
        tender=None,
        now=at,
        payer_phone=phone,
    )
    planned.spend(
        batch=batch,
        user_id=payer,
        amount=share,
        order_id=order_id,
        usage_id=usage.id,
        actor=f"user:{payer}",
        now=at,
        phone=phone,
    )
    return usage


__all__ = [
    "KIT_KEY",
    "CardInBatch",
    "batch_definitions",
    "card_kinds",
    "gift_cards",
    "giftcard_batches",
    "giftcard_validities",
    "number_prefixes",
]
