"""The gift-card batch (GC-1, GC-3, GC-13): the unit of creation, and the key to its cards.

::

    created ──open──▶ opened ──pause──▶ paused
                        ▲                 │
                        └─────resume──────┘
    created / opened / paused ──discard──▶ discarded (final)

Opening and resuming need the key: the batch's owner, or a holder of the open permission. So
does discarding, which cannot be undone. Pausing is an emergency brake any batch manager may
pull. A batch has no size limit: its cards are written in chunks by a job after ``requested``
is set (at creation, or by :meth:`GiftCardBatch.add_cards`), and ``generated`` counts what is
written so far.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import attrs

from shop_domain.giftcards import events as ev
from shop_domain.giftcards.errors import BatchStateConflict, InvalidBatch
from shop_domain.giftcards.rules import HoldsTheKey
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.money import Money
from shop_domain.shared.rules import check_rule

NAME_MAX = 100
REMARK_MAX = 500
MAX_DAYS = 3660
PHONE_MIN = 5
PHONE_MAX = 20
"""A phone number (an owner's, or one a card is bound to) is 5..20 characters."""


class CardKind(enum.StrEnum):
    PHYSICAL = "physical"
    VIRTUAL = "virtual"


class CreationMode(enum.StrEnum):
    GENERATED = "generated"
    GIVEN = "given"  # a list of numbers (vanity numbers, 靓号)


class BatchState(enum.StrEnum):
    CREATED = "created"
    OPENED = "opened"
    PAUSED = "paused"
    DISCARDED = "discarded"


@attrs.frozen
class Validity:
    """A fixed window (``starts_at`` ≤ use < ``ends_at``; either end may be open), or
    ``days_from_activation``: each card is valid for that many 24-hour days from its own
    activation (and has no end before it is activated)."""

    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    days_from_activation: int | None = None

    def __attrs_post_init__(self) -> None:
        for moment in (self.starts_at, self.ends_at):
            if moment is not None and moment.tzinfo is None:
                raise InvalidBatch("validity times carry a time zone")
        if self.days_from_activation is not None:
            if self.starts_at is not None or self.ends_at is not None:
                raise InvalidBatch("a batch uses a validity window or days from activation")
            if not 1 <= self.days_from_activation <= MAX_DAYS:
                raise InvalidBatch(f"days from activation are 1..{MAX_DAYS}")
        elif self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise InvalidBatch("the validity ends after it starts")

    @property
    def relative(self) -> bool:
        return self.days_from_activation is not None

    def window(self, activated_at: dt.datetime | None) -> tuple[dt.datetime | None, ...]:
        """``(valid_from, valid_until)`` of a card activated at ``activated_at`` (or not yet)."""
        if self.days_from_activation is None:
            return self.starts_at, self.ends_at
        if activated_at is None:
            return None, None
        return activated_at, activated_at + dt.timedelta(days=self.days_from_activation)


@attrs.frozen
class BatchDefinition:
    """What an operator fills in to create a batch (GC-1)."""

    name: str
    kind: CardKind
    face_value: Money
    validity: Validity
    owner: str
    """The responsible operator (their subject): holds the key to this batch."""
    card_maker: str | None = None
    """Who prints physical cards (traceability)."""
    remark: str = ""
    owner_phone: str | None = None
    """Where one-time codes for exports go (GC-12); the administrator's phone otherwise."""
    number_prefix: str = ""

    def __attrs_post_init__(self) -> None:
        if not 1 <= len(self.name.strip()) <= NAME_MAX:
            raise InvalidBatch(f"a batch name is 1..{NAME_MAX} characters")
        if len(self.remark) > REMARK_MAX:
            raise InvalidBatch(f"a remark is at most {REMARK_MAX} characters")
        if not self.face_value.is_positive():
            raise InvalidBatch("a card's face value is positive")
        if not self.owner.strip():
            raise InvalidBatch("a batch has a responsible owner")
        if self.kind is CardKind.VIRTUAL and self.card_maker:
            raise InvalidBatch("virtual cards have no card maker")
        if self.number_prefix and not (
            self.number_prefix.isdigit() and len(self.number_prefix) <= 8
        ):
            raise InvalidBatch("a number prefix is up to 8 digits")
        if self.number_prefix.startswith("0"):
            raise InvalidBatch("a number prefix does not start with 0")
        if self.owner_phone is not None and not PHONE_MIN <= len(self.owner_phone) <= PHONE_MAX:
            raise InvalidBatch(f"the owner's phone is {PHONE_MIN}..{PHONE_MAX} characters")


@attrs.define(slots=False, eq=False)
class GiftCardBatch(Aggregate):
    name: str
    kind: CardKind
    mode: CreationMode
    face_value: Money
    validity: Validity
    owner: str
    card_maker: str | None
    remark: str
    owner_phone: str | None
    number_prefix: str
    state: BatchState
    requested: int
    """Cards this batch should hold: set at creation, raised by ``add_cards``."""
    generated: int
    """Cards written so far (moved on by bulk storage, chunk by chunk)."""
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    announced: int = 0
    """``generated`` as of the last ``CardsGenerated`` event."""

    @classmethod
    def create(
        cls,
        *,
        id: uuid.UUID,
        definition: BatchDefinition,
        mode: CreationMode,
        count: int,
        created_by: str,
        now: dt.datetime,
    ) -> GiftCardBatch:
        if count < 1:
            raise InvalidBatch("a batch holds at least one card")
        batch = cls(
            id=id,
            name=definition.name.strip(),
            kind=definition.kind,
            mode=mode,
            face_value=definition.face_value,
            validity=definition.validity,
            owner=definition.owner,
            card_maker=definition.card_maker,
            remark=definition.remark,
            owner_phone=definition.owner_phone,
            number_prefix=definition.number_prefix,
            state=BatchState.CREATED,
            requested=count,
            generated=0,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        batch.record(
            ev.BatchCreated(
                occurred_at=now,
                batch_id=id,
                actor=created_by,
                name=batch.name,
                kind=batch.kind,
                mode=mode,
                face_value=batch.face_value,
                count=count,
                owner=batch.owner,
            )
        )
        return batch

    # --- cards ------------------------------------------------------------------------------

    @property
    def complete(self) -> bool:
        return self.generated >= self.requested

    def add_cards(self, count: int, *, actor: str, now: dt.datetime) -> None:
        """GC-13: ask for ``count`` more cards; a job writes them."""
        if count < 1:
            raise InvalidBatch("add at least one card")
        self._not_discarded("add cards to")
        self.requested += count
        self.updated_at = now
        self.record(
            ev.CardsAdded(
                occurred_at=now,
                batch_id=self.id,
                actor=actor,
                count=count,
                requested=self.requested,
            )
        )

    def cards_written(self, count: int, *, now: dt.datetime) -> None:
        """``count`` more cards were written with this batch (given numbers, in one go)."""
        if count < 0 or self.generated + count > self.requested:
            raise InvalidBatch("a batch never holds more cards than requested")
        self.generated += count
        self.confirm_generated(now=now)

    def confirm_generated(self, *, now: dt.datetime) -> None:
        """Record ``CardsGenerated`` once every requested card exists (bulk storage moves
        ``generated`` chunk by chunk, outside the aggregate; this announces the result once)."""
        if self.complete and self.announced < self.generated:
            self.announced = self.generated
            self.updated_at = now
            self.record(
                ev.CardsGenerated(
                    occurred_at=now, batch_id=self.id, actor="system", count=self.generated
                )
            )

    # --- life (GC-3) ------------------------------------------------------------------------

    def open(self, *, actor: str, has_open_permission: bool, now: dt.datetime) -> None:
        """Open a created batch, or resume a paused one: both need the key."""
        check_rule(HoldsTheKey(actor, self.owner, has_open_permission))
        if self.state is BatchState.CREATED:
            event: ev.GiftCardEvent = ev.BatchOpened(occurred_at=now, batch_id=self.id, actor=actor)
        elif self.state is BatchState.PAUSED:
            event = ev.BatchResumed(occurred_at=now, batch_id=self.id, actor=actor)
        else:
            raise BatchStateConflict(f"a batch that is {self.state} cannot be opened")
        self.state = BatchState.OPENED
        self.updated_at = now
        self.record(event)

    def pause(self, *, actor: str, now: dt.datetime) -> None:
        if self.state is not BatchState.OPENED:
            raise BatchStateConflict(f"a batch that is {self.state} cannot be paused")
        self.state = BatchState.PAUSED
        self.updated_at = now
        self.record(ev.BatchPaused(occurred_at=now, batch_id=self.id, actor=actor))

    def discard(self, *, actor: str, has_open_permission: bool, now: dt.datetime) -> None:
        check_rule(HoldsTheKey(actor, self.owner, has_open_permission))
        self._not_discarded("discard")
        self.state = BatchState.DISCARDED
        self.updated_at = now
        self.record(ev.BatchDiscarded(occurred_at=now, batch_id=self.id, actor=actor))

    @property
    def is_open(self) -> bool:
        return self.state is BatchState.OPENED

    # --- edits (GC-13) ----------------------------------------------------------------------

    def edit(
        self,
        *,
        actor: str,
        now: dt.datetime,
        name: str | None = None,
        remark: str | None = None,
        ends_at: dt.datetime | None = None,
    ) -> None:
        """Change the name, the remark or the end of the validity window; unchanged values
        are ignored, and an edit that changes nothing records nothing."""
        self._not_discarded("edit")
        changes: dict[str, list[object]] = {}
        if name is not None and name.strip() != self.name:
            if not 1 <= len(name.strip()) <= NAME_MAX:
                raise InvalidBatch(f"a batch name is 1..{NAME_MAX} characters")
            changes["name"] = [self.name, name.strip()]
        if remark is not None and remark != self.remark:
            if len(remark) > REMARK_MAX:
                raise InvalidBatch(f"a remark is at most {REMARK_MAX} characters")
            changes["remark"] = [self.remark, remark]
        if ends_at is not None and ends_at != self.validity.ends_at:
            if self.validity.relative:
                raise InvalidBatch(
                    "this batch counts validity from activation; it has no end to edit"
                )
            validity = Validity(starts_at=self.validity.starts_at, ends_at=ends_at)
            changes["ends_at"] = [self.validity.ends_at, ends_at]
            self.validity = validity
        if not changes:
            return
        if "name" in changes:
            self.name = str(changes["name"][1])
        if "remark" in changes:
            self.remark = str(changes["remark"][1])
        self.updated_at = now
        self.record(ev.BatchEdited(occurred_at=now, batch_id=self.id, actor=actor, changes=changes))

    def exported(
        self, *, export_id: uuid.UUID, cards: int, whole_batch: bool, actor: str, now: dt.datetime
    ) -> None:
        """GC-10: an export of this batch's cards was made."""
        self.record(
            ev.BatchExported(
                occurred_at=now,
                batch_id=self.id,
                actor=actor,
                export_id=export_id,
                cards=cards,
                whole_batch=whole_batch,
            )
        )

    def _not_discarded(self, what: str) -> None:
        if self.state is BatchState.DISCARDED:
            raise BatchStateConflict(f"cannot {what} a discarded batch")
