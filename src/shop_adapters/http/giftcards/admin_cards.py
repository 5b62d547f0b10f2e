"""The gift-card back office, card by card: reading cards and their history, revealing one
secret (GC-11), binding by hand (GC-5), discarding (GC-4), lookup by number for customer
service (GC-14), the activation and usage records (GC-9, GC-8). Selling virtual cards and
paying orders with cards are in :mod:`.admin_tender`; permissions are described in
:mod:`.admin`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Final

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from shop_adapters.http.app import Commands
from shop_adapters.http.giftcards.admin import (
    ACTIVATE_GUARDS,
    LOOKUP_GUARDS,
    MANAGE_GUARDS,
    READ_GUARDS,
    SECRETS_GUARDS,
    bad_request,
)
from shop_adapters.http.giftcards.customer import CARD_NOT_FOUND, window
from shop_adapters.http.giftcards.requests import (
    MAX_TYPED,
    NUMBER_PATTERN,
    BindIn,
    DiscardCardIn,
)
from shop_adapters.http.giftcards.responses import (
    ActivationOut,
    CardOut,
    LookupOut,
    OperationOut,
    SecretOut,
    UsageOut,
)
from shop_adapters.http.problems import LOCATION, problem_spec
from shop_adapters.http.schemas import Page, Pagination
from shop_adapters.runtime import Runtime
from shop_app.giftcards import commands as c
from shop_app.giftcards.queries import ActivationFilter, UsageFilter
from shop_app.giftcards.results import RevealedSecret
from shop_app.giftcards.services import GiftCardServices
from shop_app.shared.auth import Principal
from shop_app.shared.messagebus import MessageBus
from shop_domain.giftcards.card import ActivationVia
from shop_domain.giftcards.errors import CardNotFound
from shop_domain.giftcards.numbers import normalise_number
from shop_domain.giftcards.usage import UsageState

CARD_STATE: Final = problem_spec(
    "The card's state does not allow this (`giftcard.card_state`, `giftcard.card_discarded`, "
    "`giftcard.already_activated`, `giftcard.batch_not_open`, `giftcard.expired`)"
)
NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}

Moment = Annotated[dt.datetime | None, QueryParameter(description="ISO 8601 with a timezone")]


def _aware(name: str, moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.utcoffset() is None:
        raise bad_request(name, "needs a timezone", source="query")
    return moment


async def _card(runtime: Runtime, card_id: uuid.UUID) -> CardOut:
    view = await runtime.get(GiftCardServices).queries.card(card_id, runtime.clock.now())
    if view is None:
        raise CardNotFound(card_id)
    return CardOut.of(view)


class GiftCardCardsController(Controller):
    """Cards and their records; each route names its permission and needs an operator."""

    path = "/giftcards"
    tags = ["gift cards admin"]

    # --- one card -----------------------------------------------------------------------------

    @get(
        "/cards/{card_id:uuid}",
        guards=READ_GUARDS,
        summary="A card (never its secret)",
        responses={404: CARD_NOT_FOUND},
    )
    async def card(
        self, card_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> CardOut:
        return await _card(runtime, card_id)

    @get(
        "/cards/{card_id:uuid}/history",
        guards=READ_GUARDS,
        summary="A card's operation history, oldest first (GC-10)",
        description="Starts with the card's creation; every sale, activation, payment, "
        "refund, discard and viewing of its secret follows, with actor, time and detail.",
        responses={404: CARD_NOT_FOUND},
    )
    async def card_history(
        self,
        card_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
    ) -> Page[OperationOut]:
        await _card(runtime, card_id)
        queries = runtime.get(GiftCardServices).queries
        items, total = await window(
            lambda request: queries.history(request, card_id=card_id), pagination
        )
        return Page.of([OperationOut.of(view) for view in items], total, pagination)

    @post(
        "/cards/{card_id:uuid}/secret",
        guards=SECRETS_GUARDS,
        summary="Reveal one card's secret (GC-11)",
        description="One card per request. Every viewing is recorded in the card's history "
        "and in the audit log, as the caller. The answer is never cached, and an "
        "`Idempotency-Key` is ignored here: a secret is never stored as a replayable outcome.",
        status_code=200,
        responses={404: CARD_NOT_FOUND},
    )
    async def reveal_secret(
        self,
        card_id: FromPath[uuid.UUID],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[Principal],
    ) -> Response[SecretOut]:
        command = c.RevealSecret(card_id=card_id, actor=principal.subject)
        # deliberately no idempotency key: the result holds the secret
        revealed: RevealedSecret = await bus.handle(command, actor=principal)
        return Response(SecretOut.of(revealed), headers=NO_STORE)

    @post(
        "/cards/{card_id:uuid}/bind",
        guards=ACTIVATE_GUARDS,
        summary="Bind a card to a user or a phone number by hand (GC-5)",
        description="Activates a pending card of an open batch for `user_id` or `phone` "
        "(exactly one). The activation record names the caller as operator (GC-9). 201: an "
        "activation is a new record; the answer is the card, at `Location`.",
        status_code=201,
        response_headers=LOCATION,
        responses={404: CARD_NOT_FOUND, 409: CARD_STATE},
    )
    async def bind(
        self,
        card_id: FromPath[uuid.UUID],
        data: JSONBody[BindIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> Response[CardOut]:
        if (data.user_id is None) == (data.phone is None):
            raise bad_request("user_id", "give exactly one of `user_id` or `phone`")
        command = c.BindCard(
            card_id=card_id,
            actor=commands.principal.subject,
            user_id=data.user_id,
            phone=data.phone,
        )
        await commands.send(command)
        return Response(
            await _card(runtime, card_id),
            status_code=201,
            headers={"Location": f"/giftcards/cards/{card_id}"},
        )

    @post(
        "/cards/{card_id:uuid}/discard",
        guards=MANAGE_GUARDS,
        summary="Discard a card for good (GC-4)",
        description="A discarded card cannot be sold, bound or spent any more.",
        status_code=200,
        responses={404: CARD_NOT_FOUND, 409: CARD_STATE},
    )
    async def discard(
        self,
        card_id: FromPath[uuid.UUID],
        data: JSONBody[DiscardCardIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> CardOut:
        command = c.DiscardCard(
            card_id=card_id, actor=commands.principal.subject, reason=data.reason
        )
        await commands.send(command)
        return await _card(runtime, card_id)

    # --- customer service and records ---------------------------------------------------------

    @get(
        "/lookup",
        guards=LOOKUP_GUARDS,
        summary="Everything about a card, by its number (GC-14)",
        description="The card, its batch, its activation, its payments (newest first) and its "
        "whole history (oldest first). Spaces and dashes in the number are ignored.",
        responses={404: CARD_NOT_FOUND},
    )
    async def lookup(
        self,
        runtime: NamedDependency[Runtime],
        number: Annotated[
            str,
            QueryParameter(
                min_length=1,
                max_length=MAX_TYPED,
                pattern=NUMBER_PATTERN,
                description="The card number; spaces and dashes are ignored",
            ),
        ],
    ) -> LookupOut:
        normalised = normalise_number(number)
        if not normalised:
            raise bad_request("number", "blank", source="query")
        found = await runtime.get(GiftCardServices).queries.lookup(normalised, runtime.clock.now())
        if found is None:
            raise CardNotFound(normalised)
        return LookupOut.of(found)

    @get(
        "/activations",
        guards=READ_GUARDS,
        summary="Activation records, newest first (GC-9)",
        description="With the card's current state. `since` is inclusive, `until` exclusive.",
    )
    async def activations(
        self,
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
        batch_id: FromQuery[uuid.UUID | None] = None,
        user_id: FromQuery[uuid.UUID | None] = None,
        number: Annotated[
            str | None,
            QueryParameter(min_length=1, max_length=MAX_TYPED, pattern=NUMBER_PATTERN),
        ] = None,
        via: Annotated[
            ActivationVia | None,
            QueryParameter(description="`manual`, `self` or `purchase`"),
        ] = None,
        since: Moment = None,
        until: Moment = None,
    ) -> Page[ActivationOut]:
        criteria = ActivationFilter(
            batch_id=batch_id,
            user_id=user_id,
            number=None if number is None else normalise_number(number),
            via=None if via is None else via.value,
            since=_aware("since", since),
            until=_aware("until", until),
        )
        queries = runtime.get(GiftCardServices).queries
        now = runtime.clock.now()
        items, total = await window(
            lambda request: queries.activations(request, now, criteria), pagination
        )
        return Page.of([ActivationOut.of(view) for view in items], total, pagination)

    @get(
        "/usages",
        guards=READ_GUARDS,
        summary="Usage records: what cards paid of which orders, newest first (GC-8)",
        description="`since` is inclusive, `until` exclusive.",
    )
    async def usages(
        self,
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
        batch_id: FromQuery[uuid.UUID | None] = None,
        card_id: FromQuery[uuid.UUID | None] = None,
        user_id: FromQuery[uuid.UUID | None] = None,
        order_id: FromQuery[uuid.UUID | None] = None,
        state_filter: Annotated[
            UsageState | None,
            QueryParameter(name="state", description="`valid`, `partially_refunded` or `invalid`"),
        ] = None,
        since: Moment = None,
        until: Moment = None,
    ) -> Page[UsageOut]:
        criteria = UsageFilter(
            batch_id=batch_id,
            card_id=card_id,
            user_id=user_id,
            order_id=order_id,
            state=None if state_filter is None else state_filter.value,
            since=_aware("since", since),
            until=_aware("until", until),
        )
        queries = runtime.get(GiftCardServices).queries
        items, total = await window(lambda request: queries.usages(request, criteria), pagination)
        return Page.of([UsageOut.of(view) for view in items], total, pagination)


__all__ = ["GiftCardCardsController"]
