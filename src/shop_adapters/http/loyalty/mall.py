"""The points mall over HTTP (PTS-9).

Anyone reads ``GET /mall/items``. The signed-in customer redeems (``POST
/me/mall/redemptions``, honouring ``Idempotency-Key``), lists their redemptions and cancels one
before it ships; another customer's is unknown (404). Operators with ``points.write`` add items,
restock them, withdraw them and offer them again, and move redemptions on (paid, shipped,
completed, cancelled); with ``points.read`` they list every redemption.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Final

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import PUBLIC, customer_only, operator_only, requires
from shop_adapters.http.giftcards.customer import user_id_of, window
from shop_adapters.http.loyalty.points import READ, WRITE
from shop_adapters.http.problems import problem_spec
from shop_adapters.http.schemas import MoneySchema, Page, Pagination, PositiveMoneyIn
from shop_adapters.runtime import Runtime
from shop_app.loyalty import mall as m
from shop_app.loyalty.queries import MallItemView, MallQueries, RedemptionView
from shop_app.shared.auth import Principal

REFUSED: Final = problem_spec(
    "`points.mall_sold_out` (with what is left), `points.insufficient`, "
    "`points.mall_item_unavailable`; for a coupon, the coupons' claim rules "
    "(`coupon.points_exchange_unavailable` for a free one)"
)
NO_TEMPLATE: Final = problem_spec("No such coupon template (`coupon.template_not_found`)")
NOT_YOURS: Final = problem_spec(
    "No such redemption among the caller's (`points.redemption_not_found`)"
)
STATE: Final = problem_spec("The redemption cannot move so (`points.redemption_state`)")
OPERATOR_WRITE: Final = [requires(WRITE), operator_only]


class MallItemOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    name: str
    points: int
    cash: MoneySchema | None
    stock: int
    active: bool

    @classmethod
    def of(cls, v: MallItemView) -> MallItemOut:
        cash = MoneySchema.from_domain(v.cash) if v.cash is not None else None
        return cls(v.id, v.name, v.points, cash, v.stock, v.active)


class RedemptionOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    item_id: uuid.UUID
    quantity: int
    points: int
    cash: MoneySchema | None
    state: str
    created_at: dt.datetime
    changed_at: dt.datetime

    @classmethod
    def of(cls, v: RedemptionView) -> RedemptionOut:
        cash = MoneySchema.from_domain(v.cash) if v.cash is not None else None
        return cls(
            v.id, v.item_id, v.quantity, v.points, cash, v.state.value, v.created_at, v.changed_at
        )


class MallRedeemIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    item_id: uuid.UUID
    quantity: Annotated[int, msgspec.Meta(ge=1, le=99)] = 1


class RedeemedOut(msgspec.Struct, frozen=True):
    redemption_id: uuid.UUID
    state: str
    points: int
    balance: int

    @classmethod
    def of(cls, done: m.Redeemed) -> RedeemedOut:
        return cls(done.redemption_id, done.state.value, done.points, done.balance)


class ExchangeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    template_id: uuid.UUID


class ExchangedOut(msgspec.Struct, frozen=True):
    coupon_id: uuid.UUID
    points: int
    balance: int


class MallItemIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    points: Annotated[int, msgspec.Meta(ge=1, le=10**12)]
    stock: Annotated[int, msgspec.Meta(ge=0, le=10**9)]
    low_stock: Annotated[int, msgspec.Meta(ge=0, le=10**9)] = 0
    cash: PositiveMoneyIn | None = None


class RestockIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    quantity: Annotated[int, msgspec.Meta(ge=1, le=10**9)]


class CreatedOut(msgspec.Struct, frozen=True):
    id: uuid.UUID


class StateOut(msgspec.Struct, frozen=True):
    state: str


async def _offered(commands: Commands, item_id: uuid.UUID, offered: bool) -> dict[str, bool]:
    active = await commands.send(m.OfferMallItem(item_id=item_id, offered=offered))
    return {"active": bool(active)}


class MallController(Controller):
    path = "/"
    tags = ["points mall"]

    @get("/mall/items", summary="The points mall's items", opt=PUBLIC)
    async def items(
        self, runtime: NamedDependency[Runtime], pagination: NamedDependency[Pagination]
    ) -> Page[MallItemOut]:
        queries = runtime.get(MallQueries)
        found, total = await window(queries.items, pagination)
        return Page.of([MallItemOut.of(item) for item in found], total, pagination)

    @post(
        "/me/mall/redemptions",
        summary="Redeem an item for points (PTS-9)",
        status_code=201,
        guards=[customer_only],
        responses={409: REFUSED},
    )
    async def redeem(
        self, data: JSONBody[MallRedeemIn], commands: NamedDependency[Commands]
    ) -> RedeemedOut:
        user = user_id_of(commands.principal)
        done = await commands.send(
            m.Redeem(user_id=user, item_id=data.item_id, quantity=data.quantity)
        )
        return RedeemedOut.of(done)

    @post(
        "/me/mall/coupons",
        summary="Exchange points for a coupon priced in points (CPN-1)",
        description="The coupon is issued if and only if its points are taken. With "
        "`Idempotency-Key`, a retry answers the first coupon.",
        status_code=201,
        guards=[customer_only],
        responses={404: NO_TEMPLATE, 409: REFUSED},
    )
    async def exchange(
        self, data: JSONBody[ExchangeIn], commands: NamedDependency[Commands]
    ) -> ExchangedOut:
        key = commands.idempotency_key or str(uuid.uuid4())
        command = m.ExchangeCoupon(
            user_id=user_id_of(commands.principal), template_id=data.template_id, key=key
        )
        done = await commands.send(command)
        return ExchangedOut(done.coupon_id, done.points, done.balance)

    @get(
        "/me/mall/redemptions",
        summary="The caller's redemptions, newest first",
        guards=[customer_only],
    )
    async def mine(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        pagination: NamedDependency[Pagination],
    ) -> Page[RedemptionOut]:
        user = user_id_of(principal)
        queries = runtime.get(MallQueries)
        found, total = await window(lambda page: queries.redemptions(page, user), pagination)
        return Page.of([RedemptionOut.of(r) for r in found], total, pagination)

    @post(
        "/me/mall/redemptions/{redemption_id:uuid}/cancel",
        summary="Cancel one of the caller's redemptions before it ships",
        status_code=200,
        guards=[customer_only],
        responses={404: NOT_YOURS, 409: STATE},
    )
    async def cancel_mine(
        self, redemption_id: FromPath[uuid.UUID], commands: NamedDependency[Commands]
    ) -> RedeemedOut:
        user = user_id_of(commands.principal)
        done = await commands.send(m.CancelRedemption(redemption_id=redemption_id, user_id=user))
        return RedeemedOut.of(done)

    @post("/mall/items", summary="Add an item to the mall", status_code=201, guards=OPERATOR_WRITE)
    async def add(
        self, data: JSONBody[MallItemIn], commands: NamedDependency[Commands]
    ) -> CreatedOut:
        cash = data.cash.to_domain() if data.cash is not None else None
        item_id = await commands.send(
            m.AddMallItem(
                name=data.name,
                points=data.points,
                stock=data.stock,
                low_stock=data.low_stock,
                cash=cash,
            )
        )
        return CreatedOut(uuid.UUID(str(item_id)))

    @post(
        "/mall/items/{item_id:uuid}/restock",
        summary="Add stock to an item",
        status_code=200,
        guards=OPERATOR_WRITE,
    )
    async def restock(
        self,
        item_id: FromPath[uuid.UUID],
        data: JSONBody[RestockIn],
        commands: NamedDependency[Commands],
    ) -> dict[str, int]:
        stock = await commands.send(m.RestockMallItem(item_id=item_id, quantity=data.quantity))
        return {"stock": int(stock)}

    @post(
        "/mall/items/{item_id:uuid}/withdraw",
        summary="Take an item out of the mall (redeemed no more)",
        status_code=200,
        guards=OPERATOR_WRITE,
    )
    async def withdraw(
        self, item_id: FromPath[uuid.UUID], commands: NamedDependency[Commands]
    ) -> dict[str, bool]:
        return {
            "active": bool(await commands.send(m.OfferMallItem(item_id=item_id, offered=False)))
        }

    @post(
        "/mall/items/{item_id:uuid}/offer",
        summary="Put a withdrawn item back in the mall",
        status_code=200,
        guards=OPERATOR_WRITE,
    )
    async def offer(
        self, item_id: FromPath[uuid.UUID], commands: NamedDependency[Commands]
    ) -> dict[str, bool]:
        return await _offered(commands, item_id, True)

    @get(
        "/mall/redemptions",
        summary="Every redemption, newest first",
        guards=[requires(READ), operator_only],
    )
    async def every(
        self, runtime: NamedDependency[Runtime], pagination: NamedDependency[Pagination]
    ) -> Page[RedemptionOut]:
        found, total = await window(runtime.get(MallQueries).redemptions, pagination)
        return Page.of([RedemptionOut.of(r) for r in found], total, pagination)

    @post(
        "/mall/redemptions/{redemption_id:uuid}/pay",
        summary="A redemption's cash was paid",
        status_code=200,
        guards=OPERATOR_WRITE,
        responses={404: NOT_YOURS, 409: STATE},
    )
    async def pay(
        self, redemption_id: FromPath[uuid.UUID], commands: NamedDependency[Commands]
    ) -> StateOut:
        return _state(await commands.send(m.PayRedemption(redemption_id=redemption_id)))

    @post(
        "/mall/redemptions/{redemption_id:uuid}/ship",
        summary="A redemption was shipped",
        status_code=200,
        guards=OPERATOR_WRITE,
        responses={404: NOT_YOURS, 409: STATE},
    )
    async def ship(
        self, redemption_id: FromPath[uuid.UUID], commands: NamedDependency[Commands]
    ) -> StateOut:
        return _state(await commands.send(m.ShipRedemption(redemption_id=redemption_id)))

    @post(
        "/mall/redemptions/{redemption_id:uuid}/complete",
        summary="A redemption was received",
        status_code=200,
        guards=OPERATOR_WRITE,
        responses={404: NOT_YOURS, 409: STATE},
    )
    async def complete(
        self, redemption_id: FromPath[uuid.UUID], commands: NamedDependency[Commands]
    ) -> StateOut:
        return _state(await commands.send(m.CompleteRedemption(redemption_id=redemption_id)))

    @post(
        "/mall/redemptions/{redemption_id:uuid}/cancel",
        summary="Cancel a redemption before it ships (points and stock given back)",
        status_code=200,
        guards=OPERATOR_WRITE,
        responses={404: NOT_YOURS, 409: STATE},
    )
    async def cancel(
        self, redemption_id: FromPath[uuid.UUID], commands: NamedDependency[Commands]
    ) -> StateOut:
        done = await commands.send(m.CancelRedemption(redemption_id=redemption_id))
        return _state(done.state)


def _state(state: object) -> StateOut:
    return StateOut(str(getattr(state, "value", state)))


__all__ = ["MallController"]
