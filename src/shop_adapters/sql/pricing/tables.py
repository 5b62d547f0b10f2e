"""Tables of the pricing context.

``promotions``: one row per promotion (PRO-2). What the live index, PRO-3's check and the
operators' list filter and sort on is a column of its own — the status, the level (derived from
the kind and the targets when the promotion is saved), the window, the priority, the issuer, the
target kind, the audience, the limits, the creation. The kind is its registered name and its
parameters as a JSON document written by :mod:`shop_adapters.sql.pricing.kind_codec`, so a kind
an embedder registers needs no column of ours. The sets of a promotion (its channels, the ids it
targets and excludes) are JSON lists, sorted (:class:`UuidSet`, :class:`ChannelSet`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.engine.interfaces import Dialect

from shop_adapters.sql.metadata import Json, UtcDateTime, metadata, value_enum
from shop_domain.pricing.conflicts import HOLDING
from shop_domain.pricing.promotion import PromotionStatus
from shop_domain.pricing.terms import AudienceKind, Channel, IssuerKind, TargetKind


class UuidSet(Json):
    """A ``frozenset`` of UUIDs as a JSON list of their strings, sorted."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else sorted(str(item) for item in value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else frozenset(uuid.UUID(item) for item in value)


class ChannelSet(Json):
    """A ``frozenset`` of :class:`~shop_domain.pricing.terms.Channel` as a JSON list of their
    values, sorted."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else sorted(channel.value for channel in value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else frozenset(Channel(item) for item in value)


promotions = Table(
    "promotions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("params", Json(), nullable=False),
    Column("level", SmallInteger, nullable=False),
    Column("status", value_enum(PromotionStatus, "promotion_status"), nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("channels", ChannelSet(), nullable=False),
    Column("audience_kind", value_enum(AudienceKind, "promotion_audience_kind"), nullable=False),
    Column("audience_min_level", Integer, nullable=True),
    Column("audience_group", Text, nullable=True),
    Column("target_kind", value_enum(TargetKind, "promotion_target_kind"), nullable=False),
    Column("target_ids", UuidSet(), nullable=False),
    Column("excluded_skus", UuidSet(), nullable=False),
    Column("excluded_spus", UuidSet(), nullable=False),
    Column("per_user_limit", Integer, nullable=True),
    Column("total_limit", Integer, nullable=True),
    Column("priority", Integer, nullable=False),
    Column("issuer_kind", value_enum(IssuerKind, "promotion_issuer_kind"), nullable=False),
    Column("issuer_shop_id", Uuid, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("version", Integer, nullable=False),
)
_p = promotions.c
# the promotions that hold goods (PRO-3's index, the live index), by level
HOLDING_SQL = "status IN ({})".format(", ".join(sorted(f"'{status.value}'" for status in HOLDING)))
"""The stored statuses that hold goods (:data:`~shop_domain.pricing.conflicts.HOLDING`), as SQL
(inline, not parameters: a generic plan must still see that the partial index applies)."""
_HOLDING = text(HOLDING_SQL)
Index(
    "ix_promotions_holding_level",
    _p.level,
    _p.ends_at,
    postgresql_where=_HOLDING,
    sqlite_where=_HOLDING,
)
# the operators' list: newest first, alone, by status, or of one shop
Index("ix_promotions_created_at", _p.created_at, _p.id)
Index("ix_promotions_status_created_at", _p.status, _p.created_at)
Index("ix_promotions_issuer_shop_id", _p.issuer_shop_id)
