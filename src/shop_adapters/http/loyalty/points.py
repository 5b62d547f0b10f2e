"""Points over HTTP (PTS-1, PTS-8).

The signed-in customer (a customer token; the user id is its subject — nobody reads another's
points): ``GET /me/points`` (balance, available, pending, held, expiring within 30 days),
``GET /me/points/history`` (every entry, newest first), ``POST /me/points/check-in`` and
``POST /me/points/make-up`` (a missed day of this month, when the programme allows).

Operators (``points.read`` / ``points.write``): ``GET /points/accounts/{user_id}`` and its
``/history``, and ``POST /points/accounts/{user_id}/adjustments`` (points with a reason,
audited; negative takes away, never below zero). Commands honour ``Idempotency-Key``.
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
from shop_adapters.http.auth import customer_only, operator_only, requires
from shop_adapters.http.giftcards.customer import user_id_of, window
from shop_adapters.http.problems import problem_spec
from shop_adapters.http.schemas import Page, Pagination
from shop_adapters.runtime import Runtime
from shop_app.loyalty import commands as c
from shop_app.loyalty.queries import EntryView, PointsQueries, PointsSummary
from shop_app.shared.auth import Principal

READ: Final = "points.read"
WRITE: Final = "points.write"
INSUFFICIENT: Final = problem_spec(
    "More points asked for than are available (`points.insufficient`)"
)
ALREADY: Final = problem_spec(
    "Already checked in today (`points.already_checked_in`), or a make-up the programme does "
    "not allow (`points.make_up_refused`)"
)


class SummaryOut(msgspec.Struct, frozen=True):
    user_id: uuid.UUID
    balance: int
    available: int
    pending: int
    held: int
    expiring_soon: int
    next_expiry: dt.datetime | None

    @classmethod
    def of(cls, view: PointsSummary) -> SummaryOut:
        return cls(
            view.user_id,
            view.balance,
            view.available,
            view.pending,
            view.held,
            view.expiring_soon,
            view.next_expiry,
        )


class EntryOut(msgspec.Struct, frozen=True):
    seq: int
    kind: str
    at: dt.datetime
    points: int
    balance_after: int
    pending: int
    pending_after: int
    held: int
    held_after: int
    lot_id: uuid.UUID | None
    order_id: uuid.UUID | None
    reason: str | None

    @classmethod
    def of(cls, e: EntryView) -> EntryOut:
        return cls(
            e.seq,
            e.kind.value,
            e.at,
            e.points,
            e.balance_after,
            e.pending,
            e.pending_after,
            e.held,
            e.held_after,
            e.lot_id,
            e.order_id,
            e.reason,
        )


class CheckedInOut(msgspec.Struct, frozen=True):
    day: dt.date
    streak: int
    points: int
    balance: int


class MovedOut(msgspec.Struct, frozen=True):
    points: int
    balance: int
    pending: int
    held: int


class MakeUpIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    day: dt.date


class AdjustmentIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    points: Annotated[int, msgspec.Meta(ge=-(10**12), le=10**12)]
    """Positive adds a lot of its own; negative takes from the lots that expire soonest."""
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


async def _history(runtime: Runtime, user_id: uuid.UUID, pagination: Pagination) -> Page[EntryOut]:
    queries = runtime.get(PointsQueries)
    items, total = await window(lambda page: queries.history(user_id, page), pagination)
    return Page.of([EntryOut.of(entry) for entry in items], total, pagination)


def _checked_in(done: c.CheckedIn) -> CheckedInOut:
    return CheckedInOut(done.day, done.streak, done.points, done.balance)


class PointsCustomerController(Controller):
    path = "/me/points"
    tags = ["points"]
    guards = [customer_only]

    @get("/", summary="The caller's points: balance, available, pending, held, expiring soon")
    async def mine(
        self, runtime: NamedDependency[Runtime], principal: NamedDependency[Principal]
    ) -> SummaryOut:
        summary = await runtime.get(PointsQueries).summary(
            user_id_of(principal), runtime.clock.now()
        )
        return SummaryOut.of(summary)

    @get("/history", summary="Every change to the caller's points, newest first (PTS-8)")
    async def history(
        self,
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        pagination: NamedDependency[Pagination],
    ) -> Page[EntryOut]:
        return await _history(runtime, user_id_of(principal), pagination)

    @post(
        "/check-in", summary="Today's check-in (PTS-1)", status_code=201, responses={409: ALREADY}
    )
    async def check_in(self, commands: NamedDependency[Commands]) -> CheckedInOut:
        done = await commands.send(c.CheckIn(user_id=user_id_of(commands.principal)))
        return _checked_in(done)

    @post(
        "/make-up",
        summary="Check in a missed day of this month afterwards",
        status_code=201,
        responses={409: ALREADY},
    )
    async def make_up(
        self, data: JSONBody[MakeUpIn], commands: NamedDependency[Commands]
    ) -> CheckedInOut:
        command = c.MakeUpCheckIn(user_id=user_id_of(commands.principal), day=data.day)
        return _checked_in(await commands.send(command))


class PointsAdminController(Controller):
    path = "/points/accounts"
    tags = ["points"]

    @get("/{user_id:uuid}", summary="A customer's points", guards=[requires(READ), operator_only])
    async def account(
        self, user_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> SummaryOut:
        return SummaryOut.of(await runtime.get(PointsQueries).summary(user_id, runtime.clock.now()))

    @get(
        "/{user_id:uuid}/history",
        summary="A customer's points history, newest first",
        guards=[requires(READ), operator_only],
    )
    async def account_history(
        self,
        user_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
    ) -> Page[EntryOut]:
        return await _history(runtime, user_id, pagination)

    @post(
        "/{user_id:uuid}/adjustments",
        summary="Add or take points, with a reason (audited)",
        status_code=201,
        guards=[requires(WRITE), operator_only],
        responses={409: INSUFFICIENT},
    )
    async def adjust(
        self,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[AdjustmentIn],
        commands: NamedDependency[Commands],
    ) -> MovedOut:
        moved = await commands.send(
            c.AdjustPoints(
                user_id=user_id,
                points=data.points,
                reason=data.reason,
                actor=commands.principal.subject,
            )
        )
        return MovedOut(moved.points, moved.balance, moved.pending, moved.held)


POINTS_CONTROLLERS: Final = [PointsCustomerController, PointsAdminController]

__all__ = ["POINTS_CONTROLLERS", "READ", "WRITE"]
