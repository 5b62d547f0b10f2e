"""PRO-3: a SKU is never in two promotions of the same level whose windows overlap.

:class:`ConflictIndex` keeps the promotions that hold goods — scheduled, active or paused —
under the keys their targets name them by (a SKU, an SPU, a category, a brand, a shop, the
platform). Checking a promotion asks, for each SKU it covers, only the promotions filed under
one of that SKU's keys: a handful of lookups per SKU, never a scan of every pair, so it stays
fast with ten thousand promotions. A candidate clashes when it has the same level, an
overlapping window and really covers the SKU (its exclusions are honoured).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.promotion import Clash, Promotion, PromotionStatus
from shop_domain.pricing.terms import TargetKind, target_keys

Key = tuple[TargetKind, uuid.UUID | None]

HOLDING = frozenset({PromotionStatus.SCHEDULED, PromotionStatus.PAUSED})
"""Stored statuses that hold goods (a scheduled one is active inside its window)."""


class ConflictIndex:
    def __init__(self, promotions: Iterable[Promotion] = ()) -> None:
        self._by_key: defaultdict[Key, dict[uuid.UUID, Promotion]] = defaultdict(dict)
        self._keys: dict[uuid.UUID, list[Key]] = {}
        for promotion in promotions:
            self.add(promotion)

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, promotion: Promotion) -> None:
        """File ``promotion`` (again, if it changed) when its stored status holds goods."""
        self.remove(promotion.id)
        if promotion.status not in HOLDING:
            return
        keys = list(promotion.definition.targets.keys())
        self._keys[promotion.id] = keys
        for key in keys:
            self._by_key[key][promotion.id] = promotion

    def remove(self, promotion_id: uuid.UUID) -> None:
        for key in self._keys.pop(promotion_id, ()):
            filed = self._by_key[key]
            filed.pop(promotion_id, None)
            if not filed:
                del self._by_key[key]

    def keys_of(self, item: ItemFacts) -> Iterable[Key]:
        """The keys ``item`` may be filed under: its SKU, SPU, categories, brand, shop and the
        platform."""
        return target_keys(item)

    def clashes(self, promotion: Promotion, items: Iterable[ItemFacts]) -> list[Clash]:
        """The promotions ``promotion`` would clash with over ``items`` (the SKUs it covers,
        which the caller reads from the catalog), each with the SKUs they share, in the order
        first found. A promotion never clashes with itself."""
        definition = promotion.definition
        level, window = definition.level, definition.window
        shared: dict[uuid.UUID, list[uuid.UUID]] = {}
        names: dict[uuid.UUID, str] = {}
        for item in items:
            if not definition.targets.covers(item):
                continue
            for key in self.keys_of(item):
                for other in self._by_key.get(key, {}).values():
                    other_definition = other.definition
                    if (
                        other.id == promotion.id
                        or other_definition.level is not level
                        or not other_definition.window.overlaps(window)
                        or not other_definition.targets.covers(item)
                    ):
                        continue
                    skus = shared.setdefault(other.id, [])
                    if item.sku_id not in skus:
                        skus.append(item.sku_id)
                    names[other.id] = other_definition.name
        return [Clash(pid, names[pid], tuple(skus)) for pid, skus in shared.items()]


__all__ = ["HOLDING", "ConflictIndex"]
