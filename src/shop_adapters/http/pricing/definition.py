"""A promotion's definition on the wire (PRO-2), in and out: what an operator sends to define or
edit a draft or to check it for conflicts, and what a read gives back in exactly that shape (so
it can be edited and sent back with ``PUT``).

The schema says what the server takes (``docs/http.md``): a name within the domain's limit,
aware times, ids and lists with maxima, limits and priority with bounds. The kind is its
registered name and its parameters (:mod:`shop_adapters.http.pricing.kinds`). What only the
domain can judge — a window that ends before it starts, a shop's promotion on another shop,
parameters that do not fit the kind — comes back as 422 ``promotion.invalid`` (or
``promotion.unknown_kind``, ``money.*``), and nothing is written.
"""

from __future__ import annotations

import enum
import uuid
from typing import Annotated, Any, Final

import msgspec
from msgspec import Meta

from shop_adapters.http.pricing.kinds import kind_from_wire, kind_to_wire
from shop_adapters.http.schemas import Moment, bounded_int, text
from shop_domain.pricing.promotion import NAME_MAX, Level, PromotionDefinition
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

MAX_TARGETS: Final = 1_000
MAX_LIMIT: Final = 1_000_000_000
MAX_PRIORITY: Final = 1_000_000
MAX_MEMBER_LEVEL: Final = 1_000
KIND_NAME_MAX: Final = 64
"""The promotions table keeps 64 characters of a kind's name."""
GROUP_MAX: Final = 100

Ids = Annotated[list[uuid.UUID], Meta(max_length=MAX_TARGETS)]
Limit = Annotated[int, bounded_int(1, MAX_LIMIT)]


class PromotionLevel(enum.StrEnum):
    """PRO-4's levels by name, in the order they apply."""

    ITEM = "item"
    BUNDLE = "bundle"
    SHOP = "shop"
    ORDER = "order"

    @property
    def level(self) -> Level:
        return Level[self.name]

    @classmethod
    def of(cls, level: Level) -> PromotionLevel:
        return cls[level.name]


class PromotionChannel(enum.StrEnum):
    """Where a promotion applies: the domain's :class:`Channel` under a component name of its
    own (the coupons' channels are another enum of the same name)."""

    APP = Channel.APP.value
    H5 = Channel.H5.value
    WEB = Channel.WEB.value
    MINI_PROGRAM = Channel.MINI_PROGRAM.value


class PromotionIssuerKind(enum.StrEnum):
    """The domain's :class:`IssuerKind` under a component name of its own."""

    PLATFORM = IssuerKind.PLATFORM.value
    SHOP = IssuerKind.SHOP.value


class _In(msgspec.Struct, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are an error, not silently ignored."""


class PromotionKindSchema(_In):
    """The kind by its registered name (``tiered_reduction``, ``flash_price``…) and its
    parameters: the kind's fields by name; amounts as ``{"amount": "99.00", "currency": "CNY"}``,
    rates as exact decimal strings (``"0.8"`` is 8折), ids as strings, times in ISO 8601 with a
    timezone, lists for tuples and sets."""

    name: Annotated[str, text(KIND_NAME_MAX, min_length=1, examples=["tiered_reduction"])]
    params: dict[str, Any] = msgspec.field(default_factory=dict)


class PromotionWindowSchema(_In):
    """From ``starts_at`` (inclusive) to ``ends_at`` (exclusive)."""

    starts_at: Moment
    ends_at: Moment


class PromotionAudienceSchema(_In):
    """``everyone``, ``new_users``, ``member_level`` (members of ``min_level`` or above) or
    ``group`` (customers in ``group``)."""

    kind: AudienceKind = AudienceKind.EVERYONE
    min_level: Annotated[int, bounded_int(1, MAX_MEMBER_LEVEL)] | None = None
    group: Annotated[str, text(GROUP_MAX, min_length=1)] | None = None


class PromotionTargetsSchema(_In):
    """The goods: ``platform`` (everything; no ``ids``), or the SKUs, SPUs, categories (with
    everything under them), brands or shops named in ``ids``; less ``excluded_skus`` and
    ``excluded_spus``."""

    kind: TargetKind = TargetKind.PLATFORM
    ids: Ids = []
    excluded_skus: Ids = []
    excluded_spus: Ids = []


class PromotionLimitsSchema(_In):
    """How often the promotion may be taken, per user and in all (``null``: no limit)."""

    per_user: Limit | None = None
    total: Limit | None = None


class PromotionIssuerSchema(_In):
    """Who runs the promotion and bears its cost: the platform, or one shop (``shop_id``), whose
    promotion covers its own goods only."""

    kind: PromotionIssuerKind = PromotionIssuerKind.PLATFORM
    shop_id: uuid.UUID | None = None


class PromotionDefinitionSchema(_In):
    """Everything an operator sets about a promotion (PRO-2). A promotion read back (``GET``)
    carries its definition in exactly this shape."""

    name: Annotated[str, text(NAME_MAX, min_length=1, examples=["Spring 满300减50"])]
    kind: PromotionKindSchema
    window: PromotionWindowSchema
    channels: Annotated[
        list[PromotionChannel], Meta(min_length=1, max_length=len(PromotionChannel))
    ] = msgspec.field(default_factory=lambda: sorted(PromotionChannel))
    """Where the promotion applies; all channels unless told."""
    audience: PromotionAudienceSchema = msgspec.field(default_factory=PromotionAudienceSchema)
    targets: PromotionTargetsSchema = msgspec.field(default_factory=PromotionTargetsSchema)
    limits: PromotionLimitsSchema = msgspec.field(default_factory=PromotionLimitsSchema)
    priority: Annotated[int, bounded_int(-MAX_PRIORITY, MAX_PRIORITY)] = 0
    """Ranks promotions that save the same (PRO-5): higher first."""
    issuer: PromotionIssuerSchema = msgspec.field(default_factory=PromotionIssuerSchema)

    def to_domain(self) -> PromotionDefinition:
        """The domain definition; raises the domain's ``InvalidValue`` errors (→ 422)."""
        targets, audience = self.targets, self.audience
        return PromotionDefinition(
            name=self.name,
            kind=kind_from_wire(self.kind.name, self.kind.params),
            window=Window(self.window.starts_at, self.window.ends_at),
            channels=frozenset(Channel(channel.value) for channel in self.channels),
            audience=Audience(audience.kind, audience.min_level, audience.group),
            targets=Targets(
                targets.kind,
                frozenset(targets.ids),
                frozenset(targets.excluded_skus),
                frozenset(targets.excluded_spus),
            ),
            limits=PromotionLimits(self.limits.per_user, self.limits.total),
            priority=self.priority,
            issuer=Issuer(IssuerKind(self.issuer.kind.value), self.issuer.shop_id),
        )

    @classmethod
    def of(cls, definition: PromotionDefinition) -> PromotionDefinitionSchema:
        name, params = kind_to_wire(definition.kind)
        targets, audience = definition.targets, definition.audience
        return cls(
            name=definition.name,
            kind=PromotionKindSchema(name=name, params=params),
            window=PromotionWindowSchema(definition.window.starts_at, definition.window.ends_at),
            channels=sorted(PromotionChannel(channel.value) for channel in definition.channels),
            audience=PromotionAudienceSchema(audience.kind, audience.min_level, audience.group),
            targets=PromotionTargetsSchema(
                targets.kind,
                sorted(targets.ids),
                sorted(targets.excluded_skus),
                sorted(targets.excluded_spus),
            ),
            limits=PromotionLimitsSchema(definition.limits.per_user, definition.limits.total),
            priority=definition.priority,
            issuer=PromotionIssuerSchema(
                PromotionIssuerKind(definition.issuer.kind.value), definition.issuer.shop_id
            ),
        )


__all__ = [
    "PromotionChannel",
    "PromotionIssuerKind",
    "PromotionAudienceSchema",
    "PromotionIssuerSchema",
    "PromotionKindSchema",
    "PromotionLevel",
    "PromotionLimitsSchema",
    "PromotionDefinitionSchema",
    "PromotionTargetsSchema",
    "PromotionWindowSchema",
]
