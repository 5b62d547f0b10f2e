"""The gift cards as money: selling virtual cards to a buyer (GC-6), paying an order with a
user's cards (GC-7) and giving back what they paid (GC-8). Permissions are described in
:mod:`.admin`.
"""

from __future__ import annotations

import uuid
from typing import Final

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from shop_adapters.http.app import Commands
from shop_adapters.http.giftcards.admin import (
    BATCH_NOT_FOUND,
    SELL_GUARDS,
    TENDER_GUARDS,
    bad_request,
)
from shop_adapters.http.giftcards.customer import CARD_NOT_FOUND
from shop_adapters.http.giftcards.requests import PaymentIn, RestoreIn, SaleIn
from shop_adapters.http.giftcards.responses_tender import (
    ChargedOut,
    RestoredOut,
    SaleOut,
    SoldCardOut,
)
from shop_adapters.http.problems import LOCATION, problem_spec
from shop_app.giftcards import commands as c
from shop_app.giftcards.results import Charged, Restored, SoldCard
from shop_domain.shared.money import Money

SALE_REFUSED: Final = problem_spec(
    "The batch cannot sell now (`giftcard.batch_not_open`, `giftcard.not_for_sale`, "
    "`giftcard.sold_out`)"
)
PAYMENT_REFUSED: Final = problem_spec(
    "A card cannot pay (`giftcard.insufficient_balance`, `giftcard.batch_not_open`, "
    "`giftcard.card_discarded`, `giftcard.not_activated`, `giftcard.expired`, "
    "`giftcard.not_yet_valid`, `giftcard.order_already_charged`); nothing was charged"
)
PAYMENT_INVALID: Final = problem_spec(
    "The payment is not valid: a card of another currency (`money.currency_mismatch`), a card "
    "given twice, too many cards, an amount that is not positive (`validation.invalid_value`), "
    "more decimals than the currency has (`money.too_precise`)"
)
NOT_OWNER: Final = problem_spec("A card belongs to another user (`giftcard.not_owner`)")
RESTORE_REFUSED: Final = problem_spec(
    "More than is left to give back (`giftcard.restore_exceeds_spent`)"
)


class GiftCardTenderController(Controller):
    """Sales, payments and restores; each route names its permission and needs an operator."""

    path = "/giftcards"
    tags = ["gift cards admin"]

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
        "again with the same request answers the first outcome; a different one is refused. "
        "201: the usage records are new; `Location` lists them.",
        status_code=201,
        response_headers=LOCATION,
        responses={
            404: CARD_NOT_FOUND,
            403: NOT_OWNER,
            409: PAYMENT_REFUSED,
            422: PAYMENT_INVALID,
        },
    )
    async def pay(
        self, data: JSONBody[PaymentIn], commands: NamedDependency[Commands]
    ) -> Response[ChargedOut]:
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
        return Response(
            ChargedOut.of(charged),
            status_code=201,
            headers={"Location": f"/giftcards/usages?order_id={charged.order_id}"},
        )

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


__all__ = ["GiftCardTenderController"]
