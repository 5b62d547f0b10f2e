"""The coupons back office (``/coupons/...``): operators with named permissions (SEC-1).

- ``coupons.read``: templates, statistics (CPN-11), the usage log (CPN-9), code batches;
- ``coupons.write``: define templates (CPN-1), edit drafts, activate, pause, end;
- ``coupons.issue``: give coupons to listed users, or to a segment uploaded as a file (CPN-3);
- ``coupons.codes``: generate one-time codes (CPN-4) and download them;
- ``coupons.void``: take back an unused coupon (CPN-5).

Every route also needs an operator token (a customer holding the permission is still refused).
Changes are commands on the bus, audited as the caller (SEC-2). Template changes honour
``Idempotency-Key`` (SEC-5), and so do issuing and code batches (a retried code-batch request
with the same key answers the first batch instead of reserving a second); issuing is also
idempotent per (campaign key, user) by itself, and a second void answers ``already``.

This module holds the permissions, the templates (CPN-1) and the reports (CPN-9, CPN-11);
issuing, code batches and voiding are in :mod:`shop_adapters.http.coupons.admin_issuing`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Final

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import operator_only, requires
from shop_adapters.http.coupons.customer import TEMPLATE_NOT_FOUND, window
from shop_adapters.http.coupons.definition import TemplateDefinitionSchema
from shop_adapters.http.coupons.responses import StatisticsOut, TemplateOut, UsageEntryOut
from shop_adapters.http.problems import LOCATION, HttpProblem, problem_spec
from shop_adapters.http.schemas import FieldError, Page, Pagination
from shop_adapters.runtime import Runtime
from shop_app.coupons import commands as c
from shop_app.coupons.queries import UsageAction, UsageFilter
from shop_app.coupons.services import CouponServices
from shop_domain.coupons.template import TemplateState

READ: Final = "coupons.read"
WRITE: Final = "coupons.write"
ISSUE: Final = "coupons.issue"
CODES: Final = "coupons.codes"
VOID: Final = "coupons.void"
# the permission first: a customer (who holds none) gets 403 `auth.permission_required` too
READ_GUARDS: Final = [requires(READ), operator_only]
WRITE_GUARDS: Final = [requires(WRITE), operator_only]
ISSUE_GUARDS: Final = [requires(ISSUE), operator_only]
CODES_GUARDS: Final = [requires(CODES), operator_only]
VOID_GUARDS: Final = [requires(VOID), operator_only]

NOT_EDITABLE: Final = problem_spec(
    "Only a draft is edited (`coupon.template_not_editable`); the public code is taken "
    "(`coupon.public_code_taken`, 422)"
)
STATE_CONFLICT: Final = problem_spec(
    "The template's state does not allow this (`coupon.template_state`)"
)


def _id(result: Any) -> uuid.UUID:
    """A creating command's result (a replay through the idempotency store keeps the type)."""
    return result if isinstance(result, uuid.UUID) else uuid.UUID(str(result))


async def _template(runtime: Runtime, template_id: uuid.UUID) -> TemplateOut:
    return TemplateOut.of(await runtime.get(CouponServices).queries.template(template_id))


async def _change(
    runtime: Runtime,
    commands: Commands,
    template_id: uuid.UUID,
    command: object,
) -> TemplateOut:
    """Run a command on one template and answer with the template as it now is."""
    await commands.send(command)
    return await _template(runtime, template_id)


def _aware(name: str, moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.utcoffset() is None:
        raise HttpProblem(
            400,
            "request.invalid",
            "the request is not valid",
            errors=[FieldError(field=name, message="needs a timezone", source="query")],
        )
    return moment


class CouponAdminController(Controller):
    """The coupons back office; each route names its permission and needs an operator."""

    path = "/coupons"
    tags = ["coupons admin"]

    # --- templates (CPN-1) --------------------------------------------------------------------

    @get("/templates", guards=READ_GUARDS, summary="Coupon templates, newest first")
    async def templates(
        self,
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
        state_filter: Annotated[
            TemplateState | None,
            QueryParameter(name="state", description="Only templates in this state"),
        ] = None,
    ) -> Page[TemplateOut]:
        queries = runtime.get(CouponServices).queries
        items, total = await window(
            lambda request: queries.templates(state_filter, request), pagination
        )
        return Page.of([TemplateOut.of(view) for view in items], total, pagination)

    @get(
        "/templates/{template_id:uuid}",
        guards=READ_GUARDS,
        summary="A coupon template",
        responses={404: TEMPLATE_NOT_FOUND},
    )
    async def template(
        self, template_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> TemplateOut:
        return await _template(runtime, template_id)

    @post(
        "/templates",
        guards=WRITE_GUARDS,
        summary="Define a coupon template (a draft)",
        status_code=201,
        response_headers=LOCATION,
        responses={
            422: problem_spec(
                "The definition breaks a rule (`coupon.invalid_template`, "
                "`coupon.public_code_taken`, `money.*`)"
            )
        },
    )
    async def create_template(
        self,
        data: JSONBody[TemplateDefinitionSchema],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> Response[TemplateOut]:
        command = c.CreateTemplate(
            definition=data.to_domain(), created_by=commands.principal.subject
        )
        result = await commands.send(command)
        template = await _template(runtime, _id(result))
        return Response(
            template, status_code=201, headers={"Location": f"/coupons/templates/{template.id}"}
        )

    @put(
        "/templates/{template_id:uuid}",
        guards=WRITE_GUARDS,
        summary="Replace a draft template's definition",
        responses={404: TEMPLATE_NOT_FOUND, 409: NOT_EDITABLE},
    )
    async def edit_template(
        self,
        template_id: FromPath[uuid.UUID],
        data: JSONBody[TemplateDefinitionSchema],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> TemplateOut:
        command = c.EditTemplate(template_id=template_id, definition=data.to_domain())
        return await _change(runtime, commands, template_id, command)

    @post(
        "/templates/{template_id:uuid}/activate",
        guards=WRITE_GUARDS,
        summary="Start handing coupons out (from draft or paused)",
        status_code=200,
        responses={404: TEMPLATE_NOT_FOUND, 409: STATE_CONFLICT},
    )
    async def activate(
        self,
        template_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> TemplateOut:
        command = c.ActivateTemplate(template_id=template_id)
        return await _change(runtime, commands, template_id, command)

    @post(
        "/templates/{template_id:uuid}/pause",
        guards=WRITE_GUARDS,
        summary="Stop handing coupons out for now",
        status_code=200,
        responses={404: TEMPLATE_NOT_FOUND, 409: STATE_CONFLICT},
    )
    async def pause(
        self,
        template_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> TemplateOut:
        command = c.PauseTemplate(template_id=template_id)
        return await _change(runtime, commands, template_id, command)

    @post(
        "/templates/{template_id:uuid}/end",
        guards=WRITE_GUARDS,
        summary="End the template (coupons already out stay usable)",
        status_code=200,
        responses={404: TEMPLATE_NOT_FOUND, 409: STATE_CONFLICT},
    )
    async def end(
        self,
        template_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> TemplateOut:
        command = c.EndTemplate(template_id=template_id)
        return await _change(runtime, commands, template_id, command)

    # --- reports (CPN-9, CPN-11) --------------------------------------------------------------

    @get(
        "/templates/{template_id:uuid}/statistics",
        guards=READ_GUARDS,
        summary="A template's statistics (CPN-11)",
        responses={404: TEMPLATE_NOT_FOUND},
    )
    async def statistics(
        self, template_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> StatisticsOut:
        return StatisticsOut.of(await runtime.get(CouponServices).queries.statistics(template_id))

    @get(
        "/usage",
        guards=READ_GUARDS,
        summary="The coupon usage log (CPN-9), newest first",
        description="Every use and return of a coupon. `since` is inclusive, `until` exclusive.",
    )
    async def usage(
        self,
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
        template_id: FromQuery[uuid.UUID | None] = None,
        user_id: FromQuery[uuid.UUID | None] = None,
        order_id: FromQuery[uuid.UUID | None] = None,
        coupon_id: FromQuery[uuid.UUID | None] = None,
        action: Annotated[
            UsageAction | None, QueryParameter(description="`used` or `returned`")
        ] = None,
        since: Annotated[
            dt.datetime | None, QueryParameter(description="ISO 8601 with a timezone")
        ] = None,
        until: Annotated[
            dt.datetime | None, QueryParameter(description="ISO 8601 with a timezone")
        ] = None,
    ) -> Page[UsageEntryOut]:
        criteria = UsageFilter(
            template_id=template_id,
            user_id=user_id,
            order_id=order_id,
            coupon_id=coupon_id,
            action=action,
            since=_aware("since", since),
            until=_aware("until", until),
        )
        queries = runtime.get(CouponServices).queries
        items, total = await window(lambda request: queries.usage(criteria, request), pagination)
        return Page.of([UsageEntryOut.of(entry) for entry in items], total, pagination)


__all__ = [
    "CODES",
    "CODES_GUARDS",
    "ISSUE",
    "ISSUE_GUARDS",
    "READ",
    "READ_GUARDS",
    "VOID",
    "VOID_GUARDS",
    "WRITE",
    "WRITE_GUARDS",
    "CouponAdminController",
]
