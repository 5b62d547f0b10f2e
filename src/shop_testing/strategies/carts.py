"""Strategies for carts across shops, drawn from listed products.

There is no cart model in the domain yet (the ordering context will bring one, RULES ORD-1).
Until then :class:`Cart` and :class:`CartLine` are the kit's own small frozen values: the shape
the pricing and ordering contexts will take as input — which SKU of which product of which shop,
at what unit price, how many. They hold no rule of their own beyond what makes a line a line
(a quantity of at least one, one currency per cart, one line per SKU); stock, purchase limits
and promotions are not their business.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from shop_domain.catalog import Category, Product
from shop_domain.shared.money import Money, total
from shop_testing.strategies.amounts import currencies
from shop_testing.strategies.catalog import leaf_categories, shop_ids
from shop_testing.strategies.common import NOW, aware, ids
from shop_testing.strategies.products import products

_MAX_SKUS = 3
"""SKUs of each product drawn for a cart."""


def _quantity(_instance: object, _attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"a cart line holds a whole quantity >= 1, not {value!r}")


@attrs.frozen
class CartLine:
    """``quantity`` units of the SKU ``sku_id`` of product ``product_id``, sold by shop
    ``shop_id`` at ``unit_price`` (the SKU's sale price when the line was drawn)."""

    shop_id: uuid.UUID
    product_id: uuid.UUID
    sku_id: uuid.UUID
    unit_price: Money
    quantity: int = attrs.field(validator=_quantity)

    @property
    def amount(self) -> Money:
        """Unit price times quantity, before any promotion."""
        return self.unit_price * self.quantity


def _lines(lines: Iterable[CartLine]) -> tuple[CartLine, ...]:
    return tuple(lines)


@attrs.frozen
class Cart:
    """Lines of one currency, one line per SKU, in the order they were added; possibly from
    several shops (an order is split by shop, ORD-3)."""

    lines: tuple[CartLine, ...] = attrs.field(converter=_lines)

    def __attrs_post_init__(self) -> None:
        if len({line.unit_price.currency for line in self.lines}) > 1:
            raise ValueError("a cart is priced in one currency")
        skus = [line.sku_id for line in self.lines]
        if len(set(skus)) != len(skus):
            raise ValueError("a cart holds one line per SKU")

    def by_shop(self) -> dict[uuid.UUID, tuple[CartLine, ...]]:
        """The lines of each shop, shops in the order they first appear."""
        grouped: dict[uuid.UUID, list[CartLine]] = {}
        for line in self.lines:
            grouped.setdefault(line.shop_id, []).append(line)
        return {shop: tuple(lines) for shop, lines in grouped.items()}

    @property
    def shop_ids(self) -> tuple[uuid.UUID, ...]:
        return tuple(self.by_shop())

    def subtotal(self, currency: str) -> Money:
        """The sum of the lines' amounts (zero of ``currency`` for an empty cart)."""
        return total((line.amount for line in self.lines), currency)


@st.composite
def carts_from(
    draw: st.DrawFn,
    catalog: Sequence[Product],
    *,
    now: dt.datetime = NOW,
    max_lines: int = 6,
    max_quantity: int = 5,
) -> Cart:
    """A :class:`Cart` of SKUs that may be bought at ``now`` among ``catalog`` (listed
    products of one currency, enabled SKUs: ``Product.ensure_purchasable`` accepts each): one
    line from every shop in ``catalog`` that has such a SKU, then up to ``max_lines`` in all,
    each SKU once, quantities of 1..``max_quantity``, unit prices the SKUs' sale prices.
    Shrinks to one line per shop, each the shop's first such SKU, of quantity 1."""
    aware(now)
    if max_quantity < 1:
        raise InvalidArgument("a cart line holds at least one unit")
    buyable = [
        (product, sku)
        for product in catalog
        if product.is_listed(now)
        for sku in product.enabled_skus()
    ]
    if not buyable:
        raise InvalidArgument("no listed product with an enabled SKU to put in a cart")
    if len({product.currency for product, _ in buyable}) > 1:
        raise InvalidArgument("the products of one cart share a currency")
    shops = list(dict.fromkeys(product.shop_id for product, _ in buyable))
    if max_lines < len(shops):
        raise InvalidArgument(f"{len(shops)} shops need at least as many lines, not {max_lines}")
    # every shop's first buyable SKU, then any others, each at most once
    firsts = [next(i for i, (p, _) in enumerate(buyable) if p.shop_id == shop) for shop in shops]
    others = [i for i in range(len(buyable)) if i not in firsts]
    extra = (
        draw(st.lists(st.sampled_from(others), max_size=max_lines - len(shops), unique=True))
        if others
        else []
    )
    lines = []
    for index in [*firsts, *extra]:
        product, sku = buyable[index]
        lines.append(
            CartLine(
                shop_id=product.shop_id,
                product_id=product.id,
                sku_id=sku.id,
                unit_price=sku.sale_price,
                quantity=draw(st.integers(min_value=1, max_value=max_quantity)),
            )
        )
    return Cart(lines)


@st.composite
def carts(
    draw: st.DrawFn,
    *,
    currency: str | None = None,
    now: dt.datetime = NOW,
    min_shops: int = 1,
    max_shops: int = 3,
    max_products_per_shop: int = 2,
    max_quantity: int = 5,
    max_price_minor: int = 10**8,
) -> Cart:
    """A :class:`Cart` over ``min_shops``..``max_shops`` distinct shops: for each shop
    1..``max_products_per_shop`` listed :func:`~shop_testing.strategies.products.products` in
    ``currency`` (drawn when None) in one leaf category, sale prices up to
    ``max_price_minor``, SKU codes distinct within the shop; then :func:`carts_from` them,
    so every shop has a line. Shrinks to a one-line cart of one unit."""
    if not 1 <= min_shops <= max_shops:
        raise InvalidArgument(
            f"a cart spans 1 <= min_shops <= max_shops, not {min_shops}..{max_shops}"
        )
    aware(now)
    code = currency if currency is not None else draw(currencies())
    category: Category = draw(leaf_categories(now=now))
    shops = draw(st.lists(shop_ids(), min_size=min_shops, max_size=max_shops, unique=True))
    counts = [draw(st.integers(min_value=1, max_value=max_products_per_shop)) for _ in shops]
    # distinct ids for every product and SKU (independent draws could share them)
    per_product = 1 + _MAX_SKUS
    pool = draw(
        st.lists(
            ids(),
            min_size=sum(counts) * per_product,
            max_size=sum(counts) * per_product,
            unique=True,
        )
    )
    catalog: list[Product] = []
    for shop_number, (shop, count) in enumerate(zip(shops, counts, strict=True)):
        for product_number in range(count):
            own = pool[len(catalog) * per_product : (len(catalog) + 1) * per_product]
            product = draw(
                products(
                    shop_id=shop,
                    category=category,
                    currency=code,
                    listed=True,
                    now=now,
                    max_skus=_MAX_SKUS,
                    max_price_minor=max_price_minor,
                    code_prefix=f"S{shop_number + 1}P{product_number + 1}-",
                    product_id=own[0],
                    sku_ids=own[1:],
                )
            )
            catalog.append(product)
    max_lines = len(shops) + draw(st.integers(min_value=0, max_value=3))
    return draw(carts_from(catalog, now=now, max_lines=max_lines, max_quantity=max_quantity))


__all__ = ["Cart", "CartLine", "carts", "carts_from"]
