"""Exporting cards for printing (GC-12): chosen cards or a whole batch, into a spreadsheet
locked with a password given at export time.

Two commands, both for an operator holding :data:`EXPORT_PERMISSION` (checked by the bus):

1. ``RequestExportCode`` sends a one-time code by SMS to the batch owner's phone (or the
   administrator's, from the policy) — :class:`RequestExportCodeHandler`;
2. ``StartExport`` carries the code, which the bus spends before the command runs, then queues
   the export (the export row, the batch's history entry and the job, in one transaction).

A refusal at any check is written to the audit log (SEC-2) by the bus, like every refused
operator command (see :mod:`shop_app.giftcards.middlewares` for the permission and the code).

The job (:meth:`CardExporter.run_job`) reads the cards a page at a time in number order,
opens their secrets, streams the rows into the file and seals it with the password; the
password itself was kept sealed with the card-secret key until then and is forgotten after.
Whole-batch exports leave discarded cards out; chosen cards are exported as chosen.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Protocol

from shop_app.giftcards import commands as c
from shop_app.giftcards.commands import EXPORT_PERMISSION, FailExport, FinishExport
from shop_app.giftcards.errors import ExportCardsInvalid, ExportPasswordWeak, NoPhoneForCode
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.ports import ExportSource, GiftCardsUnitOfWork
from shop_app.giftcards.queries import GiftCardQueries
from shop_app.giftcards.results import ExportStarted
from shop_app.giftcards.secrets import SecretBox
from shop_app.shared.jobs import JobView, Report
from shop_app.shared.messagebus import CommandHandler
from shop_app.shared.middleware import Dispatcher
from shop_app.shared.otp import Challenge, OneTimeCodes
from shop_domain.giftcards.errors import BatchNotFound
from shop_domain.giftcards.export import CardExport, ExportState
from shop_domain.giftcards.numbers import display_secret

CODE_PURPOSE: Final = "giftcards.export"
EXPORT_CARDS: Final = "giftcards.export_cards"
"""The job kind writing an export's file; params ``{"export_id": "<uuid>"}``."""
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


def export_code_subject(actor: str, batch_id: uuid.UUID) -> str:
    """What a one-time code for an export is bound to: the operator and the batch."""
    return f"{actor}:{batch_id}"


class RequestExportCodeHandler:
    """GC-12, step 1: the ``RequestExportCode`` handler.

    It works in stores of its own — the read side for the batch's phone, the one-time code store
    and the SMS sender, each its own short transaction — and leaves the unit of work untouched,
    so the command holds no transaction (on SQLite, no write lock) while the code is stored. That
    is why the command takes no idempotency key."""

    def __init__(
        self, queries: GiftCardQueries, codes: OneTimeCodes, policy: GiftCardPolicy
    ) -> None:
        self._queries = queries
        self._codes = codes
        self._policy = policy

    async def __call__(self, command: c.RequestExportCode, uow: GiftCardsUnitOfWork) -> Challenge:
        batch = await self._queries.batch(command.batch_id)
        if batch is None:
            raise BatchNotFound(command.batch_id)
        phone = batch.owner_phone or self._policy.admin_phone
        if phone is None:
            raise NoPhoneForCode(
                "neither the batch's owner nor the administrator has a phone for the code"
            )
        subject = export_code_subject(command.actor, command.batch_id)
        return await self._codes.issue(CODE_PURPOSE, subject, phone, uow.clock.now())


class ExportHandlers:
    """GC-12, step 2 and the job's ends: queue an export, record that it finished or failed."""

    def __init__(self, policy: GiftCardPolicy, box: SecretBox) -> None:
        self._policy = policy
        self._box = box

    def mapping(self) -> dict[type, CommandHandler]:
        return {
            c.StartExport: self.start_export,
            c.FinishExport: self.finish_export,
            c.FailExport: self.fail_export,
        }

    async def start_export(self, command: c.StartExport, uow: GiftCardsUnitOfWork) -> ExportStarted:
        """Queue the export: the export row, the batch's history entry and the job, in one
        transaction. The bus has checked the permission and spent the one-time code."""
        if not self._policy.min_export_password <= len(command.password) <= 128:
            raise ExportPasswordWeak(
                f"an export password is {self._policy.min_export_password}..128 characters"
            )
        batch = await uow.giftcard_batches.get(command.batch_id)
        chosen = list(command.card_ids) if command.card_ids is not None else None
        if chosen is not None:
            found = await uow.giftcards.lock_many(chosen)
            if len(found) != len(set(chosen)) or any(k.batch_id != batch.id for k in found):
                raise ExportCardsInvalid("every chosen card belongs to this batch")
        export_id = uow.ids.new_id()
        export = CardExport.request(
            id=export_id,
            batch_id=batch.id,
            card_ids=chosen,
            password=self._box.seal(str(export_id), command.password),
            requested_by=command.actor,
            now=uow.clock.now(),
        )
        uow.giftcard_exports.add(export)
        batch.exported(
            export_id=export_id,
            cards=len(export.card_ids) if export.card_ids is not None else batch.generated,
            whole_batch=export.whole_batch,
            actor=command.actor,
            now=uow.clock.now(),
        )
        job_id = await uow.jobs.enqueue(
            EXPORT_CARDS, {"export_id": str(export_id)}, created_by=command.actor
        )
        return ExportStarted(export_id, job_id)

    async def finish_export(self, command: c.FinishExport, uow: GiftCardsUnitOfWork) -> None:
        export = await uow.giftcard_exports.get(command.export_id)
        export.finish(rows=command.rows, file_name=command.file_name, now=uow.clock.now())

    async def fail_export(self, command: c.FailExport, uow: GiftCardsUnitOfWork) -> None:
        export = await uow.giftcard_exports.get(command.export_id)
        export.fail(error=command.error, now=uow.clock.now())


class CardExporter:
    """Runs the ``EXPORT_CARDS`` jobs and knows where their files are (not a use case of its
    own: exports are asked for with ``RequestExportCode`` and ``StartExport``)."""

    def __init__(
        self,
        *,
        bus: Dispatcher,
        uow_factory: Callable[[], GiftCardsUnitOfWork],
        source: ExportSource,
        box: SecretBox,
        sheets: SheetFactory,
        directory: Path,
    ) -> None:
        self._bus = bus
        self._uow_factory = uow_factory
        self._source = source
        self._box = box
        self._sheets = sheets
        self.directory = directory

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


__all__ = [
    "CODE_PURPOSE",
    "EXPORT_CARDS",
    "EXPORT_PERMISSION",
    "CardExporter",
    "ExportHandlers",
    "RequestExportCodeHandler",
    "export_code_subject",
]
