"""Carts (ORD-1).

A :class:`Cart` belongs to a signed-in user (``user_id``, kept until they empty it) or to a
guest, who holds it by an unguessable token: the cart keeps only the token's SHA-256 digest, so
the table never holds what opens it (:func:`new_cart_token`, :func:`token_digest`). A guest
cart expires ``ttl`` after it was last changed (:meth:`Cart.expired`).

A line is a SKU, a quantity (1 to the limits' ``max_quantity``), whether it is selected for
checkout, and when it was added; a cart holds at most ``max_lines`` lines, one per SKU. Adding a
SKU the cart holds adds to its quantity; past the limit the add is refused whole
(``cart.quantity_limit``: nothing changes, the client learns what is in the cart). A guest cart
merged into the user's at sign-in (:meth:`Cart.absorb`) adds quantities **capped** at the
limit, and the guest's lines for SKUs the user's cart lacks join it while there is room, oldest
first; what did not fit is named in the :class:`MergeOutcome`.

What a line is worth and whether it can be bought is not the cart's: :func:`line_state` judges
a line from the :class:`SkuFacts` read when the cart is shown.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import secrets
import uuid
from collections.abc import Callable, Iterable
from typing import Final

import attrs

from shop_domain.ordering.cart_errors import (
    CartFull,
    CartLineNotFound,
    InvalidCart,
    QuantityLimit,
)
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.money import Money

TOKEN_BYTES: Final = 32
TOKEN_LENGTH: Final = 43
"""Characters of a token: 32 random bytes in unpadded URL-safe base64."""
TOKEN_PATTERN: Final = r"^[A-Za-z0-9_-]{43}$"


def new_cart_token(source: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """A guest cart's token: 32 bytes from the operating system's random source, URL-safe."""
    return base64.urlsafe_b64encode(source(TOKEN_BYTES)).rstrip(b"=").decode("ascii")


def token_digest(token: str) -> str:
    """What a cart keeps of its token (hex SHA-256): a stolen table opens no cart."""
    if (
        not isinstance(token, str)
        or len(token) != TOKEN_LENGTH
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in token)
    ):
        raise InvalidCart(f"a cart token is {TOKEN_LENGTH} URL-safe characters")
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@attrs.frozen
class CartLimits:
    """The most units of one line and the most lines of a cart; the plug-in gives pricing's
    quote limits, so that every cart can be quoted."""

    max_quantity: int = 9_999
    max_lines: int = 100

    def quantity(self, value: object, what: str = "a line's quantity") -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidCart(f"{what} is a whole number")
        if not 1 <= value <= self.max_quantity:
            raise InvalidCart(
                f"{what} is 1 to {self.max_quantity:,}", details={"max_quantity": self.max_quantity}
            )
        return value


@attrs.define(slots=False)
class CartLine:
    sku_id: uuid.UUID
    quantity: int
    selected: bool
    added_at: dt.datetime


@attrs.frozen
class MergeOutcome:
    """What a merge did, SKU by SKU: lines new to the cart, lines whose quantity grew, lines
    held to the quantity limit (a part of the guest's quantity not added), lines left out
    because the cart was full. A merge of a cart that is gone is all empty."""

    added: tuple[uuid.UUID, ...] = ()
    increased: tuple[uuid.UUID, ...] = ()
    capped: tuple[uuid.UUID, ...] = ()
    dropped: tuple[uuid.UUID, ...] = ()


@attrs.define(slots=False, eq=False)
class Cart(Aggregate):
    user_id: uuid.UUID | None
    token_digest: str | None
    created_at: dt.datetime
    touched_at: dt.datetime
    """When a line last changed (a guest cart expires a while after it)."""
    lines: dict[uuid.UUID, CartLine] = attrs.Factory(dict)
    """By SKU."""

    @classmethod
    def for_user(cls, *, id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime) -> Cart:
        return cls(id=id, user_id=user_id, token_digest=None, created_at=now, touched_at=now)

    @classmethod
    def for_guest(cls, *, id: uuid.UUID, token: str, now: dt.datetime) -> Cart:
        return cls(
            id=id, user_id=None, token_digest=token_digest(token), created_at=now, touched_at=now
        )

    @property
    def is_guest(self) -> bool:
        return self.user_id is None

    def expired(self, ttl: dt.timedelta, now: dt.datetime) -> bool:
        """A guest cart untouched for ``ttl`` is gone (a user's cart never expires)."""
        return self.is_guest and self.touched_at + ttl <= now

    def line(self, sku_id: uuid.UUID) -> CartLine:
        found = self.lines.get(sku_id)
        if found is None:
            raise CartLineNotFound.of(sku_id)
        return found

    # --- the customer --------------------------------------------------------------------------
    def add(
        self, sku_id: uuid.UUID, quantity: int, limits: CartLimits, now: dt.datetime
    ) -> CartLine:
        """``quantity`` more of the SKU: a new line (selected), or more on its line — never
        past the limit (refused whole, ``cart.quantity_limit``)."""
        limits.quantity(quantity)
        held = self.lines.get(sku_id)
        if held is None:
            if len(self.lines) >= limits.max_lines:
                raise CartFull(
                    f"a cart holds at most {limits.max_lines} lines",
                    details={"max_lines": limits.max_lines},
                )
            held = self.lines[sku_id] = CartLine(sku_id, quantity, True, now)
        elif held.quantity + quantity > limits.max_quantity:
            raise QuantityLimit(
                f"the line holds {held.quantity}; at most {limits.max_quantity:,} fit",
                details={"max_quantity": limits.max_quantity, "quantity": held.quantity},
            )
        else:
            held.quantity += quantity
        self.touched_at = now
        return held

    def change(
        self,
        sku_id: uuid.UUID,
        limits: CartLimits,
        now: dt.datetime,
        *,
        quantity: int | None = None,
        selected: bool | None = None,
    ) -> CartLine:
        """Set a line's quantity and/or whether it is selected for checkout."""
        if quantity is None and selected is None:
            raise InvalidCart("a change names a quantity or whether the line is selected")
        if selected is not None and not isinstance(selected, bool):
            raise InvalidCart("selected is true or false")
        if quantity is not None:
            limits.quantity(quantity)
        held = self.line(sku_id)
        if quantity is not None:
            held.quantity = quantity
        if selected is not None:
            held.selected = selected
        self.touched_at = now
        return held

    def remove(self, sku_ids: Iterable[uuid.UUID], now: dt.datetime) -> int:
        """Take the SKUs' lines out (a SKU the cart does not hold is skipped); how many went."""
        gone = 0
        for sku_id in set(sku_ids):
            if self.lines.pop(sku_id, None) is not None:
                gone += 1
        if gone:
            self.touched_at = now
        return gone

    # --- sign-in -------------------------------------------------------------------------------
    def absorb(self, guest: Cart, limits: CartLimits, now: dt.datetime) -> MergeOutcome:
        """Take a guest cart's lines into this user's cart (ORD-1): quantities add, capped at
        the limit; a line of a SKU this cart lacks joins it (with its selection) while there
        is room, the guest's oldest first. The guest cart is emptied; the caller deletes it."""
        if self.is_guest or not guest.is_guest:
            raise InvalidCart("a guest cart merges into a user's cart")
        added: list[uuid.UUID] = []
        increased: list[uuid.UUID] = []
        capped: list[uuid.UUID] = []
        dropped: list[uuid.UUID] = []
        for line in sorted(guest.lines.values(), key=lambda item: (item.added_at, item.sku_id)):
            held = self.lines.get(line.sku_id)
            if held is None:
                if len(self.lines) >= limits.max_lines:
                    dropped.append(line.sku_id)
                    continue
                quantity = min(line.quantity, limits.max_quantity)
                if quantity < line.quantity:
                    capped.append(line.sku_id)
                self.lines[line.sku_id] = CartLine(line.sku_id, quantity, line.selected, now)
                added.append(line.sku_id)
            else:
                total = held.quantity + line.quantity
                if total > limits.max_quantity:
                    capped.append(line.sku_id)
                if min(total, limits.max_quantity) > held.quantity:
                    held.quantity = min(total, limits.max_quantity)
                    increased.append(line.sku_id)
        guest.lines.clear()
        if added or increased:
            self.touched_at = now
        return MergeOutcome(tuple(added), tuple(increased), tuple(capped), tuple(dropped))


# --- what a line is worth now -----------------------------------------------------------------


@attrs.frozen
class SkuFacts:
    """A SKU as a cart shows it: its price now (before promotions), whether it can be bought
    (product listed, SKU enabled) and the units available across the warehouses."""

    sku_id: uuid.UUID
    unit_price: Money
    listed: bool
    available: int


class LineState(enum.StrEnum):
    """Whether a line can go to checkout, and if not, why (the reason code a client shows)."""

    VALID = "valid"
    UNKNOWN = "sku_unknown"
    """The catalog no longer has the SKU."""
    UNLISTED = "sku_unlisted"
    """Its product is not listed, or the SKU is disabled (CAT-7)."""
    OUT_OF_STOCK = "out_of_stock"
    """No warehouse has a unit available (STK-1)."""


def line_state(facts: SkuFacts | None) -> LineState:
    if facts is None:
        return LineState.UNKNOWN
    if not facts.listed:
        return LineState.UNLISTED
    if facts.available <= 0:
        return LineState.OUT_OF_STOCK
    return LineState.VALID


__all__ = [
    "TOKEN_LENGTH",
    "TOKEN_PATTERN",
    "Cart",
    "CartLimits",
    "CartLine",
    "LineState",
    "MergeOutcome",
    "SkuFacts",
    "line_state",
    "new_cart_token",
    "token_digest",
]
