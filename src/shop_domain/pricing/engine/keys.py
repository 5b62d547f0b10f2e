"""The cart's lines by the keys that name them (:func:`.terms.target_keys`): a promotion's or a
coupon's lines are found through its own keys, not by asking it about every line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from shop_domain.pricing.engine.inputs import CartLine
from shop_domain.pricing.engine.wallet import Key
from shop_domain.pricing.terms import TargetKind

Named = Mapping[TargetKind, Mapping[int | None, Sequence[int]]]
"""The positions of lines by the keys that name them: by kind of key, then by id as an
integer (``UUID.int``, hashed without calling into Python, as a UUID is)."""


def lines_by_id(lines: Sequence[CartLine]) -> dict[TargetKind, dict[int | None, list[int]]]:
    """The positions in ``lines`` of those each target key names (:func:`target_keys`; add-on
    lines left out), as :data:`Named`, each list in the lines' order without repeats: a
    promotion's or a coupon's lines are found through its own keys (:func:`named_lines`), not
    by asking it about every line."""
    skus: dict[int | None, list[int]] = {}
    spus: dict[int | None, list[int]] = {}
    categories: dict[int | None, list[int]] = {}
    brands: dict[int | None, list[int]] = {}
    shops: dict[int | None, list[int]] = {}
    everything: list[int] = []
    for n, line in enumerate(lines):
        if line.add_on_of is not None:
            continue
        item = line.item
        skus.setdefault(item.sku_id.int, []).append(n)
        spus.setdefault(item.spu_id.int, []).append(n)
        for category_id in item.category_ids:
            found = categories.setdefault(category_id.int, [])
            if not found or found[-1] != n:  # a category named twice in one path
                found.append(n)
        if item.brand_id is not None:
            brands.setdefault(item.brand_id.int, []).append(n)
        shops.setdefault(item.shop_id.int, []).append(n)
        everything.append(n)
    return {
        TargetKind.SKU: skus,
        TargetKind.SPU: spus,
        TargetKind.CATEGORY: categories,
        TargetKind.BRAND: brands,
        TargetKind.SHOP: shops,
        TargetKind.PLATFORM: {None: everything},
    }


def named_lines(named: Named, keys: Iterable[Key]) -> Sequence[int]:
    """The positions that ``named`` files under any of ``keys``, in order, each once."""
    found: Sequence[int] = ()
    for kind, target_id in keys:
        more = named[kind].get(None if target_id is None else target_id.int)
        if more:  # the lines of one key, or of several merged
            found = sorted({*found, *more}) if found else more
    return found


__all__ = ["Named", "lines_by_id", "named_lines"]
