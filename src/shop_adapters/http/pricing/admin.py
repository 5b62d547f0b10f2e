"""The promotions back office (``/promotions/...``): operators with named permissions (SEC-1).

- ``promotions.read``: promotions, one or a page (filtered by status now, level, kind), and the
  conflict check (PRO-3's dry run: what a definition or a stored promotion would clash with);
- ``promotions.write``: define drafts, edit them, schedule (PRO-3), pause, resume, end (PRO-2).

Every route also needs an operator token. Changes are commands on the bus, audited as the
caller (SEC-2), and honour ``Idempotency-Key`` (SEC-5). Scheduling over a clash is 409
``promotion.conflict`` with ``details.clashes``: each clashing promotion and the SKUs it shares.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Final, TypeVar

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import operator_only, requires
from shop_adapters.http.pricing.definition import (
    KIND_NAME_MAX,
    PromotionDefinitionSchema,
    PromotionLevel,
)
from shop_adapters.http.pricing.responses import ConflictCheckOut, PromotionOut
from shop_adapters.http.problems import LOCATION, problem_spec
from shop_adapters.http.schemas import Page, Pagination, text_pattern
from shop_adapters.runtime import Runtime
from shop_app.pricing import commands as c
from shop_app.pricing.queries import PromotionFilter
from shop_app.pricing.services import PricingServices
from shop_app.shared import paging
from shop_app.shared.auth import Principal
from shop_domain.pricing.promotion import PromotionStatus

READ: Final = "promotions.read"
WRITE: Final = "promotions.write"
# the permission first: a customer (who holds none) gets 403 `auth.permission_required` too
READ_GUARDS: Final = [requires(READ), operator_only]
WRITE_GUARDS: Final = [requires(WRITE), operator_only]

NOT_FOUND: Final = problem_spec("No such promotion (`promotion.not_found`)")
INVALID: Final = problem_spec(
    "The definition breaks a rule (`promotion.invalid`, `promotion.unknown_kind`, `money.*`)"
)
STATE_CONFLICT: Final = problem_spec(
    "The promotion's status does not allow this (`promotion.state_conflict`)"
)
SCHEDULE_CONFLICT: Final = problem_spec(
    "Its SKUs are in another promotion of its level whose window overlaps "
    "(`promotion.conflict`, with `details.clashes`), or its status does not allow it "
    "(`promotion.state_conflict`)"
)

T = TypeVar("T")


async def window(
    fetch: Callable[[paging.PageRequest], Awaitable[paging.Page[T]]], pagination: Pagination
) -> tuple[list[T], int]:
    """``limit``/``offset`` over the application's page-numbered queries: the items of the
    window (at most two pages read) and the total."""
    size = pagination.limit
    number, skip = divmod(pagination.offset, size)
    page = await fetch(paging.PageRequest(page=number + 1, page_size=size))
    items = list(page.items[skip:])
    if skip and len(items) < size and pagination.offset + len(items) < page.total:
        following = await fetch(paging.PageRequest(page=number + 2, page_size=size))
        items.extend(following.items[: size - len(items)])
    return items, page.total


def _id(result: Any) -> uuid.UUID:
    """A creating command's result (a replay through the idempotency store keeps the type)."""
    return result if isinstance(result, uuid.UUID) else uuid.UUID(str(result))


async def _promotion(runtime: Runtime, promotion_id: uuid.UUID) -> PromotionOut:
    queries = runtime.get(PricingServices).queries
    return PromotionOut.of(await queries.promotion(promotion_id, runtime.clock.now()))


async def _change(
    runtime: Runtime, commands: Commands, promotion_id: uuid.UUID, command: object
) -> PromotionOut:
    """Run a command on one promotion and answer with the promotion as it now is."""
    await commands.send(command)
    return await _promotion(runtime, promotion_id)


class PromotionAdminController(Controller):
    """The promotions back office; each route names its permission and needs an operator."""

    path = "/promotions"
    tags = ["promotions admin"]

    @get("/", guards=READ_GUARDS, summary="Promotions, newest first")
    async def promotions(
        self,
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
        status: Annotated[
            PromotionStatus | None,
            QueryParameter(description="Only promotions in this status now"),
        ] = None,
        level: Annotated[
            PromotionLevel | None, QueryParameter(description="Only promotions of this level")
        ] = None,
        kind: Annotated[
            str | None,
            QueryParameter(
                description="Only promotions of the kind registered under this name",
                max_length=KIND_NAME_MAX,
                pattern=text_pattern(KIND_NAME_MAX, min_length=1),
            ),
        ] = None,
    ) -> Page[PromotionOut]:
        criteria = PromotionFilter(
            now=runtime.clock.now(),
            status=status,
            level=None if level is None else level.level,
            kind=kind,
        )
        queries = runtime.get(PricingServices).queries
        items, total = await window(
            lambda request: queries.promotions(criteria, request), pagination
        )
        return Page.of([PromotionOut.of(view) for view in items], total, pagination)

    @get(
        "/{promotion_id:uuid}",
        guards=READ_GUARDS,
        summary="A promotion",
        responses={404: NOT_FOUND},
    )
    async def promotion(
        self, promotion_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> PromotionOut:
        return await _promotion(runtime, promotion_id)

    @post(
        "/",
        guards=WRITE_GUARDS,
        summary="Define a promotion (a draft)",
        status_code=201,
        response_headers=LOCATION,
        responses={422: INVALID},
    )
    async def create(
        self,
        data: JSONBody[PromotionDefinitionSchema],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> Response[PromotionOut]:
        command = c.CreatePromotion(
            definition=data.to_domain(), created_by=commands.principal.subject
        )
        promotion = await _promotion(runtime, _id(await commands.send(command)))
        return Response(
            promotion, status_code=201, headers={"Location": f"/promotions/{promotion.id}"}
        )

    @put(
        "/{promotion_id:uuid}",
        guards=WRITE_GUARDS,
        summary="Replace a draft promotion's definition",
        responses={404: NOT_FOUND, 409: STATE_CONFLICT, 422: INVALID},
    )
    async def edit(
        self,
        promotion_id: FromPath[uuid.UUID],
        data: JSONBody[PromotionDefinitionSchema],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> PromotionOut:
        command = c.EditPromotion(promotion_id=promotion_id, definition=data.to_domain())
        return await _change(runtime, commands, promotion_id, command)

    @post(
        "/{promotion_id:uuid}/schedule",
        guards=WRITE_GUARDS,
        summary="Schedule a draft: active inside its window (PRO-3 checked)",
        status_code=200,
        responses={404: NOT_FOUND, 409: SCHEDULE_CONFLICT},
    )
    async def schedule(
        self,
        promotion_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> PromotionOut:
        command = c.SchedulePromotion(promotion_id=promotion_id)
        return await _change(runtime, commands, promotion_id, command)

    @post(
        "/{promotion_id:uuid}/pause",
        guards=WRITE_GUARDS,
        summary="Pause an active promotion (it keeps its goods)",
        status_code=200,
        responses={404: NOT_FOUND, 409: STATE_CONFLICT},
    )
    async def pause(
        self,
        promotion_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> PromotionOut:
        command = c.PausePromotion(promotion_id=promotion_id)
        return await _change(runtime, commands, promotion_id, command)

    @post(
        "/{promotion_id:uuid}/resume",
        guards=WRITE_GUARDS,
        summary="Resume a paused promotion",
        status_code=200,
        responses={404: NOT_FOUND, 409: STATE_CONFLICT},
    )
    async def resume(
        self,
        promotion_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> PromotionOut:
        command = c.ResumePromotion(promotion_id=promotion_id)
        return await _change(runtime, commands, promotion_id, command)

    @post(
        "/{promotion_id:uuid}/end",
        guards=WRITE_GUARDS,
        summary="End a promotion now (a draft is withdrawn)",
        status_code=200,
        responses={404: NOT_FOUND, 409: STATE_CONFLICT},
    )
    async def end(
        self,
        promotion_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> PromotionOut:
        command = c.EndPromotion(promotion_id=promotion_id, ended_by=commands.principal.subject)
        return await _change(runtime, commands, promotion_id, command)

    # --- PRO-3's dry run ------------------------------------------------------------------------

    @post(
        "/conflicts",
        guards=READ_GUARDS,
        summary="What a definition would clash with if scheduled now (nothing is written)",
        status_code=200,
        responses={422: INVALID},
    )
    async def check_definition(
        self,
        data: JSONBody[PromotionDefinitionSchema],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> ConflictCheckOut:
        check = runtime.get(PricingServices).conflicts
        report = await check.of_definition(data.to_domain(), principal.subject)
        return ConflictCheckOut.of(report)

    @get(
        "/{promotion_id:uuid}/conflicts",
        guards=READ_GUARDS,
        summary="What a promotion (a draft) would clash with if scheduled now",
        responses={404: NOT_FOUND},
    )
    async def check_promotion(
        self, promotion_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> ConflictCheckOut:
        report = await runtime.get(PricingServices).conflicts.of_promotion(promotion_id)
        return ConflictCheckOut.of(report)


__all__ = ["READ", "READ_GUARDS", "WRITE", "WRITE_GUARDS", "PromotionAdminController"]
