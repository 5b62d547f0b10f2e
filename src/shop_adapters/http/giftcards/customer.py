"""Gift cards as their holders see them (SEC-1): self-service activation (GC-5), the caller's
cards and their payments, and binding a card they bought (GC-6).

Every route needs a customer token and acts on the caller only: the user id is the token's
subject. The caller's cards are those bound to them, and those an operator bound to the phone
number they verified (GC-5; ``POST /me/phone``). Another user's card is as unknown as a missing
one (404 ``giftcard.card_not_found``).

Self-service activation answers one refusal for a wrong number and a wrong secret alike (404
``giftcard.activation_failed``). Failures are counted per user and per card number; once either
reaches the installation's limit, that user or card is locked out for a while — 429
``giftcard.too_many_attempts`` with ``Retry-After`` — and during a lock-out even the right pair
is refused, so a secret cannot be guessed. Activation and binding honour ``Idempotency-Key``
(SEC-5): a retry answers the first outcome.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Final, TypeVar

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from shop_adapters.http.app import Commands, idempotency_owner
from shop_adapters.http.auth import InvalidSubject, customer_only
from shop_adapters.http.giftcards.requests import (
    ActivateIn,
)
from shop_adapters.http.giftcards.responses_customer import (
    MyCardOut,
    MyUsageOut,
)
from shop_adapters.http.problems import LOCATION, HttpProblem, problem_spec
from shop_adapters.http.schemas import Page, Pagination
from shop_adapters.runtime import Runtime
from shop_app.giftcards.commands import ActivateCard, BindPurchasedCard
from shop_app.giftcards.ports import VerifiedPhones
from shop_app.giftcards.queries import CardView, UsageFilter
from shop_app.giftcards.services import GiftCardServices
from shop_app.shared import paging
from shop_app.shared.auth import Principal
from shop_domain.giftcards.errors import CardNotFound

T = TypeVar("T")

CARD_NOT_FOUND: Final = problem_spec("No such card (`giftcard.card_not_found`)")
MY_CARD_NOT_FOUND: Final = problem_spec(
    "No such card among the caller's (`giftcard.card_not_found`): another user's card is unknown"
)
ACTIVATION_FAILED: Final = problem_spec(
    "The number and secret do not match a card that can be activated "
    "(`giftcard.activation_failed`), whatever the reason"
)
CARD_REFUSED: Final = problem_spec(
    "The card cannot be bound now: `giftcard.batch_not_open`, `giftcard.card_discarded`, "
    "`giftcard.already_activated`, `giftcard.expired`"
)
LOCKED_OUT: Final = problem_spec(
    "Too many wrong attempts for this user or card lately (`giftcard.too_many_attempts`); "
    "see `Retry-After`"
)


# --- helpers shared with the back office ------------------------------------------------------


def user_id_of(principal: Principal) -> uuid.UUID:
    """A customer's user id: the token's subject, which must be a UUID."""
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        raise HttpProblem(
            403, InvalidSubject.code, "this customer token does not name a user id"
        ) from None


def as_uuid(value: object) -> uuid.UUID:
    """A command's id result (an idempotent replay rebuilds it as it was stored)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def window(
    fetch: Callable[[paging.PageRequest], Awaitable[paging.Page[T]]], pagination: Pagination
) -> tuple[list[T], int]:
    """``limit``/``offset`` over the application's page-numbered queries: the items of the
    window (at most two pages read) and the total."""
    size = pagination.limit
    number, skip = divmod(pagination.offset, size)
    page = await fetch(paging.PageRequest(page=number + 1, page_size=size))
    items = list(page.items[skip:])
    if skip and len(items) < size and pagination.offset + len(items) < page.total:
        following = await fetch(paging.PageRequest(page=number + 2, page_size=size))
        items.extend(following.items[: size - len(items)])
    return items, page.total


def slice_page(items: Sequence[T], pagination: Pagination) -> tuple[list[T], int]:
    """``limit``/``offset`` over a whole list."""
    start = pagination.offset
    return list(items[start : start + pagination.limit]), len(items)


async def verified_phone(runtime: Runtime, user_id: uuid.UUID) -> str | None:
    """The caller's verified phone (canonical), whose cards are theirs too (GC-5)."""
    return await runtime.get(VerifiedPhones).verified_phone(user_id)


async def own_card(runtime: Runtime, user_id: uuid.UUID, card_id: uuid.UUID) -> CardView:
    """The caller's card: bound to them or to their verified phone, or bought by them and not
    yet bound."""
    card = await runtime.get(GiftCardServices).queries.card(card_id, runtime.clock.now())
    if card is None:
        raise CardNotFound(card_id)
    if card.user_id == user_id or (card.user_id is None and card.buyer_id == user_id):
        return card
    bound_to_phone = card.user_id is None and card.phone is not None
    if bound_to_phone and card.phone == await verified_phone(runtime, user_id):
        return card
    raise CardNotFound(card_id)


# --- the signed-in customer -------------------------------------------------------------------


class GiftCardCustomerController(Controller):
    """A customer's own gift cards."""

    path = "/"
    tags = ["gift cards"]
    guards = [customer_only]

    @post(
        "/giftcards/activate",
        summary="Activate a card with its number and secret (GC-5)",
        description="Binds the card to the caller. A wrong number and a wrong secret get the "
        "same 404; after too many of them the caller (or the card) is locked out for a while "
        "(429 with `Retry-After`), and then even the right pair is refused until it ends.",
        status_code=201,
        response_headers=LOCATION,
        responses={404: ACTIVATION_FAILED, 409: CARD_REFUSED, 429: LOCKED_OUT},
    )
    async def activate(
        self,
        data: JSONBody[ActivateIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        idempotency_key: NamedDependency[str | None],
    ) -> Response[MyCardOut]:
        services = runtime.get(GiftCardServices)
        command = ActivateCard(
            user_id=user_id_of(principal), number=data.number, secret=data.secret
        )
        card_id = as_uuid(
            await runtime.bus.handle(
                command,
                idempotency_key=idempotency_key,
                idempotency_owner=idempotency_owner(principal),
                actor=principal,
            )
        )
        now = runtime.clock.now()
        card = await services.queries.card(card_id, now)
        if card is None:  # pragma: no cover - it was just activated
            raise CardNotFound(card_id)
        return Response(
            MyCardOut.of(card, now),
            status_code=201,
            headers={"Location": f"/me/giftcards/{card_id}"},
        )

    @get(
        "/me/giftcards",
        summary="The caller's cards, with their balances",
        description="Cards bound to the caller or to the phone number they verified (GC-5), "
        "newest activation first; `state` is effective now (`expired` once the validity has "
        "ended).",
    )
    async def my_cards(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        pagination: NamedDependency[Pagination],
    ) -> Page[MyCardOut]:
        queries = runtime.get(GiftCardServices).queries
        user_id = user_id_of(principal)
        now = runtime.clock.now()
        phone = await verified_phone(runtime, user_id)
        items, total = await window(
            lambda request: queries.user_cards(user_id, now, request, phone=phone), pagination
        )
        return Page.of([MyCardOut.of(card, now) for card in items], total, pagination)

    @get(
        "/me/giftcards/purchased",
        summary="Cards the caller bought and has not bound yet (GC-6)",
        description="Newest sale first. Bind one with `POST /me/giftcards/{card_id}/bind`.",
    )
    async def purchased(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        pagination: NamedDependency[Pagination],
    ) -> Page[MyCardOut]:
        now = runtime.clock.now()
        cards = await runtime.get(GiftCardServices).queries.purchased(user_id_of(principal), now)
        items, total = slice_page(cards, pagination)
        return Page.of([MyCardOut.of(card, now) for card in items], total, pagination)

    @get(
        "/me/giftcards/{card_id:uuid}",
        summary="One of the caller's cards",
        responses={404: MY_CARD_NOT_FOUND},
    )
    async def my_card(
        self,
        card_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> MyCardOut:
        card = await own_card(runtime, user_id_of(principal), card_id)
        return MyCardOut.of(card, runtime.clock.now())

    @get(
        "/me/giftcards/{card_id:uuid}/usages",
        summary="Payments made with one of the caller's cards (GC-8), newest first",
        responses={404: MY_CARD_NOT_FOUND},
    )
    async def my_usages(
        self,
        card_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        pagination: NamedDependency[Pagination],
    ) -> Page[MyUsageOut]:
        user_id = user_id_of(principal)
        await own_card(runtime, user_id, card_id)
        queries = runtime.get(GiftCardServices).queries
        criteria = UsageFilter(card_id=card_id, user_id=user_id)
        items, total = await window(lambda request: queries.usages(request, criteria), pagination)
        return Page.of([MyUsageOut.of(usage) for usage in items], total, pagination)

    @post(
        "/me/giftcards/{card_id:uuid}/bind",
        summary="Bind a card the caller bought, without typing anything (GC-6)",
        description="201: the activation is a new record; the answer is the card, at `Location`.",
        status_code=201,
        response_headers=LOCATION,
        responses={404: MY_CARD_NOT_FOUND, 409: CARD_REFUSED},
    )
    async def bind_purchased(
        self,
        card_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> Response[MyCardOut]:
        user_id = user_id_of(commands.principal)
        await commands.send(BindPurchasedCard(card_id=card_id, user_id=user_id))
        card = await own_card(runtime, user_id, card_id)
        return Response(
            MyCardOut.of(card, runtime.clock.now()),
            status_code=201,
            headers={"Location": f"/me/giftcards/{card_id}"},
        )


__all__ = [
    "GiftCardCustomerController",
    "as_uuid",
    "own_card",
    "slice_page",
    "user_id_of",
    "verified_phone",
    "window",
]
