"""The programme in force, and operators changing it (PTS-1..4, MEM-1..3).

Every handler of the context asks a :class:`ProgrammeSource` for the programme when it runs,
rather than holding one from start-up. In a running service that is :class:`CurrentProgramme`:
the programme operators set (:class:`ChangeProgramme`), or the installation's until they set
one, read from the database at most once every ``ttl`` seconds (2 by default) — a change is
seen at once by the process that made it and within ``ttl`` by every other. Tests and embedders
that fix the rules in code pass a :class:`~shop_domain.loyalty.programme.Programme` (wrapped in
:class:`FixedProgramme`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import attrs

from shop_app.shared import codec
from shop_app.shared.messagebus import CommandHandler
from shop_app.shared.ports import Clock
from shop_domain.loyalty.document import programme_document, programme_from_document
from shop_domain.loyalty.errors import InvalidProgramme
from shop_domain.loyalty.programme import Programme
from shop_domain.loyalty.settings import INSTALLATION, ProgrammeRevision, ProgrammeSettings

MAX_REVISIONS_PAGE = 100


@attrs.frozen
class ProgrammeInForce:
    """The programme with its revision and who set it, when and why (revision 0: the
    installation's, never changed)."""

    programme: Programme
    revision: int = 0
    changed_at: dt.datetime | None = None
    changed_by: str = INSTALLATION
    reason: str = ""

    def document(self) -> dict[str, Any]:
        return programme_document(self.programme)


class ProgrammeSource(Protocol):
    async def current(self) -> Programme:
        """The programme every command follows now."""
        ...


@attrs.frozen
class FixedProgramme:
    """A programme fixed in code."""

    programme: Programme

    async def current(self) -> Programme:
        return self.programme


def programme_source(programme: Programme | ProgrammeSource) -> ProgrammeSource:
    return FixedProgramme(programme) if isinstance(programme, Programme) else programme


class ProgrammeReads(Protocol):
    async def stored(self) -> ProgrammeInForce | None:
        """The programme operators set last, or ``None`` if they never changed it."""
        ...

    async def revisions(self, limit: int, before: int | None) -> list[ProgrammeRevision]:
        """Revisions, newest first, below ``before`` if given."""
        ...


class ProgrammeRepository(Protocol):
    async def locked(self, installed: Programme) -> ProgrammeSettings:
        """The programme's settings, locked for the transaction (written as revision 0 with
        ``installed`` first, if no one ever changed them)."""
        ...


class CurrentProgramme:
    """The programme in force, cached for ``ttl`` seconds (see the module documentation)."""

    def __init__(
        self,
        reads: ProgrammeReads,
        installed: Programme,
        *,
        ttl: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.installed = installed
        self._reads = reads
        self._ttl = ttl
        self._monotonic = monotonic
        self._held: ProgrammeInForce | None = None
        self._read_at = 0.0

    async def in_force(self) -> ProgrammeInForce:
        now = self._monotonic()
        held = self._held
        if held is None or now - self._read_at >= self._ttl:
            held = await self._reads.stored() or ProgrammeInForce(self.installed)
            self._held, self._read_at = held, now
        return held

    async def current(self) -> Programme:
        return (await self.in_force()).programme

    def invalidate(self) -> None:
        """Read the programme again at the next ask (it changed)."""
        self._held = None


@attrs.frozen(kw_only=True)
class ChangeProgramme:
    """Put the programme ``document`` describes in force (as ``GET /loyalty/programme`` shows
    it), made from revision ``expected_revision``, with a reason (audited)."""

    document: Mapping[str, Any]
    expected_revision: int
    reason: str
    actor: str


@attrs.frozen
class ProgrammeRevised:
    """What a change answers: the revision in force after it, and whether it changed anything
    (the same programme again writes nothing)."""

    revision: int
    changed: bool


codec.register(ProgrammeRevised)


class ProgrammeUnitOfWork(Protocol):
    loyalty_programmes: ProgrammeRepository
    clock: Clock

    def after_transaction(self, callback: Callable[[], Awaitable[object]]) -> None: ...


class ProgrammeHandlers:
    """``programme``: the installation's programme, or the service's :class:`CurrentProgramme`
    (which a change then tells to read the programme again)."""

    def __init__(self, programme: Programme | CurrentProgramme) -> None:
        if isinstance(programme, CurrentProgramme):
            self._current: CurrentProgramme | None = programme
            self._installed = programme.installed
        else:
            self._current, self._installed = None, programme

    def mapping(self) -> dict[type, CommandHandler]:
        return {ChangeProgramme: self.change}

    async def change(self, command: ChangeProgramme, uow: ProgrammeUnitOfWork) -> ProgrammeRevised:
        revision = command.expected_revision
        if isinstance(revision, bool) or not isinstance(revision, int) or revision < 0:
            raise InvalidProgramme("the revision a change is made from is a whole number ≥ 0")
        programme = programme_from_document(command.document)
        settings = await uow.loyalty_programmes.locked(self._installed)
        changed = settings.change(
            programme,
            expected_revision=revision,
            actor=command.actor,
            reason=command.reason,
            now=uow.clock.now(),
        )
        current = self._current
        if changed and current is not None:

            async def forget() -> None:  # once committed (or not): read it again
                current.invalidate()

            uow.after_transaction(forget)
        return ProgrammeRevised(settings.revision, changed)


def programme_command_handlers(
    programme: Programme | CurrentProgramme,
) -> dict[type, CommandHandler]:
    return ProgrammeHandlers(programme).mapping()


__all__ = [
    "ChangeProgramme",
    "CurrentProgramme",
    "FixedProgramme",
    "MAX_REVISIONS_PAGE",
    "ProgrammeHandlers",
    "ProgrammeInForce",
    "ProgrammeReads",
    "ProgrammeRepository",
    "ProgrammeRevised",
    "ProgrammeSource",
    "programme_command_handlers",
    "programme_source",
]
