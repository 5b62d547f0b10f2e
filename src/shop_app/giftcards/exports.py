"""Exporting cards for printing (GC-12): chosen cards or a whole batch, into a spreadsheet
locked with a password given at export time.

Two steps, both for an operator holding :data:`EXPORT_PERMISSION`:

1. :meth:`CardExporter.request_code` sends a one-time code by SMS to the batch owner's phone
   (or the administrator's, from the policy);
2. :meth:`CardExporter.start` checks the permission and consumes the code, then queues the
   export (``StartExport``: the export row, the batch's history entry and the job, in one
   transaction). A refusal at either check is written to the audit log (SEC-2) before it is
   raised, like every refused operator command.

The job (:meth:`CardExporter.run_job`) reads the cards a page at a time in number order,
opens their secrets, streams the rows into the file and seals it with the password; the
password itself was kept sealed with the card-secret key until then and is forgotten after.
Whole-batch exports leave discarded cards out; chosen cards are exported as chosen.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, Protocol

import attrs

from shop_app.giftcards.commands import FailExport, FinishExport, StartExport
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.ports import ExportSource, GiftCardsUnitOfWork
from shop_app.giftcards.queries import GiftCardQueries
from shop_app.giftcards.results import ExportStarted
from shop_app.giftcards.secrets import SecretBox
from shop_app.shared.auth import Principal
from shop_app.shared.jobs import JobView, Report
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.otp import Challenge, OneTimeCodes
from shop_app.shared.ports import Clock
from shop_domain.giftcards.errors import BatchNotFound
from shop_domain.giftcards.export import ExportState
from shop_domain.giftcards.numbers import display_secret
from shop_domain.shared.errors import DomainError, InvalidValue

EXPORT_PERMISSION = "giftcards.export"
CODE_PURPOSE = "giftcards.export"
HEADER = ("Card number", "Secret", "Face value", "Currency", "Batch", "Valid until")
PAGE = 5000


class ProtectedSheet(Protocol):
    def write_rows(self, rows: Iterable[Sequence[str | int | float | None]]) -> int: ...

    def close(self) -> int: ...

    def abort(self) -> None: ...


class SheetFactory(Protocol):
    """Opens a password-protected spreadsheet file for streaming rows into."""

    def __call__(
        self, target: Path, *, password: str, header: Sequence[str], sheet: str = ...
    ) -> ProtectedSheet: ...


@attrs.frozen(kw_only=True)
class RequestExportCode:
    """What a refused code request is audited as."""

    batch_id: uuid.UUID
    actor: str


class CardExporter:
    def __init__(
        self,
        *,
        bus: MessageBus,
        uow_factory: Callable[[], GiftCardsUnitOfWork],
        queries: GiftCardQueries,
        codes: OneTimeCodes,
        source: ExportSource,
        box: SecretBox,
        sheets: SheetFactory,
        directory: Path,
        clock: Clock,
        policy: GiftCardPolicy,
    ) -> None:
        self._bus = bus
        self._uow_factory = uow_factory
        self._queries = queries
        self._codes = codes
        self._source = source
        self._box = box
        self._sheets = sheets
        self.directory = directory
        self._clock = clock
        self._policy = policy

    @staticmethod
    def _subject(principal: Principal, batch_id: uuid.UUID) -> str:
        return f"{principal.subject}:{batch_id}"

    async def _refuse(self, command: object, principal: Principal, error: DomainError) -> NoReturn:
        if principal.kind == "operator":
            await self._bus.audit_refusal(command, principal, error)
        raise error

    async def request_code(self, batch_id: uuid.UUID, principal: Principal) -> Challenge:
        command = RequestExportCode(batch_id=batch_id, actor=principal.subject)
        try:
            principal.require(EXPORT_PERMISSION)
            batch = await self._queries.batch(batch_id)
            if batch is None:
                raise BatchNotFound(batch_id)
            phone = batch.owner_phone or self._policy.admin_phone
            if phone is None:
                raise InvalidValue(
                    "neither the batch's owner nor the administrator has a phone for the code",
                    code="giftcard.no_phone_for_code",
                )
            return await self._codes.issue(
                CODE_PURPOSE, self._subject(principal, batch_id), phone, self._clock.now()
            )
        except DomainError as error:
            await self._refuse(command, principal, error)

    async def start(self, command: StartExport, code: str, principal: Principal) -> ExportStarted:
        try:
            principal.require(EXPORT_PERMISSION)
            await self._codes.consume(
                CODE_PURPOSE, self._subject(principal, command.batch_id), code, self._clock.now()
            )
        except DomainError as error:
            await self._refuse(command, principal, error)
        result: ExportStarted = await self._bus.handle(command, actor=principal)
        return result

    def path(self, export_id: uuid.UUID) -> Path:
        return self.directory / f"{export_id}.xlsx"

    async def run_job(self, job: JobView, report: Report) -> Mapping[str, Any]:
        """The ``EXPORT_CARDS`` job handler."""
        export_id = uuid.UUID(str(job.params["export_id"]))
        async with self._uow_factory() as uow:
            export = await uow.giftcard_exports.get(export_id)
            if export.state is not ExportState.QUEUED or export.password is None:
                return {"export_id": str(export_id), "state": export.state.value}
            batch = await uow.giftcard_batches.get(export.batch_id)
            sealed_password, card_ids = export.password, export.card_ids
        password = self._box.open(str(export_id), sealed_password)
        total = len(card_ids) if card_ids is not None else batch.generated
        valid_until = (
            f"{batch.validity.days_from_activation} days from activation"
            if batch.validity.days_from_activation is not None
            else (batch.validity.ends_at.isoformat() if batch.validity.ends_at else "")
        )
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)  # private: card secrets
        target = self.path(export_id)
        sheet = self._sheets(target, password=password, header=HEADER, sheet="Cards")
        written = 0
        try:
            after: str | None = None
            await report(0, total)
            while True:
                rows = await self._source.rows(batch.id, card_ids, after=after, limit=PAGE)
                if not rows:
                    break
                after = rows[-1].number
                chosen = [r for r in rows if card_ids is not None or r.state != "discarded"]
                sheet.write_rows(
                    (
                        r.number,
                        display_secret(self._box.open(r.number, r.secret)),
                        str(r.face_value.amount),
                        r.face_value.currency,
                        batch.name,
                        valid_until,
                    )
                    for r in chosen
                )
                written += len(rows)
                await report(min(written, total), total)
            rows_written = sheet.close()
        except BaseException as exc:
            sheet.abort()
            await self._bus.handle(FailExport(export_id=export_id, error=type(exc).__name__))
            raise
        await self._bus.handle(
            FinishExport(export_id=export_id, rows=rows_written, file_name=target.name)
        )
        return {"export_id": str(export_id), "rows": rows_written}
