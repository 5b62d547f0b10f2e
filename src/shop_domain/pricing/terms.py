"""What a promotion says besides its kind (PRO-2): when, where, for whom, on what goods, how
often, how it ranks, and who pays for it."""

from __future__ import annotations

import datetime as dt
import enum
import operator
import uuid
from collections.abc import Iterator

import attrs

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.lines import ItemFacts


class Channel(enum.StrEnum):
    APP = "app"
    H5 = "h5"
    WEB = "web"
    MINI_PROGRAM = "mini_program"


ALL_CHANNELS = frozenset(Channel)


@attrs.frozen
class Window:
    """The time a promotion runs: from ``starts_at`` (inclusive) to ``ends_at`` (exclusive)."""

    starts_at: dt.datetime
    ends_at: dt.datetime

    def __attrs_post_init__(self) -> None:
        for moment in (self.starts_at, self.ends_at):
            if moment.utcoffset() is None:
                raise InvalidPromotion("a promotion's window is given in aware datetimes")
        if self.ends_at <= self.starts_at:
            raise InvalidPromotion("a promotion's window ends after it starts")

    def contains(self, at: dt.datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    def overlaps(self, other: Window) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


@attrs.frozen
class CustomerFacts:
    """What an audience reads of a customer (from the membership context, through a port)."""

    new_user: bool = False
    member_level: int = 0
    groups: frozenset[str] = frozenset()


class AudienceKind(enum.StrEnum):
    EVERYONE = "everyone"
    NEW_USERS = "new_users"
    MEMBER_LEVEL = "member_level"
    """Members of level ``min_level`` or above."""
    GROUP = "group"
    """Customers in the group ``group``."""


_EVERYONE, _NEW_USERS = AudienceKind.EVERYONE, AudienceKind.NEW_USERS
_MEMBER_LEVEL, _GROUP = AudienceKind.MEMBER_LEVEL, AudienceKind.GROUP


@attrs.frozen
class Audience:
    kind: AudienceKind = AudienceKind.EVERYONE
    min_level: int | None = None
    group: str | None = None

    def __attrs_post_init__(self) -> None:
        wants_level = self.kind is AudienceKind.MEMBER_LEVEL
        wants_group = self.kind is AudienceKind.GROUP
        if wants_level != (self.min_level is not None):
            raise InvalidPromotion("a member-level audience, and only one, names its level")
        if self.min_level is not None and self.min_level < 1:
            raise InvalidPromotion("a member level is 1 or more")
        if wants_group != bool(self.group):
            raise InvalidPromotion("a group audience, and only one, names its group")

    def admits(self, customer: CustomerFacts) -> bool:
        kind = self.kind
        if kind is _EVERYONE:
            return True
        if kind is _NEW_USERS:
            return customer.new_user
        if kind is _MEMBER_LEVEL:
            assert self.min_level is not None
            return customer.member_level >= self.min_level
        if kind is _GROUP:
            return self.group in customer.groups
        return True


class TargetKind(enum.StrEnum):
    """What a promotion's goods are named by, narrowest first."""

    SKU = "sku"
    SPU = "spu"
    CATEGORY = "category"
    BRAND = "brand"
    SHOP = "shop"
    PLATFORM = "platform"


# An enum's members read through their class cost a lookup each time: the hot paths (every line
# and promotion of every quote) read them from here.
_SKU, _SPU, _CATEGORY = TargetKind.SKU, TargetKind.SPU, TargetKind.CATEGORY
_BRAND, _SHOP, _PLATFORM = TargetKind.BRAND, TargetKind.SHOP, TargetKind.PLATFORM
_PLATFORM_KEY = (_PLATFORM, None)
_INT = operator.attrgetter("int")


def target_keys(item: ItemFacts) -> tuple[tuple[TargetKind, uuid.UUID | None], ...]:
    """Every key under which a promotion may name ``item``: its SKU, SPU, each category of its
    path, its brand, its shop, and the platform (``None``), in that order."""
    keys: list[tuple[TargetKind, uuid.UUID | None]] = [(_SKU, item.sku_id), (_SPU, item.spu_id)]
    for category_id in item.category_ids:
        keys.append((_CATEGORY, category_id))
    if item.brand_id is not None:
        keys.append((_BRAND, item.brand_id))
    keys.append((_SHOP, item.shop_id))
    keys.append(_PLATFORM_KEY)
    return tuple(keys)


def target_key_ids(item: ItemFacts) -> tuple[tuple[TargetKind, int | None], ...]:
    """:func:`target_keys` with each id as an integer (``UUID.int``): an index keyed by these
    hashes them in C, where a UUID hashes in Python."""
    keys: list[tuple[TargetKind, int | None]] = [
        (_SKU, item.sku_id.int),
        (_SPU, item.spu_id.int),
    ]
    for category_id in item.category_ids:
        keys.append((_CATEGORY, category_id.int))
    if item.brand_id is not None:
        keys.append((_BRAND, item.brand_id.int))
    keys.append((_SHOP, item.shop_id.int))
    keys.append(_PLATFORM_KEY)
    return tuple(keys)


@attrs.frozen
class Targets:
    """The goods of a promotion: everything of the platform, or the SKUs, SPUs, categories
    (with everything under them), brands or shops named in ``ids``; less the SKUs and SPUs in
    ``excluded_skus``/``excluded_spus``."""

    kind: TargetKind = TargetKind.PLATFORM
    ids: frozenset[uuid.UUID] = frozenset()
    excluded_skus: frozenset[uuid.UUID] = frozenset()
    excluded_spus: frozenset[uuid.UUID] = frozenset()

    def __attrs_post_init__(self) -> None:
        if (self.kind is TargetKind.PLATFORM) != (not self.ids):
            raise InvalidPromotion("a promotion names its goods, unless it is platform-wide")

    def covers(self, item: ItemFacts) -> bool:
        """Whether ``item`` is among these goods: one of its :func:`target_keys` is named, and
        it is not excluded (a quote asks this of every promotion for every line, so each kind
        of target reads its own key)."""
        if item.sku_id in self.excluded_skus or item.spu_id in self.excluded_spus:
            return False
        kind, ids = self.kind, self.ids
        if kind is _PLATFORM:
            return True
        if kind is _SKU:
            return item.sku_id in ids
        if kind is _SPU:
            return item.spu_id in ids
        if kind is _CATEGORY:
            return not ids.isdisjoint(item.category_ids)
        if kind is _SHOP:
            return item.shop_id in ids
        return item.brand_id is not None and item.brand_id in ids

    def keys(self) -> Iterator[tuple[TargetKind, uuid.UUID | None]]:
        """The keys this promotion is found under in an index of targets."""
        if self.kind is _PLATFORM:
            yield _PLATFORM_KEY
        else:
            for key in sorted(self.ids, key=_INT):  # as UUIDs sort, compared in C
                yield self.kind, key


@attrs.frozen
class PromotionLimits:
    """How often the promotion may be taken: per user, and in all (None: no limit); counted in
    the participation log (PRO-7)."""

    per_user: int | None = None
    total: int | None = None

    def __attrs_post_init__(self) -> None:
        for limit in (self.per_user, self.total):
            if limit is not None and (isinstance(limit, bool) or limit < 1):
                raise InvalidPromotion("a promotion's limits are 1 or more when set")
        if self.per_user is not None and self.total is not None and self.per_user > self.total:
            raise InvalidPromotion("the per-user limit cannot pass the total")


class IssuerKind(enum.StrEnum):
    PLATFORM = "platform"
    SHOP = "shop"


@attrs.frozen
class Issuer:
    """Who runs the promotion and bears its cost."""

    kind: IssuerKind = IssuerKind.PLATFORM
    shop_id: uuid.UUID | None = None

    def __attrs_post_init__(self) -> None:
        if (self.kind is IssuerKind.SHOP) != (self.shop_id is not None):
            raise InvalidPromotion("a shop issuer, and only a shop issuer, names its shop")


__all__ = [
    "ALL_CHANNELS",
    "Audience",
    "AudienceKind",
    "Channel",
    "CustomerFacts",
    "Issuer",
    "IssuerKind",
    "PromotionLimits",
    "TargetKind",
    "Targets",
    "Window",
    "target_key_ids",
    "target_keys",
]
