"""Gift cards an operator bound to a phone number (GC-5, GC-7; decision 0037): spendable by the
user whose verified phone it is — the same number however either of them typed it — refused to
anyone else, a user with no verified phone included; the usage names the phone it was paid
through; the member sees the card among theirs, and loses it with the number."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from tests.unit.giftcards.giftcard_builders import (
    NOW,
    ORDER,
    OTHER_USER,
    OWNER,
    USAGE,
    USER,
    activated_card,
    cny,
    definition,
    new_card,
    opened_batch,
)
from tests.unit.loyalty.phone_support import verified

from shop_adapters.shared.system import FixedClock
from shop_app.giftcards import commands as c
from shop_app.giftcards.queries import GiftCardQueries
from shop_app.shared.paging import PageRequest
from shop_domain.giftcards.card import ActivationVia, GiftCard
from shop_domain.giftcards.errors import NotYourCard
from shop_domain.giftcards.usage import CardUsage
from shop_domain.shared.errors import DomainError
from shop_domain.shared.phones import normalize_phone
from shop_testing.harness import MemoryShop, memory_shop
from shop_testing.invariants.giftcards import check_giftcard_books
from shop_testing.strategies.phones import TypedPhone, canonical_phones, typed_phones

OPERATOR_TYPED = "+86 138 0013 1234"
MEMBER_TYPED = "13800131234"
CANONICAL = "+8613800131234"
LATER = NOW + dt.timedelta(hours=1)

pytestmark = pytest.mark.rule("GC-5")


def bound_to(phone: str) -> tuple[GiftCard, object]:
    batch = opened_batch()
    card = new_card(batch)
    card.activate(batch=batch, via=ActivationVia.MANUAL, actor=OWNER, now=NOW, phone=phone)
    return card, batch


def spend(card: GiftCard, batch: object, *, user: uuid.UUID, phone: str | None) -> None:
    card.spend(
        batch=batch,  # type: ignore[arg-type]
        user_id=user,
        amount=cny("10.00"),
        order_id=ORDER,
        usage_id=USAGE,
        actor=f"user:{user}",
        now=LATER,
        phone=phone,
    )


# --- the card ---------------------------------------------------------------------------------


@pytest.mark.rule("GC-7")
def test_a_card_bound_to_a_phone_pays_for_whoever_verified_that_number() -> None:
    card, batch = bound_to(OPERATOR_TYPED)
    assert card.phone == CANONICAL
    spend(card, batch, user=USER, phone=normalize_phone(MEMBER_TYPED))
    assert card.balance == cny("90.00")


@pytest.mark.rule("GC-7")
@pytest.mark.parametrize("phone", [None, "+8613800131235", "+18613800131234"])
def test_anyone_else_is_refused_and_nothing_is_taken(phone: str | None) -> None:
    card, batch = bound_to(OPERATOR_TYPED)
    with pytest.raises(DomainError) as refused:
        spend(card, batch, user=OTHER_USER, phone=phone)
    assert refused.value.code == NotYourCard.code
    assert card.balance == cny("100.00")


def test_a_card_bound_to_a_user_is_never_someone_elses_by_phone() -> None:
    batch = opened_batch()
    card = activated_card(batch, user=USER)
    with pytest.raises(DomainError, match="belongs to another user"):
        spend(card, batch, user=OTHER_USER, phone=CANONICAL)


@given(phone=typed_phones(), other=canonical_phones())
def test_any_spelling_an_operator_typed_matches_the_verified_number_only(
    phone: TypedPhone, other: str
) -> None:
    card, batch = bound_to(phone.typed)
    if other != phone.canonical:
        with pytest.raises(DomainError, match="not verified"):
            spend(card, batch, user=OTHER_USER, phone=other)
    spend(card, batch, user=USER, phone=phone.canonical)
    assert card.balance == cny("90.00")


def usage_of(card: GiftCard, payer_phone: str) -> CardUsage:
    return CardUsage.record_spend(
        id=USAGE,
        card=card,
        user_id=USER,
        order_id=ORDER,
        sub_order_id=None,
        amount=cny("1.00"),
        tender=None,
        now=LATER,
        payer_phone=payer_phone,
    )


def test_the_usage_names_the_phone_a_card_was_paid_through() -> None:
    card, _ = bound_to(OPERATOR_TYPED)
    assert usage_of(card, CANONICAL).phone == CANONICAL
    mine = activated_card(opened_batch(), user=USER)
    assert usage_of(mine, CANONICAL).phone is None  # held as the user's own, not by phone


# --- through a runtime ------------------------------------------------------------------------


@pytest.fixture
async def shop() -> AsyncIterator[MemoryShop]:
    made = memory_shop(clock=FixedClock(NOW))
    yield made
    await made.close()


async def phone_card(shop: MemoryShop) -> uuid.UUID:
    """A card of an open batch, bound by an operator to :data:`OPERATOR_TYPED`."""
    bus = shop.runtime.bus
    started = await bus.handle(
        c.CreateBatch(definition=definition(), actor=OWNER, numbers=("600000000001",))
    )
    await bus.handle(c.OpenBatch(batch_id=started.batch_id, actor=OWNER, has_open_permission=False))
    cards = await shop.runtime.get(GiftCardQueries).cards(started.batch_id, PageRequest(), NOW)
    card_id = cards.items[0].id
    await bus.handle(c.BindCard(card_id=card_id, actor=OWNER, phone=OPERATOR_TYPED))
    return card_id


def payment(card_id: uuid.UUID, user: uuid.UUID, order: int) -> c.SpendGiftCards:
    return c.SpendGiftCards(
        order_id=uuid.UUID(int=order),
        user_id=user,
        amount=cny("30.00"),
        card_ids=(card_id,),
        actor=f"user:{user}",
    )


async def refusal(shop: MemoryShop, command: object) -> str:
    with pytest.raises(DomainError) as refused:
        await shop.runtime.bus.handle(command)
    return refused.value.code


async def cards_of(shop: MemoryShop, user: uuid.UUID, phone: str | None) -> list[uuid.UUID]:
    queries = shop.runtime.get(GiftCardQueries)
    page = await queries.user_cards(user, shop.clock.now(), PageRequest(), phone=phone)
    return [card.id for card in page.items]


@pytest.mark.rule("GC-7")
@pytest.mark.rule("MEM-1")
async def test_the_member_who_verified_the_number_pays_and_others_cannot(
    shop: MemoryShop,
) -> None:
    card_id = await phone_card(shop)
    assert await refusal(shop, payment(card_id, USER, 1)) == "giftcard.not_owner"  # no phone yet
    await verified(shop, USER, MEMBER_TYPED)
    await verified(shop, OTHER_USER, "139 0000 5678")
    assert await refusal(shop, payment(card_id, OTHER_USER, 2)) == "giftcard.not_owner"
    charged = await shop.runtime.bus.handle(payment(card_id, USER, 3))
    assert charged.charges[0].balance == cny("70.00")
    usages = await shop.runtime.get(GiftCardQueries).usages(PageRequest())
    assert [(u.user_id, u.phone) for u in usages.items] == [(USER, CANONICAL)]
    assert await cards_of(shop, USER, CANONICAL) == [card_id]
    await check_giftcard_books(shop)


@pytest.mark.rule("MEM-1")
async def test_a_card_follows_its_number_to_the_next_member_who_verifies_it(
    shop: MemoryShop,
) -> None:
    card_id = await phone_card(shop)
    await verified(shop, USER, MEMBER_TYPED)
    await shop.runtime.bus.handle(payment(card_id, USER, 1))
    await verified(shop, USER, "139 0000 5678")  # the member moves to another number
    assert await refusal(shop, payment(card_id, USER, 2)) == "giftcard.not_owner"
    await verified(shop, OTHER_USER, OPERATOR_TYPED)  # and the old one is verified by another
    await shop.runtime.bus.handle(payment(card_id, OTHER_USER, 3))
    usages = await shop.runtime.get(GiftCardQueries).usages(PageRequest())
    assert sorted((u.user_id, u.phone) for u in usages.items) == sorted(
        [(USER, CANONICAL), (OTHER_USER, CANONICAL)]
    )
    await check_giftcard_books(shop)  # each paid as the holder of the number, then
