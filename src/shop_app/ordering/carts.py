"""Carts' commands and their read side (ORD-1). Handlers do not commit: the bus does.

A command names its cart by a :class:`CartRef`: the signed-in user's (``user_id``), or a
guest's (``token``, a secret: kept out of reprs and the audit log). A user's cart opens on
the first add; a guest's by :class:`CreateGuestCart`, whose answer is the token — the only time
it is ever seen: the cart keeps its digest.

The checkout (issue 14) uses two entry points: :meth:`CartViews.checkout_lines` (the query
port :class:`~shop_app.ordering.cart_ports.CartQueries`) for the selected valid lines, and
:class:`RemoveCartLines`, which it runs inside its own transaction once an order is submitted
(:func:`remove_cart_lines` is that handler, for a caller holding a unit of work).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import ClassVar

import attrs

from shop_app.ordering.cart_ports import (
    CartGoods,
    CartLineView,
    CartReads,
    CartUnitOfWork,
    CartView,
    StoredCart,
)
from shop_app.shared import codec
from shop_app.shared.messagebus import CommandHandler
from shop_app.shared.ports import Clock
from shop_domain.ordering.cart import (
    Cart,
    CartLimits,
    LineState,
    MergeOutcome,
    line_state,
    new_cart_token,
    token_digest,
)
from shop_domain.ordering.cart_errors import (
    CartNotFound,
    InvalidCart,
    UnknownCartSku,
    UnlistedCartSku,
)
from shop_domain.shared.errors import CurrencyMismatch
from shop_domain.shared.money import Money


@attrs.frozen(kw_only=True)
class CartPolicy:
    """The limits of a cart and how long a guest cart lives after its last change (the
    retention of guest carts, ``SHOP_RETENTION_GUEST_CARTS_DAYS``)."""

    limits: CartLimits = attrs.field(factory=CartLimits)
    guest_ttl: dt.timedelta = dt.timedelta(days=30)


@attrs.frozen
class CartRef:
    """A user's cart (``user_id``) or a guest's (``token``): exactly one."""

    user_id: uuid.UUID | None = None
    token: str | None = attrs.field(default=None, repr=False)
    secret_fields: ClassVar[tuple[str, ...]] = ("token",)

    @classmethod
    def user(cls, user_id: uuid.UUID) -> CartRef:
        return cls(user_id=user_id)

    @classmethod
    def guest(cls, token: str) -> CartRef:
        return cls(token=token)


@attrs.frozen
class GuestCartMade:
    token: str = attrs.field(repr=False)
    expires_at: dt.datetime


@attrs.frozen(kw_only=True)
class CreateGuestCart:
    """A new guest cart; the answer carries its token (shown once)."""


@attrs.frozen(kw_only=True)
class AddCartLine:
    cart: CartRef
    sku_id: uuid.UUID
    quantity: int = 1


@attrs.frozen(kw_only=True)
class ChangeCartLine:
    cart: CartRef
    sku_id: uuid.UUID
    quantity: int | None = None
    selected: bool | None = None


@attrs.frozen(kw_only=True)
class RemoveCartLine:
    cart: CartRef
    sku_id: uuid.UUID


@attrs.frozen(kw_only=True)
class RemoveCartLines:
    """The checkout's: an order took these SKUs from the user's cart (a SKU the cart does not
    hold is skipped; no cart, nothing to do). Answers how many lines went."""

    user_id: uuid.UUID
    sku_ids: frozenset[uuid.UUID]


@attrs.frozen(kw_only=True)
class MergeGuestCart:
    """At sign-in: the guest cart of ``token`` into the user's (ORD-1); the guest cart is gone
    after. Merging a token again — or one that names no live cart — changes nothing."""

    user_id: uuid.UUID
    token: str = attrs.field(repr=False)
    secret_fields: ClassVar[tuple[str, ...]] = ("token",)


codec.register(GuestCartMade, MergeOutcome)


async def remove_cart_lines(command: RemoveCartLines, uow: CartUnitOfWork) -> int:
    """:class:`RemoveCartLines` in the caller's unit of work (the checkout's transaction)."""
    cart = await uow.carts.of_user(command.user_id)
    if cart is None:
        return 0
    return cart.remove(command.sku_ids, uow.clock.now())


class CartHandlers:
    def __init__(self, goods: CartGoods, policy: CartPolicy) -> None:
        self._goods = goods
        self._policy = policy

    def mapping(self) -> dict[type, CommandHandler]:
        return {
            CreateGuestCart: self.create_guest,
            AddCartLine: self.add,
            ChangeCartLine: self.change,
            RemoveCartLine: self.remove,
            RemoveCartLines: remove_cart_lines,
            MergeGuestCart: self.merge,
        }

    async def _cart(self, ref: CartRef, uow: CartUnitOfWork, *, open_: bool) -> Cart:
        now = uow.clock.now()
        if (ref.user_id is None) == (ref.token is None):
            raise InvalidCart("a cart is a user's or a guest's")
        if ref.user_id is not None:
            if open_:
                return await uow.carts.opened_for(ref.user_id, uow.ids.new_id(), now)
            cart = await uow.carts.of_user(ref.user_id)
            if cart is None:
                cart = Cart.for_user(id=uow.ids.new_id(), user_id=ref.user_id, now=now)
            return cart
        assert ref.token is not None
        found = await uow.carts.by_token(token_digest(ref.token))
        if found is None or found.expired(self._policy.guest_ttl, now):
            raise CartNotFound("no such cart: it expired, was merged, or never was")
        return found

    async def create_guest(self, _command: CreateGuestCart, uow: CartUnitOfWork) -> GuestCartMade:
        now = uow.clock.now()
        token = new_cart_token()
        uow.carts.add(Cart.for_guest(id=uow.ids.new_id(), token=token, now=now))
        return GuestCartMade(token, now + self._policy.guest_ttl)

    async def add(self, command: AddCartLine, uow: CartUnitOfWork) -> int:
        """The line's quantity after it. A SKU the catalog lacks or that cannot be bought now
        is refused (CAT-7); one out of stock may wait in the cart (shown invalid)."""
        now = uow.clock.now()
        self._policy.limits.quantity(command.quantity)
        facts = (await self._goods.facts_of([command.sku_id], now)).get(command.sku_id)
        state = line_state(facts)
        detail = {"sku_id": str(command.sku_id)}
        if state is LineState.UNKNOWN:
            raise UnknownCartSku("the catalog has no such SKU", details=detail)
        if state is LineState.UNLISTED:
            raise UnlistedCartSku("the SKU cannot be bought now", details=detail)
        cart = await self._cart(command.cart, uow, open_=True)
        return cart.add(command.sku_id, command.quantity, self._policy.limits, now).quantity

    async def change(self, command: ChangeCartLine, uow: CartUnitOfWork) -> int:
        cart = await self._cart(command.cart, uow, open_=False)
        line = cart.change(
            command.sku_id,
            self._policy.limits,
            uow.clock.now(),
            quantity=command.quantity,
            selected=command.selected,
        )
        return line.quantity

    async def remove(self, command: RemoveCartLine, uow: CartUnitOfWork) -> int:
        cart = await self._cart(command.cart, uow, open_=False)
        cart.line(command.sku_id)  # cart.line_not_found
        return cart.remove([command.sku_id], uow.clock.now())

    async def merge(self, command: MergeGuestCart, uow: CartUnitOfWork) -> MergeOutcome:
        now = uow.clock.now()
        digest = token_digest(command.token)
        cart = await uow.carts.opened_for(command.user_id, uow.ids.new_id(), now)
        guest = await uow.carts.by_token(digest)
        if guest is None:
            return MergeOutcome()
        if guest.expired(self._policy.guest_ttl, now):
            uow.carts.remove(guest)
            return MergeOutcome()
        outcome = cart.absorb(guest, self._policy.limits, now)
        uow.carts.remove(guest)
        return outcome


def cart_command_handlers(goods: CartGoods, policy: CartPolicy) -> dict[type, CommandHandler]:
    return CartHandlers(goods, policy).mapping()


# --- the read side ------------------------------------------------------------------------------


def _amount(lines: Sequence[CartLineView]) -> Money | None:
    amounts = [line.amount for line in lines if line.amount is not None]
    if not amounts:
        return None
    try:
        return sum(amounts[1:], amounts[0])
    except CurrencyMismatch:
        return None


class CartViews:
    """:class:`~shop_app.ordering.cart_ports.CartQueries` over the committed carts and the
    goods as they are now."""

    def __init__(
        self, reads: CartReads, goods: CartGoods, clock: Clock, policy: CartPolicy
    ) -> None:
        self._reads = reads
        self._goods = goods
        self._clock = clock
        self._policy = policy

    async def _view(self, stored: StoredCart | None, now: dt.datetime) -> CartView:
        if stored is None or not stored.lines:
            lines: tuple[CartLineView, ...] = ()
        else:
            facts = await self._goods.facts_of([line.sku_id for line in stored.lines], now)
            lines = tuple(
                CartLineView(
                    sku_id=line.sku_id,
                    quantity=line.quantity,
                    selected=line.selected,
                    added_at=line.added_at,
                    state=line_state(fact := facts.get(line.sku_id)),
                    unit_price=None if fact is None else fact.unit_price,
                    amount=None if fact is None else fact.unit_price * line.quantity,
                    available=0 if fact is None else max(fact.available, 0),
                )
                for line in stored.lines
            )
        chosen = [line for line in lines if line.selected and line.valid]
        expires = (
            stored.touched_at + self._policy.guest_ttl
            if stored is not None and stored.user_id is None
            else None
        )
        return CartView(lines, sum(line.quantity for line in chosen), _amount(chosen), expires)

    async def cart_of(self, user_id: uuid.UUID) -> CartView:
        return await self._view(await self._reads.of_user(user_id), self._clock.now())

    async def guest_cart(self, token: str) -> CartView:
        now = self._clock.now()
        stored = await self._reads.by_token(token_digest(token))
        if stored is None or stored.touched_at + self._policy.guest_ttl <= now:
            raise CartNotFound("no such cart: it expired, was merged, or never was")
        return await self._view(stored, now)

    async def checkout_lines(self, user_id: uuid.UUID) -> list[tuple[uuid.UUID, int]]:
        view = await self.cart_of(user_id)
        return [(line.sku_id, line.quantity) for line in view.lines if line.selected and line.valid]


__all__ = [
    "AddCartLine",
    "CartHandlers",
    "CartPolicy",
    "CartRef",
    "CartViews",
    "ChangeCartLine",
    "CreateGuestCart",
    "GuestCartMade",
    "MergeGuestCart",
    "RemoveCartLine",
    "RemoveCartLines",
    "cart_command_handlers",
    "remove_cart_lines",
]
