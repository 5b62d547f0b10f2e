"""The points programme over HTTP (PTS-1..4, MEM-1..3).

Operators with ``points.read`` read the programme in force (``GET /loyalty/programme``) — its
revision, who set it, when and why, and every rule: expiry, shortfall, the day's time zone,
earning, checkout and member levels — and its earlier revisions (``GET
/loyalty/programme/revisions``, newest first, ``before`` a revision). Operators with
``points.programme`` change it (``PUT /loyalty/programme``): the whole document as ``GET``
shows it, the revision it was read at and a reason. A stale revision is 409
``points.programme_conflict``; a rule the programme refuses is 422 ``points.invalid_programme``
naming the field (``details.field``); the same programme again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final, Literal

import msgspec
from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import operator_only, requires
from shop_adapters.http.loyalty.points import READ
from shop_adapters.http.problems import problem_spec
from shop_adapters.runtime import Runtime
from shop_app.loyalty.programme import (
    MAX_REVISIONS_PAGE,
    ChangeProgramme,
    CurrentProgramme,
    ProgrammeReads,
)

CHANGE: Final = "points.programme"
READERS: Final = [requires(READ), operator_only]

Whole = Annotated[int, msgspec.Meta(ge=0, le=10**12)]
Positive = Annotated[int, msgspec.Meta(ge=1, le=10**12)]
DecimalText = Annotated[
    str, msgspec.Meta(pattern=r"^[0-9]{1,12}(\.[0-9]{1,12})?$", examples=["1.5"])
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class ExpiryDoc(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """``calendar`` (``years``: points of year N last to the end of year N + years), ``rolling``
    (``months`` after each grant) or ``never``; the first two in ``time_zone``."""

    policy: Literal["calendar", "rolling", "never"]
    years: Whole | None = None
    months: Positive | None = None
    time_zone: Name | None = None


class EarningDoc(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    minor_per_point: Positive
    check_in_scale: Annotated[list[Positive], msgspec.Meta(min_length=1, max_length=31)]
    streak_bonus_every: Positive
    streak_bonus: Whole
    make_ups_per_month: Whole
    activities: Annotated[
        dict[Annotated[str, msgspec.Meta(min_length=1, max_length=50)], Positive],
        msgspec.Meta(max_length=100),
    ]
    review: Positive


class CheckoutDoc(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``per_unit`` points pay one yuan, at most ``max_share`` (0..1) of the payable."""

    per_unit: Positive
    max_share: DecimalText


class LevelDoc(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    number: Whole
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    min_growth: Whole
    points_multiplier: DecimalText


class LevelsDoc(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Member levels by the growth of the last ``window_months`` (MEM-1, MEM-3) and the growth
    each behaviour earns (MEM-2)."""

    levels: Annotated[list[LevelDoc], msgspec.Meta(min_length=1, max_length=20)]
    window_months: Positive
    sign_in: Whole
    per_yuan: DecimalText
    review: Whole
    review_min_price: Whole
    photo: Whole
    photos: Whole


class ProgrammeDoc(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    expiry: ExpiryDoc
    shortfall: Literal["clamp", "negative"]
    time_zone: Name
    earning: EarningDoc
    checkout: CheckoutDoc
    levels: LevelsDoc


class ProgrammeOut(msgspec.Struct, frozen=True):
    """The programme in force; revision 0 is the installation's, never changed."""

    revision: int
    changed_at: dt.datetime | None
    changed_by: str
    reason: str
    programme: ProgrammeDoc

    @classmethod
    def of(
        cls,
        revision: int,
        at: dt.datetime | None,
        by: str,
        reason: str,
        document: dict[str, Any],
    ) -> ProgrammeOut:
        return cls(revision, at, by, reason, msgspec.convert(document, ProgrammeDoc))


class ProgrammeChangeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    revision: Whole
    """The revision the change was made from (as ``GET`` answered it)."""
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    programme: ProgrammeDoc


CONFLICT: Final = problem_spec(
    "The programme changed since `revision` (`points.programme_conflict`, with the revision "
    "in force): read it again"
)


async def _in_force(runtime: Runtime) -> ProgrammeOut:
    held = await runtime.get(CurrentProgramme).in_force()
    return ProgrammeOut.of(
        held.revision, held.changed_at, held.changed_by, held.reason, held.document()
    )


class ProgrammeController(Controller):
    path = "/loyalty/programme"
    tags = ["membership"]

    @get("/", summary="The points programme in force", guards=READERS)
    async def programme(self, runtime: NamedDependency[Runtime]) -> ProgrammeOut:
        return await _in_force(runtime)

    @put(
        "/",
        summary="Change the points programme (audited)",
        guards=[requires(CHANGE), operator_only],
        responses={409: CONFLICT},
    )
    async def change(
        self,
        data: JSONBody[ProgrammeChangeIn],
        commands: NamedDependency[Commands],
        runtime: NamedDependency[Runtime],
    ) -> ProgrammeOut:
        await commands.send(
            ChangeProgramme(
                document=msgspec.to_builtins(data.programme),
                expected_revision=data.revision,
                reason=data.reason,
                actor=commands.principal.subject,
            )
        )
        return await _in_force(runtime)

    @get("/revisions", summary="Earlier revisions of the programme, newest first", guards=READERS)
    async def revisions(
        self,
        runtime: NamedDependency[Runtime],
        before: Annotated[int | None, Parameter(ge=1, le=10**9)] = None,
        limit: Annotated[int, Parameter(ge=1, le=MAX_REVISIONS_PAGE)] = 20,
    ) -> list[ProgrammeOut]:
        found = await runtime.get(ProgrammeReads).revisions(limit, before)
        return [
            ProgrammeOut.of(r.revision, r.changed_at, r.changed_by, r.reason, r.document)
            for r in found
        ]


__all__ = ["CHANGE", "ProgrammeController"]
