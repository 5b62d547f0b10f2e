"""The participation commands (PRO-7), called by the ordering context; the bus commits.

- :class:`RecordParticipation` when an order is submitted: one entry per promotion the order
  took, all or nothing — if any promotion is not active or has reached a limit, nothing is
  recorded and the error names that promotion. Idempotent per (order, promotion): recording an
  order again changes nothing and answers which promotions it holds already.
- :class:`ReleaseParticipation` when the order is cancelled: its entries count no more.
  Idempotent: releasing again releases nothing.

The limits are the promotion's ``definition.limits``. Promotions are taken in id order, so two
orders taking the same promotions wait for each other in one order, never in a cycle.
"""

from __future__ import annotations

import uuid
from typing import Final

import attrs

from shop_app.pricing.participation_ports import ParticipationUnitOfWork, TakeStatus
from shop_app.shared.messagebus import CommandHandler
from shop_domain.pricing.participation import (
    Participation,
    ParticipationConflict,
    PromotionIsActive,
    check,
    limit_rules,
)
from shop_domain.shared.errors import InvalidValue

MAX_PROMOTIONS: Final = 50
"""The most promotions one order records at once."""


@attrs.frozen(kw_only=True)
class RecordParticipation:
    order_id: uuid.UUID
    user_id: uuid.UUID
    promotion_ids: tuple[uuid.UUID, ...]


@attrs.frozen(kw_only=True)
class ReleaseParticipation:
    order_id: uuid.UUID


@attrs.frozen(kw_only=True)
class ParticipationRecorded:
    order_id: uuid.UUID
    recorded: tuple[uuid.UUID, ...]
    """The promotions recorded by this command, by id."""
    already: tuple[uuid.UUID, ...]
    """The promotions the order held already (a retry), by id."""


@attrs.frozen(kw_only=True)
class ParticipationReleased:
    order_id: uuid.UUID
    released: tuple[uuid.UUID, ...]
    """The promotions released by this command, by id (none when released already)."""


def _same_order(entry: Participation, command: RecordParticipation) -> None:
    """A retry of the order: the entry held is the user's and still counts."""
    details = {"promotion_id": str(entry.promotion_id), "order_id": str(entry.order_id)}
    if entry.user_id != command.user_id:
        raise ParticipationConflict(
            "this order's participation was recorded for another user", details=details
        )
    if not entry.counts:
        raise ParticipationConflict(
            "this order's participation was released (the order was cancelled)", details=details
        )


async def record_participation(
    command: RecordParticipation, uow: ParticipationUnitOfWork
) -> ParticipationRecorded:
    wanted = sorted(set(command.promotion_ids))
    if not 1 <= len(wanted) <= MAX_PROMOTIONS:
        raise InvalidValue(f"an order records 1..{MAX_PROMOTIONS} promotions at once")
    store = uow.promotion_participations
    held = {entry.promotion_id: entry for entry in await store.of_order(command.order_id)}
    already = [held[id_] for id_ in wanted if id_ in held]
    for entry in already:
        _same_order(entry, command)
    fresh = [id_ for id_ in wanted if id_ not in held]
    if not fresh:
        return ParticipationRecorded(order_id=command.order_id, recorded=(), already=tuple(wanted))
    promotions = await uow.promotions.get_many(fresh)  # PromotionNotFound for an unknown one
    now = uow.clock.now()
    for id_ in fresh:
        check(PromotionIsActive(id_, promotions[id_].status_at(now).value))
    recorded: list[uuid.UUID] = []
    replayed = [entry.promotion_id for entry in already]
    for id_ in fresh:
        limits = promotions[id_].definition.limits
        entry = Participation(
            promotion_id=id_, user_id=command.user_id, order_id=command.order_id, recorded_at=now
        )
        taken = await store.take(entry, limits)
        if taken.status is TakeStatus.REFUSED:
            # raising rolls the unit of work back: nothing of the order is recorded
            for rule in limit_rules(id_, limits, taken.tally):
                check(rule)
            raise RuntimeError(f"the store refused promotion {id_} within its limits")
        if taken.status is TakeStatus.ALREADY:  # the same order, recorded meanwhile
            _same_order(taken.entry, command)
            replayed.append(id_)
        else:
            recorded.append(id_)
    return ParticipationRecorded(
        order_id=command.order_id, recorded=tuple(recorded), already=tuple(sorted(replayed))
    )


async def release_participation(
    command: ReleaseParticipation, uow: ParticipationUnitOfWork
) -> ParticipationReleased:
    released = await uow.promotion_participations.release_order(command.order_id, uow.clock.now())
    return ParticipationReleased(
        order_id=command.order_id,
        released=tuple(sorted(entry.promotion_id for entry in released)),
    )


def participation_command_handlers() -> dict[type, CommandHandler]:
    """The participation commands' handlers, for the pricing plug-in's ``handlers``."""
    return {
        RecordParticipation: record_participation,
        ReleaseParticipation: release_participation,
    }


__all__ = [
    "MAX_PROMOTIONS",
    "ParticipationRecorded",
    "ParticipationReleased",
    "RecordParticipation",
    "ReleaseParticipation",
    "participation_command_handlers",
    "record_participation",
    "release_participation",
]
