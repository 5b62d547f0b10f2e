"""The household rule plugged into `shop` as a context of its own (see `shop`'s
``docs/contexts.md``): no file of `shop` is edited.

- ``MoveIn`` (a command through `shop`'s bus): a person's address, kept as a ``Member`` through
  the unit of work like any aggregate;
- :class:`OneCouponPerHouseholdCheck`: a bus middleware around every ``ClaimCoupon``. Put this
  context *before* `shop`'s (``(HOUSEHOLDS, *CONTEXTS)``) so that it wraps each claim before
  the coupons' claim batching takes it: the rule then holds on every road to a claim — HTTP,
  CLI, embedding;
- its tables, made at start (a real service would give them a migration of its own);
- ``PUT /household/address``: a signed-in customer says where they live.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import attrs
from litestar import Controller, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from shop_adapters.http import customer_only
from shop_adapters.plugin import ContextPlugin, Wiring
from shop_adapters.runtime import Runtime
from shop_adapters.sql.mapper import TableMap
from shop_adapters.sql.uow import SqlRepository
from shop_app.coupons.commands import ClaimCoupon
from shop_app.shared.auth import Principal
from shop_app.shared.messagebus import CommandHandler
from shop_app.shared.middleware import Call, Middleware, Proceed
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import NotFound

from household.rule import AddressRequired, OneCouponPerHousehold, household_of
from household.store import HouseholdStore, Reservation, members


@attrs.define(slots=False, eq=False)
class Member(Aggregate):
    """A person (``id`` is their user id) and the household they live in."""

    household: str

    def move_to(self, household: str) -> None:
        self.household = household


class MemberNotFound(NotFound):
    code = "household.member_not_found"


class SqlMemberRepository(SqlRepository[Member]):
    table = TableMap(Member, members)
    not_found = staticmethod(MemberNotFound)


@attrs.frozen
class MoveIn:
    """``user_id`` lives at ``address`` from now on."""

    user_id: uuid.UUID
    address: str


async def move_in(command: MoveIn, uow: Any) -> str:
    household = household_of(command.address)
    member = await uow.household_members.find(command.user_id)
    if member is None:
        uow.household_members.add(Member(id=command.user_id, household=household))
    else:
        member.move_to(household)
    return household


class OneCouponPerHouseholdCheck(Middleware):
    """Around each ``ClaimCoupon``: reserve the claimant's household's place for the template,
    let `shop` decide the claim, and give the place back if `shop` refuses it."""

    def __init__(self, store: HouseholdStore) -> None:
        self._store = store

    def applies_to(self, command_type: type) -> bool:
        return command_type is ClaimCoupon

    async def outside(self, call: Call, proceed: Proceed) -> Any:
        claim: ClaimCoupon = call.message
        household = await self._store.household_of(claim.user_id)
        if household is None:
            raise AddressRequired("tell us your address before claiming this coupon")
        reservation = await self._store.reserve(
            claim.template_id, household, claim.user_id, claim.key
        )
        if reservation is Reservation.TAKEN:
            raise OneCouponPerHousehold(
                "someone in your household already claimed a coupon of this campaign",
                details={"template_id": str(claim.template_id)},
            )
        try:
            return await proceed(call)
        except BaseException:
            if reservation is Reservation.MADE:
                await self._store.release(claim.template_id, household, claim.user_id)
            raise


@attrs.frozen
class AddressIn:
    address: str


class HouseholdController(Controller):
    path = "/household"
    guards = [customer_only]

    @put("/address", summary="Say where you live (one coupon of a campaign per household)")
    async def move_in(
        self,
        data: JSONBody[AddressIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> dict[str, str]:
        household = await runtime.bus.handle(
            MoveIn(user_id=uuid.UUID(principal.subject), address=data.address), actor=principal
        )
        return {"household": household}


CONTROLLERS = [HouseholdController]


def _wire(wiring: Wiring) -> None:
    wiring.add(HouseholdStore, HouseholdStore(wiring.engine))


def _handlers(_wiring: Wiring) -> Mapping[type, CommandHandler]:
    return {MoveIn: move_in}


def _middlewares(wiring: Wiring) -> Sequence[Middleware]:
    return (OneCouponPerHouseholdCheck(wiring.resolve(HouseholdStore)),)


def _starters(wiring: Wiring) -> Sequence[Callable[[], Awaitable[None]]]:
    return (wiring.resolve(HouseholdStore).create_tables,)


HOUSEHOLDS = ContextPlugin(
    name="households",
    tables=(),
    wire=_wire,
    handlers=_handlers,
    middlewares=_middlewares,
    repositories={"household_members": SqlMemberRepository},
    starters=_starters,
    services=(HouseholdStore,),
    http="household.context:CONTROLLERS",
)

__all__ = ["HOUSEHOLDS", "Member", "MoveIn", "OneCouponPerHouseholdCheck"]
