"""The promotions in their table (the mapper of ADR 0023).

A promotion's :class:`~shop_domain.pricing.promotion.PromotionDefinition` is one value spread
over most of the row: its name, its kind (the registered name and the JSON parameters of
:mod:`~shop_adapters.sql.pricing.kind_codec`), its window, channels, audience, targets, limits,
priority and issuer; reading a row builds the definition through its constructor, so its rules
run again. The level is derived from the definition when it is saved (the live index and PRO-3's
check filter on it); the status, the creation and the version are the aggregate's own columns.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from shop_adapters.sql.mapper import TableMap, Value
from shop_adapters.sql.pricing import kind_codec
from shop_adapters.sql.pricing.tables import promotions
from shop_domain.pricing.promotion import Promotion, PromotionDefinition
from shop_domain.pricing.terms import (
    Audience,
    AudienceKind,
    Channel,
    Issuer,
    IssuerKind,
    PromotionLimits,
    TargetKind,
    Targets,
    Window,
)

DEFINITION_COLUMNS = (
    "name",
    "kind",
    "params",
    "starts_at",
    "ends_at",
    "channels",
    "audience_kind",
    "audience_min_level",
    "audience_group",
    "target_kind",
    "target_ids",
    "excluded_skus",
    "excluded_spus",
    "per_user_limit",
    "total_limit",
    "priority",
    "issuer_kind",
    "issuer_shop_id",
)


def definition_from_columns(
    name: str,
    kind: str,
    params: dict[str, Any],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    channels: frozenset[Channel],
    audience_kind: AudienceKind,
    audience_min_level: int | None,
    audience_group: str | None,
    target_kind: TargetKind,
    target_ids: frozenset[uuid.UUID],
    excluded_skus: frozenset[uuid.UUID],
    excluded_spus: frozenset[uuid.UUID],
    per_user_limit: int | None,
    total_limit: int | None,
    priority: int,
    issuer_kind: IssuerKind,
    issuer_shop_id: uuid.UUID | None,
) -> PromotionDefinition:
    return PromotionDefinition(
        name=name,
        kind=kind_codec.decode({"kind": kind, "params": params}),
        window=Window(starts_at, ends_at),
        channels=channels,
        audience=Audience(audience_kind, audience_min_level, audience_group),
        targets=Targets(target_kind, target_ids, excluded_skus, excluded_spus),
        limits=PromotionLimits(per_user_limit, total_limit),
        priority=priority,
        issuer=Issuer(issuer_kind, issuer_shop_id),
    )


def definition_to_columns(definition: PromotionDefinition) -> tuple[Any, ...]:
    kind = kind_codec.encode(definition.kind)
    window, audience, targets = definition.window, definition.audience, definition.targets
    limits, issuer = definition.limits, definition.issuer
    return (
        definition.name,
        kind["kind"],
        kind["params"],
        window.starts_at,
        window.ends_at,
        definition.channels,
        audience.kind,
        audience.min_level,
        audience.group,
        targets.kind,
        targets.ids,
        targets.excluded_skus,
        targets.excluded_spus,
        limits.per_user,
        limits.total,
        definition.priority,
        issuer.kind,
        issuer.shop_id,
    )


def _level(promotion: Promotion, _parent: Any) -> dict[str, Any]:
    return {"level": int(promotion.definition.level)}


PROMOTIONS = TableMap(
    Promotion,
    promotions,
    values=[
        Value("definition", DEFINITION_COLUMNS, definition_from_columns, definition_to_columns)
    ],
    derived=_level,
    derived_columns=["level"],
)
