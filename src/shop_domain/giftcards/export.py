"""An export of cards for printing (GC-12): chosen cards, or a whole batch, into a file locked
with a password given at export time. The password is kept sealed (like card secrets) only
until the file is written; the export remembers what it held and who asked."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import attrs

from shop_domain.giftcards.errors import ExportStateConflict, InvalidBatch
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.shared.aggregate import Aggregate

MAX_CHOSEN = 10_000
"""Cards that can be chosen one by one; more are exported as the whole batch."""


class ExportState(enum.StrEnum):
    QUEUED = "queued"
    READY = "ready"
    FAILED = "failed"


@attrs.define(slots=False, eq=False)
class CardExport(Aggregate):
    batch_id: uuid.UUID
    card_ids: list[uuid.UUID] | None
    """The chosen cards, or ``None`` for the whole batch."""
    password: SealedSecret | None
    """Forgotten (``None``) once the file is written or the export failed."""
    state: ExportState
    requested_by: str
    created_at: dt.datetime
    rows: int = 0
    file_name: str | None = None
    finished_at: dt.datetime | None = None
    error: str | None = None

    @classmethod
    def request(
        cls,
        *,
        id: uuid.UUID,
        batch_id: uuid.UUID,
        card_ids: list[uuid.UUID] | None,
        password: SealedSecret,
        requested_by: str,
        now: dt.datetime,
    ) -> CardExport:
        if card_ids is not None:
            if not 1 <= len(card_ids) <= MAX_CHOSEN:
                raise InvalidBatch(f"choose 1..{MAX_CHOSEN} cards, or export the whole batch")
            card_ids = sorted(set(card_ids))
        return cls(
            id=id,
            batch_id=batch_id,
            card_ids=card_ids,
            password=password,
            state=ExportState.QUEUED,
            requested_by=requested_by,
            created_at=now,
        )

    @property
    def whole_batch(self) -> bool:
        return self.card_ids is None

    def finish(self, *, rows: int, file_name: str, now: dt.datetime) -> None:
        self._queued()
        self.state = ExportState.READY
        self.rows = rows
        self.file_name = file_name
        self.finished_at = now
        self.password = None

    def fail(self, *, error: str, now: dt.datetime) -> None:
        self._queued()
        self.state = ExportState.FAILED
        self.error = error[:500]
        self.finished_at = now
        self.password = None

    def _queued(self) -> None:
        if self.state is not ExportState.QUEUED:
            raise ExportStateConflict(f"the export is {self.state}")
