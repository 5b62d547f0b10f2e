"""The participation log of a promotion for operators (PRO-7): ``GET
/promotions/{promotion_id}/participations``, behind ``promotions.read`` and an operator token.

Recording and releasing participations are commands of the ordering context, not routes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Final

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from shop_adapters.http.auth import operator_only, requires
from shop_adapters.http.problems import problem_spec
from shop_adapters.http.schemas import Pagination
from shop_adapters.runtime import Runtime
from shop_app.pricing.participation_ports import (
    ParticipationCounts,
    ParticipationFilter,
    ParticipationQueries,
)
from shop_app.shared import paging
from shop_domain.pricing.participation import Participation

READ: Final = "promotions.read"
# the permission first: a customer (who holds none) gets 403 `auth.permission_required` too
READ_GUARDS: Final = [requires(READ), operator_only]

PROMOTION_NOT_FOUND: Final = problem_spec("No such promotion (`promotion.not_found`)")


class ParticipationOut(msgspec.Struct, frozen=True):
    """One entry of the log: the order of the user took the promotion; ``released_at`` once
    the order was cancelled (the entry then counts no more)."""

    order_id: uuid.UUID
    user_id: uuid.UUID
    recorded_at: dt.datetime
    released_at: dt.datetime | None
    counts: bool

    @classmethod
    def of(cls, entry: Participation) -> ParticipationOut:
        return cls(
            order_id=entry.order_id,
            user_id=entry.user_id,
            recorded_at=entry.recorded_at,
            released_at=entry.released_at,
            counts=entry.counts,
        )


class ParticipationCountsOut(msgspec.Struct, frozen=True):
    """``taken``: the entries that count toward the limits; ``released``: those of cancelled
    orders; ``users``: the users of the entries that count; ``user_taken``: the entries that
    count of the user asked for (``user_id``), else null."""

    taken: int
    released: int
    users: int
    total_limit: int | None
    per_user_limit: int | None
    user_id: uuid.UUID | None
    user_taken: int | None

    @classmethod
    def of(cls, counts: ParticipationCounts) -> ParticipationCountsOut:
        return cls(
            taken=counts.taken,
            released=counts.released,
            users=counts.users,
            total_limit=counts.total_limit,
            per_user_limit=counts.per_user_limit,
            user_id=counts.user_id,
            user_taken=counts.user_taken,
        )


class ParticipationLogOut(msgspec.Struct, frozen=True):
    """One page of the log (``items``, ``total`` entries matching, ``limit``, ``offset``) and
    the promotion's counts."""

    promotion_id: uuid.UUID
    items: list[ParticipationOut]
    total: int
    limit: int
    offset: int
    counts: ParticipationCountsOut


async def _window(
    queries: ParticipationQueries,
    promotion_id: uuid.UUID,
    criteria: ParticipationFilter,
    pagination: Pagination,
) -> tuple[list[Participation], int]:
    """``limit``/``offset`` over the page-numbered query: at most two pages read."""
    size = pagination.limit
    number, skip = divmod(pagination.offset, size)
    page = await queries.log(promotion_id, criteria, paging.PageRequest(number + 1, size))
    items = list(page.items[skip:])
    if skip and len(items) < size and pagination.offset + len(items) < page.total:
        following = await queries.log(promotion_id, criteria, paging.PageRequest(number + 2, size))
        items.extend(following.items[: size - len(items)])
    return items, page.total


class ParticipationController(Controller):
    path = "/promotions"
    tags = ["promotions admin"]

    @get(
        "/{promotion_id:uuid}/participations",
        guards=READ_GUARDS,
        summary="A promotion's participation log (PRO-7), newest first, with its counts",
        description="Every order that took the promotion, and whether it still counts toward "
        "the limits (a cancelled order's entry is released). `user_id` and `order_id` narrow "
        "the log; `user_id` also gives that user's count. `counting=true` leaves out released "
        "entries.",
        responses={404: PROMOTION_NOT_FOUND},
    )
    async def participations(
        self,
        promotion_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
        user_id: FromQuery[uuid.UUID | None] = None,
        order_id: FromQuery[uuid.UUID | None] = None,
        counting: Annotated[
            bool, QueryParameter(description="Only the entries that count (not released)")
        ] = False,
    ) -> ParticipationLogOut:
        queries: ParticipationQueries = runtime.get(ParticipationQueries)
        counts = await queries.counts(promotion_id, user_id)  # 404 for no promotion, first
        criteria = ParticipationFilter(user_id=user_id, order_id=order_id, counting_only=counting)
        items, total = await _window(queries, promotion_id, criteria, pagination)
        return ParticipationLogOut(
            promotion_id=promotion_id,
            items=[ParticipationOut.of(entry) for entry in items],
            total=total,
            limit=pagination.limit,
            offset=pagination.offset,
            counts=ParticipationCountsOut.of(counts),
        )


PARTICIPATION_CONTROLLERS: Final[list[type[Controller]]] = [ParticipationController]

__all__ = ["PARTICIPATION_CONTROLLERS", "READ", "ParticipationController"]
