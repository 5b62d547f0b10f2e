"""The programme as operators set it: one aggregate per shop holding the programme in force and
every revision of it, with who changed it, when and why (PTS-1..4, MEM-1..3).

Until an operator changes it, the programme is the installation's (its settings): revision 0.
A change names the revision it was made from — ``expected_revision`` — so two operators editing
at once cannot silently overwrite each other: the second is refused
(:class:`ProgrammeConflict`) and reads the programme again. A change that changes nothing writes
nothing. What a change touches takes effect from then on: lots granted already keep the expiry
they were granted with (PTS-2); members keep their level until they earn more growth or the
re-evaluation reads them under the new levels (MEM-3).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar, Final

import attrs

from shop_domain.loyalty.document import programme_document
from shop_domain.loyalty.errors import InvalidProgramme
from shop_domain.loyalty.programme import Programme
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import Conflict
from shop_domain.shared.events import DomainEvent

PROGRAMME_ID: Final = uuid.UUID("0190c0de-0000-7000-8000-00000000b0b0")
"""The id of a shop's one programme."""
INSTALLATION: Final = "installation"
"""Who set revision 0: the installation's settings."""
REASON_MAX: Final = 500
ACTOR_MAX: Final = 200


class ProgrammeConflict(Conflict):
    """The programme changed since the revision the change was made from. ``details``:
    ``revision`` (the one in force now)."""

    code = "points.programme_conflict"


@attrs.frozen(slots=False)
class ProgrammeRevision:
    """One revision of the programme, as it was set (append-only)."""

    revision: int
    document: dict[str, Any]
    changed_at: dt.datetime
    changed_by: str
    reason: str


@attrs.frozen(kw_only=True)
class ProgrammeChanged(DomainEvent):
    event_type: ClassVar[str] = "loyalty.programme_changed"
    revision: int
    parts: tuple[str, ...]
    """The parts of the programme the change touched (``expiry``, ``earning``, ``levels``…)."""
    actor: str
    reason: str


@attrs.define(slots=False, eq=False)
class ProgrammeSettings(Aggregate):
    programme: Programme
    revision: int = 0
    changed_at: dt.datetime | None = None
    changed_by: str = INSTALLATION
    reason: str = ""
    revisions: list[ProgrammeRevision] = attrs.Factory(list)
    """The revisions written since it was loaded (the history is not read back)."""

    @classmethod
    def installed(cls, programme: Programme) -> ProgrammeSettings:
        """Revision 0: the installation's programme."""
        return cls(id=PROGRAMME_ID, programme=programme)

    def change(
        self,
        programme: Programme,
        *,
        expected_revision: int,
        actor: str,
        reason: str,
        now: dt.datetime,
    ) -> bool:
        """Put ``programme`` in force as the next revision, if ``expected_revision`` is still
        the one in force. Answers whether anything changed."""
        if not isinstance(programme, Programme):
            raise InvalidProgramme("a programme's change is a Programme")
        reason = reason.strip() if isinstance(reason, str) else ""
        if not 0 < len(reason) <= REASON_MAX:
            raise InvalidProgramme(f"a change of the programme gives a reason (1..{REASON_MAX})")
        if not isinstance(actor, str) or not 0 < len(actor) <= ACTOR_MAX:
            raise InvalidProgramme("a change of the programme names who made it")
        if expected_revision != self.revision:
            raise ProgrammeConflict(
                f"the programme is at revision {self.revision} now, not {expected_revision}; "
                "read it again",
                details={"revision": self.revision},
            )
        if programme == self.programme:
            return False
        before, after = programme_document(self.programme), programme_document(programme)
        parts = tuple(part for part in after if after[part] != before[part])
        self.programme = programme
        self.revision += 1
        self.changed_at, self.changed_by, self.reason = now, actor, reason
        self.revisions.append(ProgrammeRevision(self.revision, after, now, actor, reason))
        self.record(
            ProgrammeChanged(
                occurred_at=now, revision=self.revision, parts=parts, actor=actor, reason=reason
            )
        )
        return True


__all__ = [
    "INSTALLATION",
    "PROGRAMME_ID",
    "ProgrammeChanged",
    "ProgrammeConflict",
    "ProgrammeRevision",
    "ProgrammeSettings",
]
