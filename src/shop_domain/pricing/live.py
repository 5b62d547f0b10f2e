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
from shop_domain.pricing.terms import Channel, TargetKind, target_key_ids

Key = tuple[TargetKind, int | None]
"""A key of :meth:`Targets.keys` with its id as an integer (``UUID.int``): hashed without
calling into Python, as a UUID is."""


_Filed = tuple[
    Promotion, tuple[Key, ...], frozenset[Channel], frozenset[int] | None, frozenset[int] | None
]
"""What the index reads of a promotion, read once when it is put: the promotion, the keys it
is filed under, its channels, and the SKUs and SPUs its targets exclude (as integers; ``None``
for none). A plain tuple: unpacked faster than a named one."""


def _ints(ids: frozenset[uuid.UUID]) -> frozenset[int] | None:
    return frozenset(id_.int for id_ in ids) if ids else None


class PromotionIndex:
    def __init__(self, promotions: Iterable[Promotion] = ()) -> None:
        # for each kind of target, the promotions filed under each id (by their ids' integers)
        self._by_kind: dict[TargetKind, dict[int | None, dict[int, _Filed]]] = {
            kind: {} for kind in TargetKind
        }
        self._filed: dict[uuid.UUID, _Filed] = {}
        for promotion in promotions:
            self.put(promotion)

    def __len__(self) -> int:
        return len(self._filed)

    def __contains__(self, promotion_id: object) -> bool:
        return promotion_id in self._filed

    def __iter__(self) -> Iterator[Promotion]:
        """The promotions held, in no particular order."""
        return (filed[0] for filed in self._filed.values())

    def get(self, promotion_id: uuid.UUID) -> Promotion | None:
        filed = self._filed.get(promotion_id)
        return None if filed is None else filed[0]

    def put(self, promotion: Promotion) -> None:
        """Hold ``promotion``, in place of the one of its id held before (its goods may have
        changed). A promotion whose definition changes is put again: its status and window are
        read at each answer, the rest of its definition here."""
        self.remove(promotion.id)
        definition = promotion.definition
        targets = definition.targets
        named = targets.keys()
        keys = tuple(
            (kind, None if target_id is None else target_id.int) for kind, target_id in named
        )
        filed: _Filed = (
            promotion,
            keys,
            definition.channels,
            _ints(targets.excluded_skus),
            _ints(targets.excluded_spus),
        )
        self._filed[promotion.id] = filed
        promotion_key = promotion.id.int
        by_kind = self._by_kind
        for kind, target_id in keys:
            by_id = by_kind[kind]
            found = by_id.get(target_id)
            if found is None:
                found = by_id[target_id] = {}
            found[promotion_key] = filed

    def remove(self, promotion_id: uuid.UUID) -> None:
        """Forget the promotion of ``promotion_id`` (nothing if it is not held)."""
        found = self._filed.pop(promotion_id, None)
        if found is None:
            return
        promotion_key = promotion_id.int
        for kind, target_id in found[1]:
            by_id = self._by_kind[kind]
            filed = by_id[target_id]
            del filed[promotion_key]
            if not filed:
                del by_id[target_id]

    def candidates(
        self, items: Iterable[ItemFacts], at: dt.datetime, channel: Channel
    ) -> list[Promotion]:
        """The promotions active at ``at`` on ``channel`` that cover at least one of ``items``,
        each once, ordered by id.

        A promotion found under one of an item's keys (:func:`target_keys`) covers it unless
        it excludes its SKU or SPU; whether it is active and on ``channel`` is the same for
        every item, so it is asked once."""
        by_kind = self._by_kind
        # by the promotion's id: the promotion found, or None if not active at ``at`` or not on
        # ``channel`` (an excluded item decides nothing: another item may be covered)
        decided: dict[int, Promotion | None] = {}
        for item in items:
            sku, spu = item.sku_id.int, item.spu_id.int
            for kind, target_id in target_key_ids(item):
                filed = by_kind[kind].get(target_id)
                if filed is None:
                    continue
                for key, (promotion, _, channels, excluded_skus, excluded_spus) in filed.items():
                    if key in decided:
                        continue
                    if channel not in channels or not promotion.is_active(at):
                        decided[key] = None
                    elif (excluded_skus is None or sku not in excluded_skus) and (
                        excluded_spus is None or spu not in excluded_spus
                    ):
                        decided[key] = promotion
        found = {key: promotion for key, promotion in decided.items() if promotion is not None}
        return [found[key] for key in sorted(found)]


__all__ = ["PromotionIndex"]
