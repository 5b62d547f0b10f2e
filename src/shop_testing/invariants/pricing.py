"""PRO-3 as an invariant: no SKU is in two promotions of the same level whose windows overlap,
among the promotions that hold goods (scheduled, active or paused).

:func:`check_promotion_conflicts` compares every pair — slow, and sure — so it can judge the
domain's :class:`~shop_domain.pricing.conflicts.ConflictIndex`, which answers through an
index. It reads promotions given to it; the runtime's reader comes with the pricing context's
adapters.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from shop_domain.pricing.conflicts import HOLDING
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.promotion import Promotion
from shop_testing.invariants.base import Findings


def promotion_conflicts(promotions: Iterable[Promotion], goods: Sequence[ItemFacts]) -> list[str]:
    """Every pair of holding promotions that share one of ``goods`` at one level in
    overlapping windows, in words."""
    holding = [p for p in promotions if p.status in HOLDING]
    breaches: list[str] = []
    for first, second in itertools.combinations(holding, 2):
        a, b = first.definition, second.definition
        if a.level is not b.level or not a.window.overlaps(b.window):
            continue
        shared = [g.sku_id for g in goods if a.targets.covers(g) and b.targets.covers(g)]
        if shared:
            breaches.append(
                f"promotions {first.id} ({a.name!r}) and {second.id} ({b.name!r}) both hold "
                f"SKU(s) {', '.join(map(str, shared))} at level {a.level.name} from "
                f"{max(a.window.starts_at, b.window.starts_at).isoformat()}"
            )
    return breaches


def check_promotion_conflicts(promotions: Iterable[Promotion], goods: Sequence[ItemFacts]) -> None:
    """Raise :class:`~shop_testing.invariants.base.InvariantBroken` listing every pair
    :func:`promotion_conflicts` finds."""
    found = Findings("promotion conflicts")
    for breach in promotion_conflicts(promotions, goods):
        found.add(breach)
    found.raise_if_any()


__all__ = ["check_promotion_conflicts", "promotion_conflicts"]
