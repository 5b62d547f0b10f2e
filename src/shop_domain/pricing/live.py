"""The live promotions of a process, filed by their goods, to answer "which promotions may apply
to this cart, now, on this channel?" from memory (issue 12).

:class:`PromotionIndex` files each promotion under the keys its targets name it by (a SKU, an
SPU, a category, a brand, a shop, or the platform: :meth:`Targets.keys`). :meth:`candidates`
looks up only the keys of the cart's items (:func:`target_keys`: a handful per item), so its
cost grows with the items and the promotions filed under their keys, never with every
promotion: a cart of fifty items among ten thousand promotions is a few hundred dictionary
lookups. What it answers is exactly what filtering every promotion would (a property test
says so): the promotions active at ``at`` (:meth:`Promotion.status_at`), on the channel, that
cover at least one of the items (exclusions honoured), each once, ordered by id.

The index keeps promotions as they are stored — scheduled, paused, even drafts or ended ones if
it is given them: whether one applies is read off its status and window at ``at``, so a
promotion starts and stops on time without the index being told.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator

from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.promotion import Promotion
from shop_domain.pricing.terms import Channel, TargetKind, target_keys

Key = tuple[TargetKind, uuid.UUID | None]


class PromotionIndex:
    def __init__(self, promotions: Iterable[Promotion] = ()) -> None:
        self._by_key: dict[Key, dict[uuid.UUID, Promotion]] = {}
        self._filed: dict[uuid.UUID, tuple[Promotion, tuple[Key, ...]]] = {}
        for promotion in promotions:
            self.put(promotion)

    def __len__(self) -> int:
        return len(self._filed)

    def __contains__(self, promotion_id: object) -> bool:
        return promotion_id in self._filed

    def __iter__(self) -> Iterator[Promotion]:
        """The promotions held, in no particular order."""
        return (promotion for promotion, _ in self._filed.values())

    def get(self, promotion_id: uuid.UUID) -> Promotion | None:
        filed = self._filed.get(promotion_id)
        return None if filed is None else filed[0]

    def put(self, promotion: Promotion) -> None:
        """Hold ``promotion``, in place of the one of its id held before (its goods may have
        changed)."""
        self.remove(promotion.id)
        keys = tuple(promotion.definition.targets.keys())
        self._filed[promotion.id] = (promotion, keys)
        by_key = self._by_key
        for key in keys:
            filed = by_key.get(key)
            if filed is None:
                filed = by_key[key] = {}
            filed[promotion.id] = promotion

    def remove(self, promotion_id: uuid.UUID) -> None:
        """Forget the promotion of ``promotion_id`` (nothing if it is not held)."""
        found = self._filed.pop(promotion_id, None)
        if found is None:
            return
        for key in found[1]:
            filed = self._by_key[key]
            del filed[promotion_id]
            if not filed:
                del self._by_key[key]

    def candidates(
        self, items: Iterable[ItemFacts], at: dt.datetime, channel: Channel
    ) -> list[Promotion]:
        """The promotions active at ``at`` on ``channel`` that cover at least one of ``items``,
        each once, ordered by id."""
        by_key = self._by_key
        found: dict[uuid.UUID, Promotion] = {}
        passed: set[uuid.UUID] = set()  # not active at ``at`` or not on ``channel``: for no item
        for item in items:
            for key in target_keys(item):
                filed = by_key.get(key)
                if filed is None:
                    continue
                for promotion_id, promotion in filed.items():
                    if promotion_id in found or promotion_id in passed:
                        continue
                    definition = promotion.definition
                    if channel not in definition.channels or not promotion.is_active(at):
                        passed.add(promotion_id)
                    elif definition.targets.covers(item):
                        found[promotion_id] = promotion
        return [found[promotion_id] for promotion_id in sorted(found)]


__all__ = ["PromotionIndex"]
