"""The gift-card back office, card by card: reading cards and their history, revealing one
secret (GC-11), binding by hand (GC-5), discarding (GC-4), lookup by number for customer
service (GC-14), the activation and usage records (GC-9, GC-8), selling virtual cards (GC-6)
and paying orders with cards (GC-7, GC-8). Permissions are described in :mod:`.admin`.
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
    BATCH_NOT_FOUND,
    LOOKUP_GUARDS,
    MANAGE_GUARDS,
    READ_GUARDS,
    SECRETS_GUARDS,
    SELL_GUARDS,
    TENDER_GUARDS,
    bad_request,
)
from shop_adapters.http.giftcards.customer import (
    CARD_NOT_FOUND,
    giftcard_services,
    window,
)
from shop_adapters.http.giftcards.schemas import (
    MAX_NUMBER,
    ActivationOut,
    BindIn,
    CardOut,
    ChargedOut,
    DiscardCardIn,
    LookupOut,
    OperationOut,
    PaymentIn,
    RestoredOut,
    RestoreIn,
    SaleIn,
    SaleOut,
    SecretOut,
    SoldCardOut,
    UsageOut,
)
from shop_adapters.http.problems import problem_spec
from shop_adapters.http.schemas import Page, Pagination
from shop_adapters.runtime import Runtime
from shop_app.giftcards import commands as c
from shop_app.giftcards.queries import ActivationFilter, UsageFilter
from shop_app.giftcards.results import Charged, Restored, RevealedSecret, SoldCard
from shop_app.shared.auth import Principal
from shop_app.shared.messagebus import MessageBus
from shop_domain.giftcards.card import ActivationVia
from shop_domain.giftcards.errors import CardNotFound
from shop_domain.giftcards.numbers import normalise_number
from shop_domain.giftcards.usage import UsageState
from shop_domain.shared.money import Money

CARD_STATE: Final = problem_spec(
    "The card's state does not allow this (`giftcard.card_state`, `giftcard.card_discarded`, "
    "`giftcard.already_activated`, `giftcard.batch_not_open`, `giftcard.expired`)"
)
SALE_REFUSED: Final = problem_spec(
    "The batch cannot sell now (`giftcard.batch_not_open`, `giftcard.not_for_sale`, "
    "`giftcard.sold_out`)"
)
PAYMENT_REFUSED: Final = problem_spec(
    "A card cannot pay (`giftcard.insufficient_balance`, `giftcard.batch_not_open`, "
    "`giftcard.card_discarded`, `giftcard.not_activated`, `giftcard.expired`, "
    "`giftcard.not_yet_valid`, `giftcard.order_already_charged`); nothing was charged"
)
NOT_OWNER: Final = problem_spec("A card belongs to another user (`giftcard.not_owner`)")
RESTORE_REFUSED: Final = problem_spec(
    "More than is left to give back (`giftcard.restore_exceeds_spent`)"
)
NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}

Moment = Annotated[dt.datetime | None, QueryParameter(description="ISO 8601 with a timezone")]


def _aware(name: str, moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.utcoffset() is None:
        raise bad_request(name, "needs a timezone", source="query")
    return moment


async def _card(runtime: Runtime, card_id: uuid.UUID) -> CardOut:
    view = await giftcard_services(runtime).queries.card(card_id, runtime.clock.now())
    if view is None:
        raise CardNotFound(card_id)
    return CardOut.of(view)


class GiftCardCardsController(Controller):
    """Cards, records, selling and paying."""

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
        queries = giftcard_services(runtime).queries
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
        "(exactly one). The activation record names the caller as operator (GC-9).",
        status_code=200,
        responses={404: CARD_NOT_FOUND, 409: CARD_STATE},
    )
    async def bind(
        self,
        card_id: FromPath[uuid.UUID],
        data: JSONBody[BindIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> CardOut:
        if (data.user_id is None) == (data.phone is None):
            raise bad_request("user_id", "give exactly one of `user_id` or `phone`")
        command = c.BindCard(
            card_id=card_id,
            actor=commands.principal.subject,
            user_id=data.user_id,
            phone=data.phone,
        )
        await commands.send(command)
        return await _card(runtime, card_id)

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
            QueryParameter(min_length=1, max_length=MAX_NUMBER, description="The card number"),
        ],
    ) -> LookupOut:
        normalised = normalise_number(number)
        if not normalised:
            raise bad_request("number", "blank", source="query")
        found = await giftcard_services(runtime).queries.lookup(normalised, runtime.clock.now())
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
        number: Annotated[str | None, QueryParameter(min_length=1, max_length=MAX_NUMBER)] = None,
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
        queries = giftcard_services(runtime).queries
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
        queries = giftcard_services(runtime).queries
        items, total = await window(lambda request: queries.usages(request, criteria), pagination)
        return Page.of([UsageOut.of(view) for view in items], total, pagination)

    # --- selling and paying -------------------------------------------------------------------

    @post(
        "/batches/{batch_id:uuid}/sales",
        guards=SELL_GUARDS,
        summary="Sell virtual cards: assign unsold cards to a buyer (GC-6)",
        description="The buyer then binds them from their account without typing anything. "
        "Repeating a `sale_ref` answers the first sale's cards.",
        status_code=200,
        responses={404: BATCH_NOT_FOUND, 409: SALE_REFUSED},
    )
    async def sell(
        self,
        batch_id: FromPath[uuid.UUID],
        data: JSONBody[SaleIn],
        commands: NamedDependency[Commands],
    ) -> SaleOut:
        command = c.SellCards(
            batch_id=batch_id,
            buyer_id=data.buyer_id,
            quantity=data.quantity,
            sale_ref=data.sale_ref,
            actor=commands.principal.subject,
        )
        sold: list[SoldCard] = await commands.send(command)
        return SaleOut(
            batch_id=batch_id,
            buyer_id=data.buyer_id,
            sale_ref=data.sale_ref,
            cards=[SoldCardOut.of(card) for card in sold],
        )

    @post(
        "/payments",
        guards=TENDER_GUARDS,
        summary="Pay part or all of an order with the user's cards (GC-7)",
        description="The cards are taken in the order given, each as far as its balance goes; "
        "all or nothing. Each card's part makes a usage record (GC-8). Paying the same order "
        "again with the same request answers the first outcome; a different one is refused.",
        status_code=200,
        responses={404: CARD_NOT_FOUND, 403: NOT_OWNER, 409: PAYMENT_REFUSED},
    )
    async def pay(
        self, data: JSONBody[PaymentIn], commands: NamedDependency[Commands]
    ) -> ChargedOut:
        command = c.SpendGiftCards(
            order_id=data.order_id,
            user_id=data.user_id,
            amount=Money.of(data.amount, data.currency),
            card_ids=tuple(data.card_ids),
            actor=commands.principal.subject,
            sub_order_id=data.sub_order_id,
            tender=None if data.tender is None else data.tender.to_domain(data.currency),
        )
        charged: Charged = await commands.send(command)
        return ChargedOut.of(charged)

    @post(
        "/payments/{order_id:uuid}/restore",
        guards=TENDER_GUARDS,
        summary="Give back what cards paid for an order (GC-8)",
        description="Everything (no `amount`: the order was cancelled or wholly refunded), or "
        "`amount`, split over the cards in proportion. Applied once per `key`: repeating it "
        "answers `repeated: true` and changes nothing.",
        status_code=200,
        responses={409: RESTORE_REFUSED},
    )
    async def restore(
        self,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[RestoreIn],
        commands: NamedDependency[Commands],
    ) -> RestoredOut:
        if data.amount is not None and data.currency is None:
            raise bad_request("currency", "required with `amount`")
        if data.amount is None and data.currency is not None:
            raise bad_request("amount", "`currency` goes with an `amount`")
        amount = None
        if data.amount is not None and data.currency is not None:
            amount = Money.of(data.amount, data.currency)
        command = c.RestoreGiftCards(
            order_id=order_id,
            key=data.key,
            reason=data.reason,
            actor=commands.principal.subject,
            amount=amount,
        )
        restored: Restored = await commands.send(command)
        return RestoredOut.of(restored)


__all__ = ["GiftCardCardsController"]
