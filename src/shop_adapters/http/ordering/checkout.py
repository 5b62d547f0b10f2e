"""Checking out (ORD-2, ORD-3, PAY-1), for the signed-in customer (a customer token; the user id
is its subject):

- ``POST /checkout/confirm`` prices the checkout and changes nothing: the summary (goods,
  promotion, coupon, points, shipping, payable), each line with its amounts, the shipping of
  each shop, the most points it may take, the verdict on each of the customer's coupons, and
  the gift cards that can pay it with the most they may pay;
- ``POST /orders`` (:func:`submit_order`) submits it: priced again, split into child orders by
  shop, everything held, the payment opened — 201 with the order. With the payable the
  customer confirmed in ``expected_payable``, a different price now is 409
  ``order.price_changed`` carrying the new figures in ``details.quote``. ``Idempotency-Key``
  makes it safe to retry (SEC-5): the same key answers the same order.
"""

from __future__ import annotations

from typing import Final

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import customer_only
from shop_adapters.http.giftcards.customer import user_id_of
from shop_adapters.http.ordering.schemas import (
    AmountsOut,
    CheckoutIn,
    ConfirmOut,
    CouponOut,
    GiftCardTenderOut,
    PricedLineOut,
    ShippingOut,
    SubmitIn,
    SubmittedOut,
    SummaryOut,
    TenderCardOut,
    minor,
    money,
)
from shop_adapters.http.problems import problem_spec
from shop_adapters.runtime import Runtime
from shop_app.ordering.checkout import CheckoutPricer, Priced
from shop_app.ordering.ports import GiftCardWallet, TenderCard
from shop_app.ordering.submit import SubmitOrder, SubmittedOrder
from shop_app.shared.auth import Principal
from shop_domain.pricing.engine import CouponVerdict
from shop_domain.shared.money import Money

NOT_FOUND: Final = problem_spec("A SKU, coupon or card that is not there (see `code`)")
CONFLICT: Final = problem_spec(
    "The price is not the one confirmed (`order.price_changed`, the new figures in "
    "`details.quote`); not enough stock (`stock.insufficient`); a coupon, points or card "
    "that cannot be held now; or `idempotency.key_reused`"
)


def _amounts(priced: Priced) -> dict[str, AmountsOut]:
    found = {}
    for line in priced.lines:
        a = line.amounts
        found[line.line_id] = AmountsOut(
            money(a.goods),
            money(a.promotion),
            money(a.coupon),
            money(a.points),
            money(a.shipping),
            money(a.gift_card),
            money(a.payable),
            a.points_used,
        )
    return found


def _coupon(v: CouponVerdict) -> CouponOut:
    return CouponOut(
        v.coupon_id,
        v.name,
        v.usable,
        v.reason,
        v.message,
        money(v.saving),
        v.chosen,
        v.needs_confirmation,
        money(v.missing_amount) if v.missing_amount is not None else None,
    )


def _tender(cards: list[TenderCard], payable: Money) -> GiftCardTenderOut:
    balances = sum((card.balance for card in cards), Money.zero(payable.currency))
    return GiftCardTenderOut(
        cards=[
            TenderCardOut(card.card_id, card.number, money(card.balance), card.valid_until)
            for card in cards
        ],
        max_amount=money(min(balances, payable)),
    )


def confirmed(priced: Priced, cards: list[TenderCard]) -> ConfirmOut:
    amounts = _amounts(priced)
    return ConfirmOut(
        summary=SummaryOut.of(priced.summary()),
        lines=[
            PricedLineOut(
                line.line_id,
                line.facts.sku_id,
                line.facts.shop_id,
                line.facts.kind.value,
                line.facts.name,
                dict(line.facts.attributes),
                line.quantity,
                money(line.unit_price),
                line.facts.warehouse_id,
                amounts[line.line_id],
            )
            for line in priced.lines
        ],
        shipping=[ShippingOut(shop, money(fee)) for shop, fee in sorted(priced.shipping.items())],
        max_points=priced.quote.max_points,
        coupons=[_coupon(v) for v in priced.quote.coupons],
        chosen_coupons=list(priced.quote.chosen_coupons),
        gift_card=_tender(
            [c for c in cards if c.balance.currency == priced.currency], priced.payable
        ),
    )


def submitted(made: SubmittedOrder) -> SubmittedOut:
    return SubmittedOut(
        order_id=made.order_id,
        number=made.number,
        state=made.state,
        payable=money(made.payable),
        external=money(made.external),
        gift_card=money(made.gift_card),
        payment_id=made.payment_id,
        payment_number=made.payment_number,
        expires_at=made.expires_at,
        children=list(made.children),
    )


class CheckoutController(Controller):
    path = "/"
    tags = ["orders"]
    guards = [customer_only]

    @post(
        "/checkout/confirm",
        summary="Price a checkout: amounts, lines, shipping, coupons, points and gift cards",
        status_code=200,
        responses={404: NOT_FOUND, 409: CONFLICT},
    )
    async def confirm(
        self,
        data: JSONBody[CheckoutIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> ConfirmOut:
        user_id = user_id_of(principal)
        now = runtime.clock.now()
        priced = await runtime.get(CheckoutPricer).price(data.request(user_id), now)
        cards = list(await runtime.get(GiftCardWallet).usable(user_id, now))
        return confirmed(priced, cards)


async def submit_order(data: SubmitIn, commands: Commands) -> SubmittedOut:
    """``POST /orders`` (served with the operators' ``/orders`` routes: one path, one
    controller)."""
    command = SubmitOrder(
        **data.fields(user_id_of(commands.principal)),
        expected_payable=None if data.expected_payable is None else minor(data.expected_payable),
        from_cart=data.from_cart,
    )
    made: SubmittedOrder = await commands.send(command)
    return submitted(made)


__all__ = ["CONFLICT", "NOT_FOUND", "CheckoutController", "submit_order"]
