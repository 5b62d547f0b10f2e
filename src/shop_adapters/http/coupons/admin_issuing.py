"""The coupons back office's hand-outs (``/coupons/...``): issuing to listed users or to an
uploaded segment (CPN-3), one-time code batches and their download (CPN-4), voiding (CPN-5).
The permissions and the template routes are in :mod:`shop_adapters.http.coupons.admin`.

Long work runs as jobs: code generation and segment issuing answer 202 with the job's id (its
progress at ``GET /jobs/{job_id}``) and a ``Location`` to follow.
"""

from __future__ import annotations

import codecs
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Final

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream

from shop_adapters.http.app import Commands
from shop_adapters.http.coupons.admin import (
    CODES_GUARDS,
    ISSUE_GUARDS,
    READ_GUARDS,
    VOID_GUARDS,
)
from shop_adapters.http.coupons.customer import TEMPLATE_NOT_FOUND
from shop_adapters.http.coupons.requests import MAX_KEY, CodeBatchIn, IssueIn, VoidIn
from shop_adapters.http.coupons.responses import (
    CodeBatchAccepted,
    CodeBatchOut,
    IssueReportOut,
    SegmentAccepted,
    VoidOut,
)
from shop_adapters.http.problems import LOCATION, HttpProblem, problem_spec
from shop_adapters.http.schemas import FieldError, text_pattern
from shop_adapters.runtime import Runtime
from shop_app.coupons import commands as c
from shop_app.coupons.errors import SegmentInvalid
from shop_app.coupons.results import CodeBatchStarted
from shop_app.coupons.services import CouponServices
from shop_app.shared.auth import Principal
from shop_domain.coupons.batches import BatchState

SEGMENT_MEDIA_TYPES: Final = ("text/csv", "text/plain")
MAX_SEGMENT_BYTES: Final = 512 * 1024 * 1024
"""A segment file of the largest size staged (10 million ids) fits well within this."""
MAX_SEGMENT_LINE: Final = 1024

BATCH_NOT_FOUND: Final = problem_spec("No such code batch (`coupon.code_batch_not_found`)")
ISSUE_REFUSED: Final = problem_spec(
    "The template cannot be issued now (`coupon.not_active`, `coupon.claim_only`)"
)


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
        SegmentInvalid.code,
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


class CouponIssuingController(Controller):
    """Issuing, code batches and voiding; each route names its permission and needs an
    operator."""

    path = "/coupons"
    tags = ["coupons admin"]

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
        limit = runtime.get(CouponServices).policy.max_issue_batch
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
        response_headers=LOCATION,
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
                pattern=text_pattern(MAX_KEY, min_length=1),
                description="Why the coupons are issued; idempotent per (campaign key, user)",
            ),
        ],
    ) -> Response[SegmentAccepted]:
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
        segments = runtime.get(CouponServices).segments
        segment_id, users = await segments.stage(_segment_lines(request))
        command = c.IssueSegment(
            template_id=template_id,
            campaign_key=campaign_key.strip(),
            segment_id=segment_id,
            users=users,
            issued_by=principal.subject,
        )
        try:  # the template is checked (active, issuable) and the job queued in one transaction
            job_id: uuid.UUID = await runtime.bus.handle(command, actor=principal)
        except BaseException:
            await segments.drop(segment_id)
            raise
        return Response(
            SegmentAccepted(job_id=job_id, users=users),
            status_code=202,
            headers={"Location": f"/jobs/{job_id}"},
        )

    # --- one-time codes (CPN-4) ---------------------------------------------------------------

    @post(
        "/templates/{template_id:uuid}/code-batches",
        guards=CODES_GUARDS,
        summary="Generate unique one-time codes (CPN-4), as a job",
        description="Reserves `count` codes on the template (never more than its total) and "
        "queues the job that generates them. Progress: `GET /jobs/{job_id}` and the batch "
        "(`generated` of `requested`), at `Location`.",
        status_code=202,
        response_headers=LOCATION,
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
    ) -> Response[CodeBatchAccepted]:
        command = c.ReserveCodeBatch(
            template_id=template_id, count=data.count, created_by=commands.principal.subject
        )
        # the batch and its job are written in one transaction; a retry with the same key
        # answers the first batch
        started: CodeBatchStarted = await commands.send(command)
        return Response(
            CodeBatchAccepted(batch_id=started.batch_id, job_id=started.job_id),
            status_code=202,
            headers={"Location": f"/coupons/code-batches/{started.batch_id}"},
        )

    @get(
        "/templates/{template_id:uuid}/code-batches",
        guards=READ_GUARDS,
        summary="A template's code batches, newest first",
        responses={404: TEMPLATE_NOT_FOUND},
    )
    async def code_batches(
        self, template_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> list[CodeBatchOut]:
        queries = runtime.get(CouponServices).queries
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
        return CodeBatchOut.of(await runtime.get(CouponServices).queries.code_batch(batch_id))

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
        queries = runtime.get(CouponServices).queries
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


__all__ = ["MAX_SEGMENT_BYTES", "CouponIssuingController"]
