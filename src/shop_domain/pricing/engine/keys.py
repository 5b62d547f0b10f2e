"""The cart's lines by the keys that name them (:func:`.terms.target_keys`): a promotion's or a
coupon's lines are found through its own keys, not by asking it about every line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from shop_domain.pricing.engine.inputs import CartLine
from shop_domain.pricing.engine.wallet import Key
from shop_domain.pricing.terms import TargetKind, target_key_ids

Named = Mapping[TargetKind, Mapping[int | None, Sequence[int]]]
"""The positions of lines by the keys that name them: by kind of key, then by id as an
integer (``UUID.int``, hashed without calling into Python, as a UUID is)."""


def lines_by_id(lines: Sequence[CartLine]) -> dict[TargetKind, dict[int | None, list[int]]]:
    """The positions in ``lines`` of those each target key names (:func:`target_key_ids`;
    add-on lines left out), as :data:`Named`, each list in the lines' order without repeats: a
    promotion's or a coupon's lines are found through its own keys (:func:`named_lines`), not
    by asking it about every line."""
    named: dict[TargetKind, dict[int | None, list[int]]] = {kind: {} for kind in TargetKind}
    for n, line in enumerate(lines):
        if line.add_on_of is None:
            for kind, target_id in target_key_ids(line.item):
                found = named[kind].setdefault(target_id, [])
                if not found or found[-1] != n:  # a category named twice in one path
                    found.append(n)
    return named


def named_lines(named: Named, keys: Iterable[Key]) -> Sequence[int]:
    """The positions that ``named`` files under any of ``keys``, in order, each once."""
    found: Sequence[int] = ()
    for kind, target_id in keys:
        more = named[kind].get(None if target_id is None else target_id.int)
        if more:  # the lines of one key, or of several merged
            found = sorted({*found, *more}) if found else more
    return found


__all__ = ["Named", "lines_by_id", "named_lines"]
