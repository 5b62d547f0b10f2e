"""Exporting cards for printing (GC-12): chosen cards or a whole batch, into an Excel file
locked with a password given at export time, behind the export permission *and* a one-time
code sent by SMS to the batch owner's (or the administrator's) phone.

1. ``POST /giftcards/batches/{id}/export-code`` sends the code (202, where it went, masked);
2. ``POST /giftcards/batches/{id}/exports`` with the password and the code queues the export
   (202, the export's and the job's ids);
3. ``GET /giftcards/exports/{id}`` says when the file is ``ready``;
   ``GET /giftcards/exports/{id}/file`` downloads it.

The first two routes are guarded by ``operator_only`` alone: the permission and the code are
checked by the application's bus, so that a refusal — no permission, a wrong code — lands in the
audit log (SEC-2) like every refused operator command. Reading exports needs ``giftcards.read``;
downloading a file needs ``giftcards.export``.
"""

from __future__ import annotations

import uuid
from typing import Final

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.response import File

from shop_adapters.http.auth import operator_only
from shop_adapters.http.giftcards.admin import (
    BATCH_NOT_FOUND,
    EXPORT_GUARDS,
    READ_GUARDS,
    batch_out,
)
from shop_adapters.http.giftcards.customer import window
from shop_adapters.http.giftcards.requests import (
    ExportIn,
)
from shop_adapters.http.giftcards.responses import (
    CodeSentOut,
    ExportAcceptedOut,
    ExportOut,
)
from shop_adapters.http.problems import LOCATION, HttpProblem, problem_spec
from shop_adapters.http.schemas import Page, Pagination
from shop_adapters.runtime import Runtime
from shop_app.giftcards.commands import RequestExportCode, StartExport
from shop_app.giftcards.results import ExportStarted
from shop_app.giftcards.services import GiftCardServices
from shop_app.shared.auth import Principal
from shop_app.shared.otp import Challenge
from shop_domain.giftcards.errors import ExportNotFound
from shop_domain.giftcards.export import ExportState

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_NOT_FOUND: Final = problem_spec("No such export (`giftcard.export_not_found`)")
REFUSED: Final = problem_spec(
    "Not allowed: no `giftcards.export` (`auth.permission_required`), or the one-time code "
    "is wrong, expired or used up (`otp.invalid`); the refusal is audited"
)
TOO_SOON: Final = problem_spec("A code was sent moments ago (`otp.too_soon`); see `Retry-After`")


async def export_view(runtime: Runtime, export_id: uuid.UUID) -> ExportOut:
    view = await runtime.get(GiftCardServices).queries.export(export_id)
    if view is None:
        raise ExportNotFound(export_id)
    return ExportOut.of(view)


class GiftCardExportsController(Controller):
    """Exports of cards for printing (GC-12)."""

    path = "/giftcards"
    tags = ["gift cards admin"]

    @post(
        "/batches/{batch_id:uuid}/export-code",
        guards=[operator_only],
        summary="Send a one-time code for an export of this batch (GC-12)",
        description="The code goes by SMS to the batch owner's phone, or the administrator's. "
        "Needs `giftcards.export` (checked and audited by the application).",
        status_code=202,
        responses={403: REFUSED, 404: BATCH_NOT_FOUND, 429: TOO_SOON},
    )
    async def request_code(
        self,
        batch_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> CodeSentOut:
        command = RequestExportCode(batch_id=batch_id, actor=principal.subject)
        challenge: Challenge = await runtime.bus.handle(command, actor=principal)
        return CodeSentOut(phone=challenge.phone_masked, expires_at=challenge.expires_at)

    @post(
        "/batches/{batch_id:uuid}/exports",
        guards=[operator_only],
        summary="Export chosen cards, or the whole batch, to a password-protected file (GC-12)",
        description="Needs `giftcards.export` and the one-time code just sent (both checked "
        "and audited by the application). A job writes the file (`GET /jobs/{job_id}`); the "
        "export is `ready` when it can be downloaded. Whole-batch exports leave discarded "
        "cards out.",
        status_code=202,
        response_headers=LOCATION,
        responses={403: REFUSED, 404: BATCH_NOT_FOUND},
    )
    async def start_export(
        self,
        batch_id: FromPath[uuid.UUID],
        data: JSONBody[ExportIn],
        runtime: NamedDependency[Runtime],
        principal: NamedDependency[Principal],
    ) -> Response[ExportAcceptedOut]:
        command = StartExport(
            batch_id=batch_id,
            actor=principal.subject,
            password=data.password,
            card_ids=None if data.card_ids is None else tuple(data.card_ids),
            code=data.code,
        )
        started: ExportStarted = await runtime.bus.handle(command, actor=principal)
        return Response(
            ExportAcceptedOut(export_id=started.export_id, job_id=started.job_id),
            status_code=202,
            headers={"Location": f"/giftcards/exports/{started.export_id}"},
        )

    @get(
        "/batches/{batch_id:uuid}/exports",
        guards=READ_GUARDS,
        summary="A batch's exports, newest first",
        responses={404: BATCH_NOT_FOUND},
    )
    async def exports(
        self,
        batch_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
        pagination: NamedDependency[Pagination],
    ) -> Page[ExportOut]:
        await batch_out(runtime, batch_id)
        queries = runtime.get(GiftCardServices).queries
        items, total = await window(lambda request: queries.exports(batch_id, request), pagination)
        return Page.of([ExportOut.of(view) for view in items], total, pagination)

    @get(
        "/exports/{export_id:uuid}",
        guards=READ_GUARDS,
        summary="An export: queued, ready or failed",
        responses={404: EXPORT_NOT_FOUND},
    )
    async def export(
        self, export_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> ExportOut:
        return await export_view(runtime, export_id)

    @get(
        "/exports/{export_id:uuid}/file",
        guards=EXPORT_GUARDS,
        summary="Download an export's file (.xlsx, locked with the export's password)",
        media_type=XLSX,
        responses={
            200: ResponseSpec(
                data_container=bytes,
                media_type=XLSX,
                description="The encrypted workbook; it opens only with the export's password",
            ),
            404: EXPORT_NOT_FOUND,
            409: problem_spec(
                "The file is not written yet, or the export failed (`giftcard.export_not_ready`)"
            ),
            410: problem_spec("The file is no longer there (`giftcard.export_file_gone`)"),
        },
    )
    async def download(
        self, export_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> File:
        view = await export_view(runtime, export_id)
        if view.state != ExportState.READY.value or view.file_name is None:
            raise HttpProblem(
                409,
                "giftcard.export_not_ready",
                f"the export is {view.state}",
                details={"state": view.state},
            )
        path = runtime.get(GiftCardServices).exporter.path(export_id)
        if not path.is_file():
            raise HttpProblem(
                410, "giftcard.export_file_gone", "the export's file is no longer there"
            )
        return File(
            path=path,
            filename=view.file_name,
            media_type=XLSX,
            headers={"Cache-Control": "no-store"},
        )


__all__ = ["XLSX", "GiftCardExportsController"]
