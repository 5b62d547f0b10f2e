"""What ordering's checkout asks of the other plug-ins, answered by them: the quote of the items
(:class:`QuotedCarts`, pricing), each shop's freight (:class:`FreightFees`, fulfillment) and the
customer's address as the order keeps it (:class:`BookedAddresses`, the carts' address book).
Here, in the plug-in, because the application contexts import none of each other."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence

from shop_app.fulfillment.freight import FreightQuotes, ShopShipment
from shop_app.ordering.cart_ports import AddressQueries
from shop_app.ordering.ports import CheckoutItem
from shop_app.pricing.quoting import QuoteItem, QuoteRequest, QuoteService
from shop_domain.fulfillment.freight_quote import FreightLine
from shop_domain.ordering.errors import InvalidOrder
from shop_domain.pricing.engine import Quote
from shop_domain.pricing.terms import Channel
from shop_domain.shared.money import Money


class QuotedCarts:
    def __init__(self, quotes: QuoteService) -> None:
        self._quotes = quotes

    async def quote(
        self,
        *,
        user_id: uuid.UUID,
        items: Sequence[CheckoutItem],
        coupons: frozenset[uuid.UUID] | None,
        points: int,
        channel: str,
        now: dt.datetime,
        every_coupon: bool = True,
    ) -> Quote:
        try:
            sold_on = Channel(channel)
        except ValueError:
            raise InvalidOrder(
                f"a channel is one of {', '.join(sorted(Channel))}", details={"channel": channel}
            ) from None
        request = QuoteRequest(
            items=tuple(QuoteItem(item.sku_id, item.quantity) for item in items),
            coupons=coupons,
            points=points,
            every_coupon=every_coupon,
        )
        return await self._quotes.quote(request, str(user_id), sold_on, now)


class FreightFees:
    def __init__(self, freight: FreightQuotes) -> None:
        self._freight = freight

    async def fees(
        self, shops: Mapping[uuid.UUID, Sequence[FreightLine]], region: str
    ) -> Mapping[uuid.UUID, Money]:
        if not shops:
            return {}
        shipments = [
            ShopShipment(shop_id=shop, lines=tuple(lines)) for shop, lines in shops.items()
        ]
        return {
            shop: fee.fee for shop, fee in (await self._freight.fees(shipments, region)).items()
        }


class BookedAddresses:
    def __init__(self, book: AddressQueries) -> None:
        self._book = book

    async def region_of(self, user_id: uuid.UUID, address_id: uuid.UUID) -> dict[str, str] | None:
        address = await self._book.address_of(user_id, address_id)
        if address is None:
            return None
        snapshot = {
            "recipient": address.recipient,
            "phone": address.phone,
            "province": address.province,
            "city": address.city,
            "district": address.district,
            "region": address.district,
            "detail": address.detail,
        }
        if address.postcode:
            snapshot["postcode"] = address.postcode
        return snapshot


__all__ = ["BookedAddresses", "FreightFees", "QuotedCarts"]
