"""Carts over HTTP (ORD-1, SEC-1).

The signed-in customer's cart (a customer token; the user id is its subject, so nobody reaches
another's cart): ``GET /me/cart``, ``POST /me/cart/lines`` (add), ``PATCH
/me/cart/lines/{sku_id}`` (quantity, selected), ``DELETE /me/cart/lines/{sku_id}`` and, right
after signing in, ``POST /me/cart/merge`` with the guest cart's token.

A guest's cart: ``POST /cart`` makes one and answers its token (shown this once); the same
routes under ``/cart`` take it in the ``X-Cart-Token`` header. They need no bearer token: the
cart token is the guest's credential (unguessable, 32 random bytes). A gone or expired cart is
404 ``cart.not_found``. Every change answers the cart as it is after it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Final

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import PUBLIC, customer_only
from shop_adapters.http.giftcards.customer import user_id_of
from shop_adapters.http.problems import problem_spec
from shop_adapters.http.schemas import MoneySchema
from shop_adapters.runtime import Runtime
from shop_app.ordering.cart_ports import CartQueries, CartView
from shop_app.ordering.carts import (
    AddCartLine,
    CartRef,
    ChangeCartLine,
    CreateGuestCart,
    GuestCartMade,
    MergeGuestCart,
    RemoveCartLine,
)
from shop_app.pricing.quoting import MAX_QUANTITY
from shop_app.shared.auth import Principal
from shop_app.shared.messagebus import MessageBus
from shop_domain.ordering.cart import TOKEN_PATTERN, MergeOutcome
from shop_domain.shared.money import Money

CART_TOKEN_HEADER: Final = "X-Cart-Token"
FULL: Final = {
    409: problem_spec(
        "The cart holds the most lines it may (`cart.full`), or the line would pass the most "
        "units of one line (`cart.quantity_limit`)"
    )
}
GONE: Final = problem_spec(
    "No live guest cart has the token (`cart.not_found`), or the cart has no line of the SKU "
    "(`cart.line_not_found`)"
)
Token = Annotated[str, msgspec.Meta(pattern=TOKEN_PATTERN, description="A guest cart's token")]
CartToken = Annotated[
    str,
    HeaderParameter(
        name=CART_TOKEN_HEADER,
        pattern=TOKEN_PATTERN,
        description="The guest cart's token, as `POST /cart` answered it",
    ),
]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY)]


class LineIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sku_id: uuid.UUID
    quantity: Quantity = 1
    """Units to add; added to the line's when the cart holds the SKU."""


class LineChangeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    quantity: Quantity | None = None
    selected: bool | None = None
    """Whether the line goes to checkout."""


class MergeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    token: Token


class LineOut(msgspec.Struct, frozen=True):
    sku_id: uuid.UUID
    quantity: int
    selected: bool
    added_at: dt.datetime
    state: str
    """``valid``; or why it cannot go to checkout: ``sku_unknown``, ``sku_unlisted``,
    ``out_of_stock``."""
    unit_price: MoneySchema | None
    """The SKU's price now, before promotions (the checkout's quote applies them)."""
    amount: MoneySchema | None


class CartOut(msgspec.Struct, frozen=True):
    lines: list[LineOut]
    selected_quantity: int
    """Units of the selected valid lines: what checkout takes."""
    selected_amount: MoneySchema | None
    expires_at: dt.datetime | None
    """A guest cart's end unless changed before; ``null`` for a customer's."""


class GuestCartOut(msgspec.Struct, frozen=True):
    token: str
    expires_at: dt.datetime


class MergeOut(msgspec.Struct, frozen=True):
    added: list[uuid.UUID]
    increased: list[uuid.UUID]
    capped: list[uuid.UUID]
    """Lines held to the most units of a line: part of the guest's quantity was not added."""
    dropped: list[uuid.UUID]
    """The guest's lines left out: the cart was full."""
    cart: CartOut


def _money(value: Money | None) -> MoneySchema | None:
    return None if value is None else MoneySchema.from_domain(value)


def cart_out(view: CartView) -> CartOut:
    return CartOut(
        [
            LineOut(
                line.sku_id,
                line.quantity,
                line.selected,
                line.added_at,
                line.state.value,
                _money(line.unit_price),
                _money(line.amount),
            )
            for line in view.lines
        ],
        view.selected_quantity,
        _money(view.selected_amount),
        view.expires_at,
    )


def _change(ref: CartRef, sku_id: uuid.UUID, data: LineChangeIn) -> ChangeCartLine:
    return ChangeCartLine(cart=ref, sku_id=sku_id, quantity=data.quantity, selected=data.selected)


class CustomerCartController(Controller):
    path = "/me/cart"
    tags = ["carts"]
    guards = [customer_only]

    @staticmethod
    async def _mine(runtime: Runtime, principal: Principal) -> CartOut:
        return cart_out(await runtime.get(CartQueries).cart_of(user_id_of(principal)))

    @get("/", summary="The caller's cart: each line at today's price, and whether it is valid")
    async def cart(
        self, runtime: NamedDependency[Runtime], principal: NamedDependency[Principal]
    ) -> CartOut:
        return await self._mine(runtime, principal)

    @post(
        "/lines", summary="Add units of a SKU to the caller's cart", status_code=200, responses=FULL
    )
    async def add(
        self,
        data: JSONBody[LineIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> CartOut:
        ref = CartRef.user(user_id_of(commands.principal))
        await commands.send(AddCartLine(cart=ref, sku_id=data.sku_id, quantity=data.quantity))
        return await self._mine(runtime, commands.principal)

    @patch("/lines/{sku_id:uuid}", summary="Change a line's quantity or selection")
    async def change(
        self,
        sku_id: FromPath[uuid.UUID],
        data: JSONBody[LineChangeIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> CartOut:
        await commands.send(_change(CartRef.user(user_id_of(commands.principal)), sku_id, data))
        return await self._mine(runtime, commands.principal)

    @delete("/lines/{sku_id:uuid}", summary="Take a line out of the cart", status_code=200)
    async def remove(
        self,
        sku_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> CartOut:
        ref = CartRef.user(user_id_of(commands.principal))
        await commands.send(RemoveCartLine(cart=ref, sku_id=sku_id))
        return await self._mine(runtime, commands.principal)

    @post(
        "/merge",
        summary="After sign-in: merge a guest cart into the caller's (quantities add, capped)",
        status_code=200,
    )
    async def merge(
        self,
        data: JSONBody[MergeIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> MergeOut:
        user = user_id_of(commands.principal)
        done: MergeOutcome = await commands.send(MergeGuestCart(user_id=user, token=data.token))
        return MergeOut(
            list(done.added),
            list(done.increased),
            list(done.capped),
            list(done.dropped),
            await self._mine(runtime, commands.principal),
        )


class GuestCartController(Controller):
    path = "/cart"
    tags = ["carts"]

    @staticmethod
    async def _send(runtime: Runtime, bus: MessageBus, command: Any, token: str) -> CartOut:
        await bus.handle(command)
        return cart_out(await runtime.get(CartQueries).guest_cart(token))

    @post(
        "/", summary="A new guest cart; answers its token (shown once)", opt=PUBLIC, status_code=201
    )
    async def create(self, bus: NamedDependency[MessageBus]) -> GuestCartOut:
        made: GuestCartMade = await bus.handle(CreateGuestCart())
        return GuestCartOut(made.token, made.expires_at)

    @get("/", summary="A guest cart", opt=PUBLIC, responses={404: GONE})
    async def cart(self, runtime: NamedDependency[Runtime], token: CartToken) -> CartOut:
        return cart_out(await runtime.get(CartQueries).guest_cart(token))

    @post(
        "/lines",
        summary="Add units of a SKU to a guest cart",
        opt=PUBLIC,
        status_code=200,
        responses={**FULL, 404: GONE},
    )
    async def add(
        self,
        data: JSONBody[LineIn],
        token: CartToken,
        runtime: NamedDependency[Runtime],
        bus: NamedDependency[MessageBus],
    ) -> CartOut:
        command = AddCartLine(cart=CartRef.guest(token), sku_id=data.sku_id, quantity=data.quantity)
        return await self._send(runtime, bus, command, token)

    @patch("/lines/{sku_id:uuid}", summary="Change a guest cart's line", opt=PUBLIC)
    async def change(
        self,
        sku_id: FromPath[uuid.UUID],
        data: JSONBody[LineChangeIn],
        token: CartToken,
        runtime: NamedDependency[Runtime],
        bus: NamedDependency[MessageBus],
    ) -> CartOut:
        return await self._send(runtime, bus, _change(CartRef.guest(token), sku_id, data), token)

    @delete(
        "/lines/{sku_id:uuid}",
        summary="Take a line out of a guest cart",
        opt=PUBLIC,
        status_code=200,
    )
    async def remove(
        self,
        sku_id: FromPath[uuid.UUID],
        token: CartToken,
        runtime: NamedDependency[Runtime],
        bus: NamedDependency[MessageBus],
    ) -> CartOut:
        command = RemoveCartLine(cart=CartRef.guest(token), sku_id=sku_id)
        return await self._send(runtime, bus, command, token)


__all__ = ["CART_TOKEN_HEADER", "CartOut", "CustomerCartController", "GuestCartController"]
