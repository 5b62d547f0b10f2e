"""Promotions (PRO-2): windows, audiences, goods, limits, issuers, whole definitions and
promotions in every status — valid by construction, shrinking to a platform-wide promotion for
everyone, on every channel, for the minute from ``now``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from typing import Any

import attrs
from hypothesis import strategies as st

from shop_domain.pricing.promotion import Promotion, PromotionDefinition, PromotionStatus
from shop_domain.pricing.terms import (
    ALL_CHANNELS,
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
from shop_testing.strategies.common import NOW, aware, ids, minutes, names, sampled_in_order
from shop_testing.strategies.pricing_items import item_kinds
from shop_testing.strategies.pricing_thresholds import threshold_kinds

_DAY = 60 * 24
_EVERYTHING_FIRST = [TargetKind.PLATFORM, *(k for k in TargetKind if k is not TargetKind.PLATFORM)]


@st.composite
def promotion_windows(draw: st.DrawFn, now: dt.datetime = NOW) -> Window:
    """A window starting within 30 days of ``now`` either way (``now`` itself included) and
    lasting one minute to 60 days. Shrinks to the minute from ``now``."""
    aware(now)
    starts = now + draw(minutes(min_value=-30 * _DAY, max_value=30 * _DAY))
    return Window(starts, starts + draw(minutes(min_value=1, max_value=60 * _DAY)))


def promotion_channels() -> st.SearchStrategy[frozenset[Channel]]:
    """A non-empty set of channels; shrinks to every channel."""
    return st.just(ALL_CHANNELS) | st.frozensets(st.sampled_from(list(Channel)), min_size=1)


@st.composite
def audiences(draw: st.DrawFn) -> Audience:
    """Everyone, new users, members of a level ≥ 1..10, or a named group; shrinks to everyone."""
    kind = draw(st.sampled_from(list(AudienceKind)))
    if kind is AudienceKind.MEMBER_LEVEL:
        return Audience(kind, min_level=draw(st.integers(min_value=1, max_value=10)))
    if kind is AudienceKind.GROUP:
        return Audience(kind, group=draw(names(max_size=12)))
    return Audience(kind)


@st.composite
def promotion_targets(
    draw: st.DrawFn,
    *,
    kinds: Collection[TargetKind] | None = None,
    ids_of: Sequence[uuid.UUID] | None = None,
    shop_id: uuid.UUID | None = None,
) -> Targets:
    """Goods named by one of ``kinds`` (all when None): the platform, or 1..3 ids — drawn, or
    taken from ``ids_of`` (say, the SKUs of a drawn cart) — with SKU or SPU exclusions at
    times. ``shop_id`` makes a shop-wide target name that shop. Shrinks to the platform."""
    everything_first = [
        TargetKind.PLATFORM,
        *(k for k in TargetKind if k is not TargetKind.PLATFORM),
    ]
    kind = draw(sampled_in_order(kinds, everything_first))
    pool = st.sampled_from(list(ids_of)) if ids_of else ids()
    excluded = draw(st.frozensets(pool, max_size=2)) if draw(st.booleans()) else frozenset()
    if kind is TargetKind.PLATFORM:
        return Targets(excluded_skus=excluded)
    if kind is TargetKind.SHOP and shop_id is not None:
        return Targets(kind, frozenset({shop_id}), excluded_skus=excluded)
    named = draw(st.frozensets(pool, min_size=1, max_size=3))
    return Targets(kind, named, excluded_skus=excluded - named)


@st.composite
def promotion_limits(draw: st.DrawFn) -> PromotionLimits:
    """No limit, a per-user limit, a total, or both (per user ≤ total); limits of one reached.
    Shrinks to no limit."""
    per_user = draw(st.none() | st.integers(min_value=1, max_value=5))
    total = draw(st.none() | st.integers(min_value=per_user or 1, max_value=10_000))
    return PromotionLimits(per_user=per_user, total=total)


def promotion_kinds(currency: str | None = None) -> st.SearchStrategy[Any]:
    """A kind of ours, of any stage (:func:`~.pricing_items.item_kinds`,
    :func:`~.pricing_thresholds.threshold_kinds`); shrinks to a flash price of 0.01 CNY."""
    return st.one_of(item_kinds(currency), threshold_kinds(currency))


@st.composite
def promotion_definitions(
    draw: st.DrawFn,
    kinds: st.SearchStrategy[Any] | None = None,
    now: dt.datetime = NOW,
    *,
    target_kinds: Collection[TargetKind] | None = None,
    ids_of: Sequence[uuid.UUID] | None = None,
) -> PromotionDefinition:
    """A whole definition of a kind drawn from ``kinds`` (default :func:`promotion_kinds`; an
    embedder's own kinds' strategy, or several with ``st.one_of``). A shop's promotion covers its
    own goods (never the platform, and no other shop). Shrinks to a platform's promotion on
    everything, for everyone, every channel, the minute from ``now``."""
    issuer = (
        Issuer(IssuerKind.SHOP, draw(ids())) if draw(st.booleans()) else Issuer(IssuerKind.PLATFORM)
    )
    allowed = [
        k
        for k in (target_kinds or list(TargetKind))
        if issuer.kind is IssuerKind.PLATFORM or k is not TargetKind.PLATFORM
    ] or [TargetKind.SHOP]
    return PromotionDefinition(
        name=draw(names()),
        kind=draw(promotion_kinds() if kinds is None else kinds),
        window=draw(promotion_windows(now)),
        channels=draw(promotion_channels()),
        audience=draw(audiences()),
        targets=draw(promotion_targets(kinds=allowed, ids_of=ids_of, shop_id=issuer.shop_id)),
        limits=draw(promotion_limits()),
        priority=draw(st.integers(min_value=0, max_value=100)),
        issuer=issuer,
    )


@st.composite
def promotions(
    draw: st.DrawFn,
    kinds: st.SearchStrategy[Any] | None = None,
    now: dt.datetime = NOW,
    *,
    statuses: Collection[PromotionStatus] | None = None,
    promotion_ids: st.SearchStrategy[uuid.UUID] | None = None,
) -> Promotion:
    """A :class:`Promotion` created before ``now`` whose status at ``now`` is one of
    ``statuses`` (all when None), reached by its own methods: ``schedule`` (before its window,
    for a scheduled one; before ``now`` inside it, for an active or paused one), ``pause``,
    ``end``. It keeps the events it recorded. Shrinks to a draft.

    Its id is drawn from ``promotion_ids`` (default :func:`ids`, which draws the same ids again
    from one example to the next): a test that stores the promotions of every example in one
    database gives fresh ones, ``st.builds(backend.ids.new_id)``."""
    aware(now)
    status = draw(sampled_in_order(statuses, list(PromotionStatus)))
    definition = draw(promotion_definitions(kinds, now))
    hour = dt.timedelta(hours=1)
    lasts = dt.timedelta(days=draw(st.integers(min_value=1, max_value=30)))
    if status is PromotionStatus.SCHEDULED:
        window = Window(now + hour, now + hour + lasts)
    elif status in (PromotionStatus.ACTIVE, PromotionStatus.PAUSED):
        window = Window(now - hour, now - hour + lasts)
    else:
        window = definition.window
    definition = attrs.evolve(definition, window=window)
    created_at = min(now, window.starts_at) - hour
    promotion = Promotion.create(
        id=draw(ids() if promotion_ids is None else promotion_ids),
        definition=definition,
        created_by="kit",
        now=created_at,
    )
    if status is PromotionStatus.DRAFT:
        return promotion
    if status is PromotionStatus.ENDED:
        promotion.end(created_at, ended_by="kit")
        return promotion
    promotion.schedule(created_at, clashes=[])
    if status is PromotionStatus.PAUSED:
        promotion.pause(window.starts_at)
    return promotion


__all__ = [
    "audiences",
    "promotion_channels",
    "promotion_definitions",
    "promotion_kinds",
    "promotion_limits",
    "promotion_targets",
    "promotion_windows",
    "promotions",
]
