"""Response bodies of the promotions API, built from the read models of
:mod:`shop_app.pricing.queries` and :mod:`shop_app.pricing.clashes` (never from aggregates). A
promotion's definition is read back in the shape it is sent
(:mod:`shop_adapters.http.pricing.definition`)."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from shop_adapters.http.pricing.definition import PromotionDefinitionSchema, PromotionLevel
from shop_app.pricing.clashes import ConflictReport
from shop_app.pricing.queries import PromotionView
from shop_domain.pricing.promotion import Clash, PromotionStatus


class PromotionOut(msgspec.Struct, frozen=True):
    """A promotion: its definition, its level (PRO-4) and its status now (``active`` and
    ``ended`` are read off the window)."""

    id: uuid.UUID
    status: PromotionStatus
    level: PromotionLevel
    definition: PromotionDefinitionSchema
    created_by: str
    created_at: dt.datetime
    version: int

    @classmethod
    def of(cls, view: PromotionView) -> PromotionOut:
        return cls(
            id=view.id,
            status=view.status,
            level=PromotionLevel.of(view.level),
            definition=PromotionDefinitionSchema.of(view.definition),
            created_by=view.created_by,
            created_at=view.created_at,
            version=view.version,
        )


class ClashOut(msgspec.Struct, frozen=True):
    """PRO-3: ``promotion_id`` (named ``name``) already takes ``sku_ids`` at the same level in
    an overlapping window."""

    promotion_id: uuid.UUID
    name: str
    sku_ids: list[uuid.UUID]

    @classmethod
    def of(cls, clash: Clash) -> ClashOut:
        return cls(promotion_id=clash.promotion_id, name=clash.name, sku_ids=list(clash.sku_ids))


class ConflictCheckOut(msgspec.Struct, frozen=True):
    """What scheduling the promotion now would clash with (nothing was scheduled): empty
    ``clashes`` means it can be scheduled as things stand."""

    level: PromotionLevel
    clashes: list[ClashOut]

    @classmethod
    def of(cls, report: ConflictReport) -> ConflictCheckOut:
        return cls(
            level=PromotionLevel.of(report.level),
            clashes=[ClashOut.of(clash) for clash in report.clashes],
        )


__all__ = ["ClashOut", "ConflictCheckOut", "PromotionOut"]
