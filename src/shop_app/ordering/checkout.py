"""Pricing a checkout (the confirm step, and submission's re-pricing): the pricing quote plus
shipping, with each line's SKU facts and the warehouse its stock comes from.

:meth:`CheckoutPricer.price` reads only — the catalog, the live promotions, the customer's
wallet, points and cards, the stock and the freight — and changes nothing. Submission prices
again inside its transaction (:mod:`shop_app.ordering.submit`): the amounts an order is made
with are the ones priced then, never ones a client sends.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final, Protocol

import attrs

from shop_app.ordering.ports import (
    CartPricing,
    CheckoutItem,
    CustomerLevels,
    Freight,
    NoLevels,
    OrderCatalog,
    SkuFacts,
    StockSource,
)
from shop_domain.fulfillment.errors import InsufficientStock
from shop_domain.fulfillment.freight_quote import FreightLine
from shop_domain.ordering.errors import InvalidOrder
from shop_domain.ordering.lines import Amounts, GoodsKind, LineFacts
from shop_domain.ordering.split import PricedLine
from shop_domain.pricing.engine import Quote
from shop_domain.pricing.engine.quote import Source
from shop_domain.shared.money import Money, allocate_minor

MAX_CARDS: Final = 10


@attrs.frozen(kw_only=True)
class CheckoutRequest:
    """What a customer checks out: the items (the cart's selected lines, or one for buy-now),
    where to, and the choices the quote takes; the gift cards to pay ``gift_card`` (minor
    units) with."""

    user_id: uuid.UUID
    items: tuple[CheckoutItem, ...]
    address_id: uuid.UUID | None = None
    coupons: frozenset[uuid.UUID] | None = None
    points: int = 0
    card_ids: tuple[uuid.UUID, ...] = ()
    gift_card: int = 0
    channel: str = "app"


class AddressBook(Protocol):
    async def region_of(self, user_id: uuid.UUID, address_id: uuid.UUID) -> dict[str, str] | None:
        """The address as an order keeps it (``region`` its district code), or None when it is
        not this user's."""
        ...


class NoAddresses:
    """No address book plugged in: nothing can be shipped."""

    async def region_of(self, user_id: uuid.UUID, address_id: uuid.UUID) -> dict[str, str] | None:
        return None


@attrs.frozen(kw_only=True)
class Priced:
    quote: Quote
    lines: tuple[PricedLine, ...]
    shipping: Mapping[uuid.UUID, Money]
    address: dict[str, str] | None
    currency: str
    member_level: int | None = None

    @property
    def shipping_total(self) -> Money:
        return sum(self.shipping.values(), Money.zero(self.currency))

    @property
    def payable(self) -> Money:
        return sum((line.amounts.payable for line in self.lines), self.shipping_total)

    def breakdown(self) -> list[dict[str, Any]]:
        """Every discount by source (ORD-9), summed over the lines, in the quote's order."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for line in self.quote.lines:
            for adj in line.adjustments:
                key = (adj.source.value, str(adj.source_id or ""))
                entry = found.setdefault(
                    key,
                    {
                        "source": adj.source.value,
                        "source_id": key[1] or None,
                        "name": adj.name,
                        "level": adj.level,
                        "amount": 0,
                    },
                )
                entry["amount"] += adj.amount.minor
        return list(found.values())

    def summary(self) -> dict[str, Any]:
        totals = self.quote.totals
        return {
            "goods": totals.list_total.minor,
            "promotion": totals.promotion_discount.minor,
            "coupon": totals.coupon_discount.minor,
            "points": totals.points_discount.minor,
            "points_used": totals.points_used,
            "shipping": self.shipping_total.minor,
            "payable": self.payable.minor,
            "currency": self.currency,
        }


def _sum(line: Any, source: Source, currency: str) -> Money:
    return sum((a.amount for a in line.adjustments if a.source is source), Money.zero(currency))


class CheckoutPricer:
    def __init__(
        self,
        *,
        quotes: CartPricing,
        catalog: OrderCatalog,
        stock: StockSource,
        freight: Freight,
        addresses: AddressBook,
        levels: CustomerLevels | None = None,
    ) -> None:
        self._quotes, self._catalog, self._stock = quotes, catalog, stock
        self._freight, self._addresses = freight, addresses
        self._levels: CustomerLevels = levels or NoLevels()

    async def price(
        self, request: CheckoutRequest, now: dt.datetime, *, every_coupon: bool = True
    ) -> Priced:
        """The checkout of ``request`` at ``now``; ``every_coupon`` False for a submission,
        which needs no verdict on the coupons it does not use."""
        if len(request.card_ids) > MAX_CARDS:
            raise InvalidOrder(f"at most {MAX_CARDS} gift cards pay one order")
        quote = await self._quotes.quote(
            user_id=request.user_id,
            items=request.items,
            coupons=request.coupons,
            points=request.points,
            channel=request.channel,
            now=now,
            every_coupon=every_coupon,
        )
        currency = quote.currency
        gifts = [(g.sku_id, g.quantity, g.price) for g in quote.gifts]
        facts = await self._catalog.facts_of(
            sorted({line.sku_id for line in quote.lines} | {sku for sku, _, _ in gifts})
        )
        shipped = any(f.kind is not GoodsKind.VIRTUAL for f in facts.values())
        address = await self._address(request, shipped)
        region = address["region"] if address else None
        needs: dict[uuid.UUID, int] = {}
        for sku, quantity in [(ln.sku_id, ln.quantity) for ln in quote.lines] + [
            (sku, qty) for sku, qty, _ in gifts
        ]:
            if facts[sku].kind is not GoodsKind.VIRTUAL:
                needs[sku] = needs.get(sku, 0) + quantity
        warehouses = await self._stock.warehouses_for(needs, region) if needs else {}
        missing = sorted(str(sku) for sku in needs if sku not in warehouses)
        if missing:
            raise InsufficientStock(
                "not enough stock to serve this address", details={"sku_ids": missing}
            )
        lines = priced_lines(quote, facts, warehouses)
        shipping = await self._fees(lines, region) if region else {}
        return Priced(
            quote=quote,
            lines=tuple(lines),
            shipping={shop: fee for shop, fee in shipping.items() if fee.is_positive()},
            address=address,
            currency=currency,
            member_level=await self._levels.level_of(request.user_id),
        )

    async def _address(self, request: CheckoutRequest, shipped: bool) -> dict[str, str] | None:
        if not shipped:
            return None
        if request.address_id is None:
            raise InvalidOrder("goods that are shipped need an address")
        address = await self._addresses.region_of(request.user_id, request.address_id)
        if address is None:
            raise InvalidOrder("no such address", details={"address_id": str(request.address_id)})
        return address

    async def _fees(self, lines: Sequence[PricedLine], region: str) -> Mapping[uuid.UUID, Money]:
        """Each shop's freight (SHP-1) for its shipped lines, on what they pay for goods after
        promotions and coupons."""
        shops: dict[uuid.UUID, list[FreightLine]] = {}
        for line in lines:
            if line.facts.kind is GoodsKind.VIRTUAL:
                continue
            shops.setdefault(line.facts.shop_id, []).append(
                FreightLine(
                    sku_id=line.facts.sku_id,
                    quantity=line.quantity,
                    weight_g=line.facts.weight_g,
                    freight_template_id=line.facts.freight_template_id,
                    amount=line.amounts.goods - line.amounts.promotion - line.amounts.coupon,
                )
            )
        return await self._freight.fees(shops, region)


def priced_lines(
    quote: Quote, facts: Mapping[uuid.UUID, SkuFacts], warehouses: Mapping[uuid.UUID, uuid.UUID]
) -> list[PricedLine]:
    """The quote's lines as an order takes them: each with its SKU's facts, the warehouse it
    is reserved from and every discount by source; then the gifts (PRO-9) as lines of their
    own; the points used spread over the lines by the money they took off."""
    currency = quote.currency
    lines = [
        PricedLine(
            line_id=ln.line_id,
            facts=_facts(facts[ln.sku_id], warehouses.get(ln.sku_id)),
            quantity=ln.quantity,
            unit_price=ln.list_unit_price,
            amounts=Amounts(
                goods=ln.list_amount,
                promotion=_sum(ln, Source.PROMOTION, currency),
                coupon=_sum(ln, Source.COUPON, currency),
                points=_sum(ln, Source.POINTS, currency),
                shipping=Money.zero(currency),
                gift_card=Money.zero(currency),
            ),
        )
        for ln in quote.lines
    ]
    lines += [
        _gift_line(
            n, g.sku_id, g.quantity, g.price, facts[g.sku_id], warehouses.get(g.sku_id), currency
        )
        for n, g in enumerate(quote.gifts, start=1)
    ]
    _points_used(lines, quote.totals.points_used)
    return lines


def _facts(sku: SkuFacts, warehouse: uuid.UUID | None) -> LineFacts:
    return LineFacts(
        sku_id=sku.sku_id,
        spu_id=sku.spu_id,
        shop_id=sku.shop_id,
        kind=sku.kind,
        name=sku.name,
        attributes=dict(sku.attributes),
        warehouse_id=warehouse if sku.kind is not GoodsKind.VIRTUAL else None,
        weight_g=sku.weight_g,
        freight_template_id=sku.freight_template_id,
    )


def _gift_line(
    n: int,
    sku: uuid.UUID,
    quantity: int,
    price: Money | None,
    facts: SkuFacts,
    warehouse: uuid.UUID | None,
    currency: str,
) -> PricedLine:
    """A gift (PRO-9) as a line of the order: free, or at its add-price."""
    unit = price or Money.zero(currency)
    zero = Money.zero(currency)
    return PricedLine(
        line_id=f"gift-{n}",
        facts=_facts(facts, warehouse),
        quantity=quantity,
        unit_price=unit,
        amounts=Amounts(unit * quantity, zero, zero, zero, zero, zero),
    )


def _points_used(lines: list[PricedLine], points: int) -> None:
    """The points the quote used, spread over the lines by the money they took off."""
    bases = [line.amounts.points.minor for line in lines]
    if not points or not any(bases):
        return
    for index, share in enumerate(allocate_minor(points, bases, capped=False)):
        line = lines[index]
        lines[index] = attrs.evolve(line, amounts=attrs.evolve(line.amounts, points_used=share))


__all__ = [
    "AddressBook",
    "CheckoutPricer",
    "CheckoutRequest",
    "NoAddresses",
    "Priced",
    "priced_lines",
]
