"""The cart's domain (ORD-1): tokens shown once and kept as digests, guest expiry, lines judged
from what the catalog and stock say."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from shop_domain.ordering.cart import (
    TOKEN_LENGTH,
    Cart,
    CartLimits,
    LineState,
    SkuFacts,
    line_state,
    new_cart_token,
    token_digest,
)
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money

NOW = dt.datetime(2026, 12, 6, 8, tzinfo=dt.UTC)
SKU = uuid.UUID(int=0x5001)
pytestmark = pytest.mark.rule("ORD-1")


def test_a_token_is_43_url_safe_characters_and_the_cart_keeps_its_digest_only() -> None:
    token = new_cart_token()
    assert len(token) == TOKEN_LENGTH
    assert token != new_cart_token()
    cart = Cart.for_guest(id=uuid.uuid4(), token=token, now=NOW)
    assert cart.token_digest == token_digest(token) != token
    assert len(cart.token_digest or "") == 64
    for bad in ("short", "x" * 42 + "!", "é" * 43):
        with pytest.raises(DomainError) as refusal:
            token_digest(bad)
        assert refusal.value.code == "cart.invalid"


def test_a_guest_cart_expires_after_its_last_change_a_users_never() -> None:
    ttl = dt.timedelta(days=30)
    guest = Cart.for_guest(id=uuid.uuid4(), token=new_cart_token(), now=NOW)
    user = Cart.for_user(id=uuid.uuid4(), user_id=uuid.uuid4(), now=NOW)
    guest.add(SKU, 1, CartLimits(), NOW + dt.timedelta(days=10))
    assert not guest.expired(ttl, NOW + dt.timedelta(days=39))
    assert guest.expired(ttl, NOW + dt.timedelta(days=40))
    assert not user.expired(ttl, NOW + dt.timedelta(days=4000))
    with pytest.raises(DomainError):
        guest.absorb(user, CartLimits(), NOW)


def test_a_line_is_valid_only_when_known_listed_and_in_stock() -> None:
    price = Money(2500, "CNY")
    assert line_state(None) is LineState.UNKNOWN
    assert line_state(SkuFacts(SKU, price, False, 9)) is LineState.UNLISTED
    assert line_state(SkuFacts(SKU, price, True, 0)) is LineState.OUT_OF_STOCK
    assert line_state(SkuFacts(SKU, price, True, 1)) is LineState.VALID


def test_a_full_cart_refuses_a_new_line_but_adds_to_one_it_holds() -> None:
    limits = CartLimits(max_quantity=5, max_lines=2)
    cart = Cart.for_user(id=uuid.uuid4(), user_id=uuid.uuid4(), now=NOW)
    cart.add(SKU, 1, limits, NOW)
    cart.add(uuid.uuid4(), 1, limits, NOW)
    with pytest.raises(DomainError) as full:
        cart.add(uuid.uuid4(), 1, limits, NOW)
    assert (full.value.code, full.value.details) == ("cart.full", {"max_lines": 2})
    assert cart.add(SKU, 4, limits, NOW).quantity == 5
