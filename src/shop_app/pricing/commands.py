"""Commands of the pricing context: an operator's promotions (PRO-2, PRO-3), one handler each.

Like every command on the bus they take an ``Idempotency-Key`` (SEC-5) and an operator's are
audited (SEC-2). A command that carries a definition carries its kind's registered name too
(``kind_name``, computed): a kind's parameters alone do not say which kind they belong to (a
flash price and a special price both hold one price), and the idempotency fingerprint and the
audit entry are read off the command's fields.
"""

from __future__ import annotations

import uuid

import attrs

from shop_domain.pricing.promotion import PromotionDefinition


def _kind_name(command: CreatePromotion | EditPromotion) -> str:
    return command.definition.kind.name


@attrs.frozen(kw_only=True)
class CreatePromotion:
    """A draft promotion; answers its id."""

    definition: PromotionDefinition
    created_by: str
    kind_name: str = attrs.field(init=False, default=attrs.Factory(_kind_name, takes_self=True))


@attrs.frozen(kw_only=True)
class EditPromotion:
    """Replace a draft's definition (a promotion once scheduled is only paused or ended)."""

    promotion_id: uuid.UUID
    definition: PromotionDefinition
    kind_name: str = attrs.field(init=False, default=attrs.Factory(_kind_name, takes_self=True))


@attrs.frozen(kw_only=True)
class SchedulePromotion:
    """Draft → scheduled, refused with ``promotion.conflict`` while its SKUs are in another
    promotion of its level whose window overlaps (PRO-3)."""

    promotion_id: uuid.UUID


@attrs.frozen(kw_only=True)
class PausePromotion:
    promotion_id: uuid.UUID


@attrs.frozen(kw_only=True)
class ResumePromotion:
    promotion_id: uuid.UUID


@attrs.frozen(kw_only=True)
class EndPromotion:
    promotion_id: uuid.UUID
    ended_by: str


__all__ = [
    "CreatePromotion",
    "EditPromotion",
    "EndPromotion",
    "PausePromotion",
    "ResumePromotion",
    "SchedulePromotion",
]
