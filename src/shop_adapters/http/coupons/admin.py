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
idempotent per (campaign key, user) by itself, and a second void answers ``already``. Long
work runs as jobs: code generation and segment issuing answer 202 with the job's id, whose
progress is at ``GET /jobs/{job_id}``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Final

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import operator_only, requires
from shop_adapters.http.coupons.customer import (
    LOCATION,
    TEMPLATE_NOT_FOUND,
    coupon_services,
    window,
)
from shop_adapters.http.coupons.schemas import (
    MAX_KEY,
    CodeBatchAccepted,
    CodeBatchIn,
    CodeBatchOut,
    IssueIn,
    IssueReportOut,
    SegmentAccepted,
    StatisticsOut,
    TemplateDefinitionSchema,
    TemplateOut,
    UsageEntryOut,
    VoidIn,
    VoidOut,
)
from shop_adapters.http.problems import HttpProblem, problem_spec
from shop_adapters.http.schemas import FieldError, Page, Pagination
from shop_adapters.runtime import Runtime
from shop_app.coupons import commands as c
from shop_app.coupons.queries import UsageAction, UsageFilter
from shop_app.coupons.results import CodeBatchStarted
from shop_app.coupons.segments import ISSUE_SEGMENT
from shop_app.shared.auth import Principal
from shop_domain.coupons import rules
from shop_domain.coupons.batches import BatchState
from shop_domain.coupons.template import TemplateState
from shop_domain.shared.rules import check_rule

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

SEGMENT_MEDIA_TYPES: Final = ("text/csv", "text/plain")
MAX_SEGMENT_BYTES: Final = 512 * 1024 * 1024
"""A segment file of the largest size staged (10 million ids) fits well within this."""
MAX_SEGMENT_LINE: Final = 1024

BATCH_NOT_FOUND: Final = problem_spec("No such code batch (`coupon.code_batch_not_found`)")
NOT_EDITABLE: Final = problem_spec(
    "Only a draft is edited (`coupon.template_not_editable`); the public code is taken "
    "(`coupon.public_code_taken`, 422)"
)
STATE_CONFLICT: Final = problem_spec(
    "The template's state does not allow this (`coupon.template_state`)"
)
ISSUE_REFUSED: Final = problem_spec(
    "The template cannot be issued now (`coupon.not_active`, `coupon.claim_only`)"
)


def _id(result: Any) -> uuid.UUID:
    """A creating command's result (a replay through the idempotency store keeps the type)."""
    return result if isinstance(result, uuid.UUID) else uuid.UUID(str(result))


async def _template(runtime: Runtime, template_id: uuid.UUID) -> TemplateOut:
    return TemplateOut.of(await coupon_services(runtime).queries.template(template_id))


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


async def _segment_lines(request: Request[Any, Any, Any]) -> AsyncIterator[str]:
    """The request body's lines, decoded as UTF-8 as the bytes arrive (one chunk in memory)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending = ""
    line = 1
    async for chunk in request.stream():
        try:
            pending += decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise _bad_line(line, "is not UTF-8 text") from None
        *complete, pending = pending.split("\n")
        for text in complete:
            yield text
            line += 1
        if len(pending) > MAX_SEGMENT_LINE:
            raise _bad_line(line, f"is longer than {MAX_SEGMENT_LINE} characters")
    if pending:
        yield pending


def _bad_line(line: int, what: str) -> HttpProblem:
    return HttpProblem(
        400,
        "coupon.segment_invalid",
        f"line {line} {what}",
        details={"line": line},
        errors=[FieldError(field=f"line {line}", message=what, source="body")],
    )


@dataclass
class SegmentUpload(Operation):
    """OpenAPI: the segment file is the raw request body (it is streamed, never decoded as a
    whole, so Litestar cannot infer it)."""

    def __post_init__(self) -> None:
        schema = Schema(
            type=OpenAPIType.STRING,
            description="One user id per line (a CSV whose first column is the user id, with "
            "or without a `user_id` header; blank lines and `#` comments are skipped)",
        )
        self.request_body = RequestBody(
            content={media: OpenAPIMediaType(schema=schema) for media in SEGMENT_MEDIA_TYPES},
            required=True,
        )


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
        queries = coupon_services(runtime).queries
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
        return StatisticsOut.of(await coupon_services(runtime).queries.statistics(template_id))

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
        queries = coupon_services(runtime).queries
        items, total = await window(lambda request: queries.usage(criteria, request), pagination)
        return Page.of([UsageEntryOut.of(entry) for entry in items], total, pagination)

    # --- issuing (CPN-3) ----------------------------------------------------------------------

    @post(
        "/templates/{template_id:uuid}/issue",
        guards=ISSUE_GUARDS,
        summary="Give one coupon to each listed user (CPN-3)",
        description="Idempotent per (campaign key, user): a user this campaign key already "
        "gave a coupon to is listed under `already`. Users past the total are listed under "
        "`refused` with `coupon.sold_out`; the others still get theirs.",
        status_code=200,
        responses={404: TEMPLATE_NOT_FOUND, 409: ISSUE_REFUSED},
    )
    async def issue(
        self,
        template_id: FromPath[uuid.UUID],
        data: JSONBody[IssueIn],
        runtime: NamedDependency[Runtime],
        commands: NamedDependency[Commands],
    ) -> IssueReportOut:
        limit = coupon_services(runtime).policy.max_issue_batch
        if len(data.user_ids) > limit:
            raise HttpProblem(
                400,
                "request.invalid",
                f"issue to at most {limit} users a request; upload larger lists as a segment",
                errors=[FieldError(field="user_ids", message=f"at most {limit}", source="body")],
            )
        command = c.IssueCoupons(
            template_id=template_id,
            campaign_key=data.campaign_key,
            user_ids=tuple(data.user_ids),
            issued_by=commands.principal.subject,
        )
        # idempotent per (campaign key, user) by itself; with a key a retry also gets the
        # first report back
        report = await commands.send(command)
        return IssueReportOut.of(report)

    @post(
        "/templates/{template_id:uuid}/issue-segment",
        guards=ISSUE_GUARDS,
        summary="Issue to a segment of users uploaded as a file (CPN-3), as a job",
        description="The body is the segment file (`text/csv` or `text/plain`), read as it "
        "arrives and staged in chunks; a bad line refuses the whole upload (nothing is "
        "staged) with its number in `details.line`. The job issues the segment in chunks, "
        "idempotent per (campaign key, user); its progress is at `GET /jobs/{job_id}`.",
        status_code=202,
        request_max_body_size=MAX_SEGMENT_BYTES,
        operation_class=SegmentUpload,
        responses={
            404: TEMPLATE_NOT_FOUND,
            409: ISSUE_REFUSED,
            413: problem_spec("The file is too large (`request.too_large`)"),
            415: problem_spec("Not a text/csv or text/plain body"),
        },
    )
    async def issue_segment(
        self,
        template_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
        campaign_key: Annotated[
            str,
            QueryParameter(
                min_length=1,
                max_length=MAX_KEY,
                description="Why the coupons are issued; idempotent per (campaign key, user)",
            ),
        ],
    ) -> SegmentAccepted:
        media_type, _ = request.content_type
        if media_type not in SEGMENT_MEDIA_TYPES:
            raise HttpProblem(
                415,
                "request.unsupported_media_type",
                "send the segment as text/csv or text/plain",
            )
        if not campaign_key.strip():
            raise HttpProblem(
                400,
                "request.invalid",
                "the request is not valid",
                errors=[FieldError(field="campaign_key", message="blank", source="query")],
            )
        services = coupon_services(runtime)
        template = await services.queries.template(template_id)
        check_rule(rules.TemplateIsActive(template.state.value))
        check_rule(rules.TemplateIsIssuable(template.definition.distribution.issuable))
        segment_id, users = await services.segments.stage(_segment_lines(request))
        params = {
            "template_id": str(template_id),
            "campaign_key": campaign_key.strip(),
            "segment_id": str(segment_id),
            "count": users,
            "issued_by": principal.subject,
        }
        job_id = await runtime.jobs.create(
            ISSUE_SEGMENT, params, users, principal.subject, runtime.clock.now()
        )
        return SegmentAccepted(job_id=job_id, users=users)

    # --- one-time codes (CPN-4) ---------------------------------------------------------------

    @post(
        "/templates/{template_id:uuid}/code-batches",
        guards=CODES_GUARDS,
        summary="Generate unique one-time codes (CPN-4), as a job",
        description="Reserves `count` codes on the template (never more than its total) and "
        "queues the job that generates them. Progress: `GET /jobs/{job_id}` and the batch "
        "(`generated` of `requested`).",
        status_code=202,
        responses={
            404: TEMPLATE_NOT_FOUND,
            409: problem_spec(
                "More codes than the total allows (`coupon.codes_exceed_total`), or the "
                "template has ended (`coupon.template_state`)"
            ),
        },
    )
    async def create_code_batch(
        self,
        template_id: FromPath[uuid.UUID],
        data: JSONBody[CodeBatchIn],
        commands: NamedDependency[Commands],
    ) -> CodeBatchAccepted:
        command = c.ReserveCodeBatch(
            template_id=template_id, count=data.count, created_by=commands.principal.subject
        )
        # the batch and its job are written in one transaction; a retry with the same key
        # answers the first batch
        started: CodeBatchStarted = await commands.send(command)
        return CodeBatchAccepted(batch_id=started.batch_id, job_id=started.job_id)

    @get(
        "/templates/{template_id:uuid}/code-batches",
        guards=READ_GUARDS,
        summary="A template's code batches, newest first",
        responses={404: TEMPLATE_NOT_FOUND},
    )
    async def code_batches(
        self, template_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> list[CodeBatchOut]:
        queries = coupon_services(runtime).queries
        await queries.template(template_id)
        return [CodeBatchOut.of(view) for view in await queries.code_batches(template_id)]

    @get(
        "/code-batches/{batch_id:uuid}",
        guards=READ_GUARDS,
        summary="A code batch and its progress",
        responses={404: BATCH_NOT_FOUND},
    )
    async def code_batch(
        self, batch_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> CodeBatchOut:
        return CodeBatchOut.of(await coupon_services(runtime).queries.code_batch(batch_id))

    @get(
        "/code-batches/{batch_id:uuid}/codes",
        guards=CODES_GUARDS,
        summary="Download a batch's codes as CSV",
        description="A `code` header line, then one code per line, streamed chunk by chunk. "
        "The codes are secrets: the answer is not cached.",
        media_type="text/csv",
        responses={
            200: ResponseSpec(
                data_container=str,
                media_type="text/csv",
                description="The codes, one per line after a `code` header",
            ),
            404: BATCH_NOT_FOUND,
            409: problem_spec("The batch is still generating (`coupon.code_batch_not_ready`)"),
        },
    )
    async def download_codes(
        self, batch_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> Stream:
        queries = coupon_services(runtime).queries
        batch = await queries.code_batch(batch_id)
        if batch.state is not BatchState.READY:
            raise HttpProblem(
                409,
                "coupon.code_batch_not_ready",
                f"the batch has {batch.generated} of {batch.requested} codes so far",
                details={"generated": batch.generated, "requested": batch.requested},
            )

        async def rows() -> AsyncIterator[str]:
            yield "code\n"
            async for chunk in queries.batch_codes(batch_id):
                yield "".join(f"{code}\n" for code in chunk)

        return Stream(
            rows(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="codes-{batch_id}.csv"',
                "Cache-Control": "no-store",
            },
        )

    # --- voiding (CPN-5) ----------------------------------------------------------------------

    @post(
        "/coupons/{coupon_id:uuid}/void",
        guards=VOID_GUARDS,
        summary="Void an unused coupon",
        description="An available coupon becomes voided; voiding it again answers `already`.",
        status_code=200,
        responses={
            404: problem_spec("No such coupon (`coupon.not_found`)"),
            409: problem_spec("The coupon is locked, used or expired (`coupon.not_available`)"),
        },
    )
    async def void(
        self,
        coupon_id: FromPath[uuid.UUID],
        data: JSONBody[VoidIn],
        commands: NamedDependency[Commands],
    ) -> VoidOut:
        command = c.VoidCoupon(
            coupon_id=coupon_id, reason=data.reason, voided_by=commands.principal.subject
        )
        # voiding is idempotent by itself (a second void answers `already`)
        return VoidOut.of(await commands.send(command))


__all__ = ["CODES", "ISSUE", "READ", "VOID", "WRITE", "CouponAdminController"]
