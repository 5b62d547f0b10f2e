"""The kit's cart strategies: every line is a SKU the catalog sells at ``now`` at its sale price,
carts span several shops, and examples shrink to a one-line cart (CAT-7, ORD-1, ORD-3)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from tests.kit.strategies_support import VALID, reach, smallest

from shop_domain.catalog import Product
from shop_domain.shared import Money
from shop_testing.strategies import NOW, Cart, CartLine, carts, carts_from, ids, products

CARTS = settings(VALID, max_examples=100)
"""A cart is drawn from several products, each already checked by the catalog's tests."""

# two shops' listed products in yuan, with distinct ids (as one catalog would have)
_shop_products = st.lists(
    ids(), min_size=16, max_size=16, unique=True
).flatmap(
    lambda pool: st.tuples(
        *[
            products(
                shop_id=uuid.UUID(int=1 + n % 2),
                currency="CNY",
                listed=n != 3,  # one unlisted product: never in a cart
                max_skus=3,
                code_prefix=f"P{n}-",
                product_id=pool[4 * n],
                sku_ids=pool[4 * n + 1 : 4 * n + 4],
            )
            for n in range(4)
        ]
    )
)


@pytest.mark.rule("CAT-7")
@pytest.mark.rule("ORD-1")
@CARTS
@given(_shop_products.flatmap(lambda ps: st.tuples(st.just(ps), carts_from(ps))))
def test_every_line_is_a_sku_the_catalog_sells_now(
    case: tuple[tuple[Product, ...], Cart],
) -> None:
    catalog, cart = case
    by_id = {p.id: p for p in catalog}
    for line in cart.lines:
        product = by_id[line.product_id]
        sku = product.ensure_purchasable(line.sku_id, NOW)  # refuses unlisted, disabled
        assert (line.shop_id, line.unit_price) == (product.shop_id, sku.sale_price)
        assert line.quantity >= 1
        assert line.amount == sku.sale_price * line.quantity
    selling = {p.shop_id for p in catalog if p.is_listed(NOW) and p.enabled_skus()}
    assert set(cart.shop_ids) == selling  # every shop that sells something has a line
    again = (
        CartLine(line.shop_id, line.product_id, line.sku_id, line.unit_price, line.quantity)
        for line in cart.lines
    )
    assert Cart(again) == cart


@pytest.mark.rule("ORD-3")
@CARTS
@given(carts(min_shops=2, currency="JPY"))
def test_carts_span_the_shops_asked_for_in_one_currency(cart: Cart) -> None:
    groups = cart.by_shop()
    assert 2 <= len(groups) <= 3
    assert [line for lines in groups.values() for line in lines] == sorted(
        cart.lines, key=lambda line: list(groups).index(line.shop_id)
    )
    assert {line.unit_price.currency for line in cart.lines} == {"JPY"}
    assert len({line.sku_id for line in cart.lines}) == len(cart.lines)
    assert len({line.product_id for line in cart.lines}) == len(
        {(line.shop_id, line.product_id) for line in cart.lines}
    )
    subtotal = cart.subtotal("JPY")
    assert subtotal == sum((line.amount for line in cart.lines), Money.zero("JPY"))
    assert Money.of(str(subtotal.amount), "JPY") == subtotal


# --- the edges are reached --------------------------------------------------------------------


@pytest.mark.rule("ORD-3")
def test_carts_across_shops_and_with_quantities_are_reached() -> None:
    across = reach(carts(), lambda c: len(c.shop_ids) >= 2)
    assert len(across.by_shop()) >= 2
    assert reach(carts(), lambda c: any(len(lines) >= 2 for lines in c.by_shop().values()))
    assert reach(carts(), lambda c: any(line.quantity == 5 for line in c.lines))
    assert reach(carts(), lambda c: c.lines[0].unit_price.exponent == 0)


def test_a_cart_refuses_what_is_not_a_cart() -> None:
    line = CartLine(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), Money(100, "CNY"), 1)
    with pytest.raises(ValueError, match="quantity"):
        CartLine(line.shop_id, line.product_id, line.sku_id, line.unit_price, 0)
    with pytest.raises(ValueError, match="one line per SKU"):
        Cart([line, line])
    other = CartLine(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), Money(100, "USD"), 1)
    with pytest.raises(ValueError, match="one currency"):
        Cart([line, other])
    with pytest.raises(InvalidArgument):
        reach(carts(min_shops=0), lambda _: True)
    with pytest.raises(InvalidArgument):
        reach(carts_from([]), lambda _: True)


# --- shrinking --------------------------------------------------------------------------------


def test_failing_examples_shrink_to_a_one_line_cart() -> None:
    [line] = smallest(carts()).lines
    assert (line.unit_price, line.quantity) == (Money(0, "CNY"), 1)
