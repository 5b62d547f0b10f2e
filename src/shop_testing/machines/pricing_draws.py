"""What :class:`~shop_testing.machines.pricing.PromotionMachine` draws: definitions over the
machine's own small catalog — kinds from the kit's strategies, targets that name its SKUs, SPUs,
categories and shops (or the platform), windows near the machine's clock, and limits a short
run reaches."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from hypothesis import strategies as st

from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.promotion import PromotionDefinition
from shop_domain.pricing.terms import (
    Issuer,
    IssuerKind,
    PromotionLimits,
    TargetKind,
    Targets,
    Window,
)
from shop_testing.strategies.pricing_items import item_kinds
from shop_testing.strategies.pricing_thresholds import threshold_kinds

TARGET_KINDS = (
    TargetKind.SKU,
    TargetKind.SPU,
    TargetKind.CATEGORY,
    TargetKind.SHOP,
    TargetKind.PLATFORM,
)
"""What the machine's promotions name (its catalog has no brand)."""
LASTS_HOURS = (3, 24, 72, 120)


@st.composite
def small_limits(draw: st.DrawFn) -> PromotionLimits:
    """Limits a short run reaches: per user 1, 2 or none; in total none or per user..5."""
    per_user = draw(st.sampled_from([1, 2, None]))
    total = draw(st.none() | st.integers(min_value=per_user or 1, max_value=5))
    return PromotionLimits(per_user=per_user, total=total)


@st.composite
def machine_targets(
    draw: st.DrawFn,
    goods: Sequence[ItemFacts],
    categories: Sequence[uuid.UUID],
    shops: Sequence[uuid.UUID],
) -> tuple[Targets, Issuer]:
    """Targets naming one or two of the catalog's SKUs, SPUs, categories or shops, or the
    platform; a promotion on one shop is now and then that shop's own (its issuer)."""
    kind = draw(st.sampled_from(TARGET_KINDS))
    pools = {
        TargetKind.SKU: [item.sku_id for item in goods],
        TargetKind.SPU: [item.spu_id for item in goods],
        TargetKind.CATEGORY: list(categories),
        TargetKind.SHOP: list(shops),
    }
    if kind not in pools:
        return Targets(), Issuer()
    named = draw(st.frozensets(st.sampled_from(pools[kind]), min_size=1, max_size=2))
    targets = Targets(kind, named)
    if kind is TargetKind.SHOP and len(named) == 1 and draw(st.booleans()):
        return targets, Issuer(IssuerKind.SHOP, next(iter(named)))
    return targets, Issuer()


@st.composite
def machine_definitions(
    draw: st.DrawFn,
    *,
    name: str,
    now: dt.datetime,
    goods: Sequence[ItemFacts],
    categories: Sequence[uuid.UUID],
    shops: Sequence[uuid.UUID],
    start_hours: Sequence[int],
    currency: str = "CNY",
) -> PromotionDefinition:
    """An item or a threshold kind (:func:`item_kinds`, :func:`threshold_kinds`) on
    :func:`machine_targets`, in a window starting ``start_hours`` from ``now`` and lasting a
    few hours to five days, with :func:`small_limits`."""
    kinds = st.one_of(
        item_kinds(currency, sku_ids=[item.sku_id for item in goods][:2], max_minor=10_000),
        threshold_kinds(currency, max_minor=50_000),
    )
    starts = now + dt.timedelta(hours=draw(st.sampled_from(start_hours)))
    lasts = dt.timedelta(hours=draw(st.sampled_from(LASTS_HOURS)))
    targets, issuer = draw(machine_targets(goods, categories, shops))
    return PromotionDefinition(
        name=name,
        kind=draw(kinds),
        window=Window(starts, starts + lasts),
        targets=targets,
        limits=draw(small_limits()),
        issuer=issuer,
    )


__all__ = ["TARGET_KINDS", "machine_definitions", "machine_targets", "small_limits"]
