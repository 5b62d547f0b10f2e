"""Quoting a cart for a customer (issue 12, item 8): the glue between what is stored and the pure
engine (:func:`shop_domain.pricing.engine.price`).

:meth:`QuoteService.quote` takes what a client may say — SKUs and quantities, add-on lines, the
customer's picks — and nothing it may not: the prices are read from the catalog
(:class:`PricingCatalog`, a client never sends one), the promotions from the live index of this
process (:class:`~shop_app.pricing.live.LivePromotions`, no promotion row is read), the
customer's facts (:class:`~shop_app.pricing.customers.CustomerFactsSource`) and, for a signed-in
customer, every coupon of the wallet (:class:`WalletSource`). A SKU the catalog does not know is
``pricing.unknown_sku``, one that cannot be bought now (its product unlisted, the SKU disabled)
``pricing.unlisted_sku``: nothing is priced. The quote changes nothing anywhere.

:meth:`QuoteService.tags` gives a product page the tags of the promotions active on its SKUs
("满300减50", "直降 30.00").
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Final, Protocol

import attrs

from shop_app.pricing.customers import CustomerFactsSource
from shop_app.pricing.live import LivePromotions
from shop_domain.pricing.engine import (
    DEFAULT_BUDGET,
    CartLine,
    Choices,
    InvalidCart,
    PointsOffer,
    Quote,
    WalletCoupon,
    price,
)
from shop_domain.pricing.kinds.gifts import Picks
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.promotion import Level
from shop_domain.pricing.terms import AudienceKind, Channel
from shop_domain.shared.errors import InvalidValue, NotFound
from shop_domain.shared.money import Money

MAX_LINES: Final = 100
"""The most lines a cart to quote may have."""
MAX_QUANTITY: Final = 9_999
"""The most units of one line."""
LINE_ID_MAX: Final = 64


class UnknownSku(InvalidValue):
    """A line names a SKU the catalog does not have; ``details.sku_ids`` lists them."""

    code = "pricing.unknown_sku"


class UnlistedSku(InvalidValue):
    """A line names a SKU that cannot be bought now — its product is not listed, or the SKU is
    disabled (CAT-7); ``details.sku_ids`` lists them."""

    code = "pricing.unlisted_sku"


class UnknownProduct(NotFound):
    """No product of that id is on sale (unknown, or not listed now)."""

    code = "pricing.unknown_product"


# --- ports ------------------------------------------------------------------------------------


@attrs.frozen
class CatalogLine:
    """A SKU as a quote reads it from the catalog: the facts promotions and coupons target, the
    price it sells at before any promotion, and whether it can be bought now."""

    item: ItemFacts
    unit_price: Money
    listed: bool


class PricingCatalog(Protocol):
    """The catalog's SKUs and prices, read outside any unit of work."""

    async def lines_of(
        self, sku_ids: Sequence[uuid.UUID], now: dt.datetime
    ) -> Mapping[uuid.UUID, CatalogLine]:
        """The SKUs of ``sku_ids`` the catalog has, by id (an unknown one is left out); listed
        when its product is listed at ``now`` (schedules applied) and the SKU is enabled."""
        ...

    async def lines_of_product(
        self, product_id: uuid.UUID, now: dt.datetime
    ) -> Sequence[CatalogLine]:
        """Every SKU of the product ``product_id`` (none for an unknown product), by SKU id."""
        ...


class WalletSource(Protocol):
    """A customer's coupons as pricing reads them (from the coupons context's store)."""

    async def coupons_of(
        self, user_id: str, now: dt.datetime, only: frozenset[uuid.UUID] | None = None
    ) -> Sequence[WalletCoupon]:
        """Every coupon of ``user_id``'s wallet that a quote speaks of: the available ones, and
        the locked and expired ones as not available (``available=False``); not the used and
        voided ones. None for a user id that names no wallet. With ``only``, just those of its
        coupons (the ones a customer chose)."""
        ...


class PointsSource(Protocol):
    """What a customer's points may pay at checkout (PTS-4): the points available and the
    programme's rate and cap. The context that keeps points registers its own after pricing's
    default, :class:`NoPoints`."""

    async def offer_of(self, user_id: str, now: dt.datetime) -> PointsOffer | None:
        """None: the customer has no points to pay with."""
        ...


class NoPoints:
    """No points programme: points never pay (asking for some is
    ``pricing.not_enough_points``)."""

    async def offer_of(self, user_id: str, now: dt.datetime) -> PointsOffer | None:
        return None


# --- the request ------------------------------------------------------------------------------


@attrs.frozen
class QuoteItem:
    """A line a client asks to price: ``quantity`` of ``sku_id``; ``add_on_of`` names the
    add-on purchase (PRO-1 i) it is taken under; ``line_id`` is the client's own name for it
    (``line-<n>``, its position from 1, when not given)."""

    sku_id: uuid.UUID
    quantity: int
    add_on_of: uuid.UUID | None = None
    line_id: str | None = None


@attrs.frozen(kw_only=True)
class QuoteRequest:
    """A cart and the customer's choices: per (line, level) the promotion it takes (None for
    none, PRO-5), per threshold-gift promotion the gifts picked, the coupons to use (None: the
    recommended set, CPN-7), and the points to pay with (PTS-4). ``every_coupon`` False: when
    coupons are chosen, only they are read from the wallet and the quote gives no verdict on
    the others (a submission prices what was chosen and shows nothing)."""

    items: tuple[QuoteItem, ...]
    promotion_picks: Mapping[tuple[str, Level], uuid.UUID | None] = attrs.field(factory=dict)
    gift_picks: Mapping[uuid.UUID, Picks] = attrs.field(factory=dict)
    coupons: frozenset[uuid.UUID] | None = None
    points: int = 0
    every_coupon: bool = True


@attrs.frozen
class ProductTag:
    """A promotion active on a product, as its page shows it."""

    promotion_id: uuid.UUID
    name: str
    tag: str
    kind: str
    level: Level
    audience: AudienceKind
    ends_at: dt.datetime
    sku_ids: tuple[uuid.UUID, ...]
    """The product's listed SKUs it covers."""


def line_ids(items: Sequence[QuoteItem]) -> list[str]:
    return [item.line_id or f"line-{n}" for n, item in enumerate(items, start=1)]


def _check(items: Sequence[QuoteItem]) -> None:
    if not 1 <= len(items) <= MAX_LINES:
        raise InvalidCart(f"a cart to quote has 1 to {MAX_LINES} lines")
    for item in items:
        quantity = item.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise InvalidCart("a line's quantity is a whole number")
        if not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidCart(
                f"a line's quantity is 1 to {MAX_QUANTITY}",
                details={"sku_id": str(item.sku_id), "quantity": quantity},
            )
        if item.line_id is not None and not 1 <= len(item.line_id) <= LINE_ID_MAX:
            raise InvalidCart(f"a line id has 1 to {LINE_ID_MAX} characters")


def _ids(values: Sequence[uuid.UUID]) -> list[str]:
    return [str(value) for value in sorted(set(values))]


class QuoteService:
    def __init__(
        self,
        *,
        catalog: PricingCatalog,
        live: LivePromotions,
        customers: CustomerFactsSource,
        wallet: WalletSource,
        points: PointsSource | None = None,
        budget: int = DEFAULT_BUDGET,
    ) -> None:
        self._catalog = catalog
        self._live = live
        self._customers = customers
        self._wallet = wallet
        self._points: PointsSource = points or NoPoints()
        self.budget = budget

    async def quote(
        self, request: QuoteRequest, user_id: str | None, channel: Channel, now: dt.datetime
    ) -> Quote:
        """The best price of ``request``'s cart for ``user_id`` (None: a guest, no wallet) on
        ``channel`` at ``now``. Bad input raises its code (``pricing.unknown_sku``,
        ``pricing.unlisted_sku``, the engine's ``pricing.invalid_cart``,
        ``pricing.invalid_choice``, ``pricing.coupon_not_usable``…) and nothing is priced."""
        cart = await self._cart(request.items, now)
        promotions = await self._live.candidates([line.item for line in cart], now, channel)
        customer = await self._customers.facts_of(user_id)
        only = None if request.every_coupon else request.coupons
        coupons = await self._wallet.coupons_of(user_id, now, only) if user_id is not None else ()
        points = await self._points.offer_of(user_id, now) if user_id is not None else None
        choices = Choices(
            promotions=dict(request.promotion_picks),
            gifts=dict(request.gift_picks),
            coupons=request.coupons,
            points=request.points,
        )
        return price(
            cart,
            customer,
            now,
            channel,
            promotions,
            tuple(coupons),
            points,
            choices,
            budget=self.budget,
        )

    async def _cart(self, items: Sequence[QuoteItem], now: dt.datetime) -> list[CartLine]:
        _check(items)
        found = await self._catalog.lines_of(sorted({item.sku_id for item in items}), now)
        unknown = [item.sku_id for item in items if item.sku_id not in found]
        if unknown:
            raise UnknownSku(
                f"no SKU {', '.join(_ids(unknown))} in the catalog",
                details={"sku_ids": _ids(unknown)},
            )
        unlisted = [item.sku_id for item in items if not found[item.sku_id].listed]
        if unlisted:
            raise UnlistedSku(
                f"SKU {', '.join(_ids(unlisted))} cannot be bought now",
                details={"sku_ids": _ids(unlisted)},
            )
        return [
            CartLine(
                line_id=line_id,
                item=found[item.sku_id].item,
                quantity=item.quantity,
                unit_price=found[item.sku_id].unit_price,
                add_on_of=item.add_on_of,
            )
            for line_id, item in zip(line_ids(items), items, strict=True)
        ]

    async def tags(
        self, product_id: uuid.UUID, channel: Channel, now: dt.datetime
    ) -> list[ProductTag]:
        """The promotions active at ``now`` on ``channel`` on the listed SKUs of
        ``product_id``, by level then rank (PRO-4, PRO-5), whatever their audience (the page
        shows a member price to everyone; a quote applies it to members only). An unknown or
        unlisted product is ``pricing.unknown_product``."""
        listed = [
            line.item
            for line in await self._catalog.lines_of_product(product_id, now)
            if line.listed
        ]
        if not listed:
            raise UnknownProduct(
                f"no product {product_id} on sale", details={"product_id": str(product_id)}
            )
        found = await self._live.candidates(listed, now, channel)
        found.sort(key=lambda p: (p.level, p.rank(), p.id))
        return [
            ProductTag(
                promotion_id=promotion.id,
                name=promotion.definition.name,
                tag=promotion.definition.kind.tag(),
                kind=promotion.definition.kind.name,
                level=promotion.level,
                audience=promotion.definition.audience.kind,
                ends_at=promotion.definition.window.ends_at,
                sku_ids=tuple(
                    item.sku_id for item in listed if promotion.definition.targets.covers(item)
                ),
            )
            for promotion in found
        ]


__all__ = [
    "LINE_ID_MAX",
    "MAX_LINES",
    "MAX_QUANTITY",
    "CatalogLine",
    "PricingCatalog",
    "ProductTag",
    "QuoteItem",
    "QuoteRequest",
    "QuoteService",
    "UnknownProduct",
    "UnknownSku",
    "UnlistedSku",
    "WalletSource",
    "line_ids",
]
