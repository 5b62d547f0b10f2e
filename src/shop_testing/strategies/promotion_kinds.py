"""Every promotion kind the kit can draw, in one place: :data:`KIND_STRATEGIES` lists a strategy
per family of kinds (item prices, bundles, thresholds…), and :func:`any_kind` draws from all of
them, and from strategies of your own kinds.

A suite that must hold for every kind — storing a kind and reading it back, say — draws from
:func:`any_kind`, so a kind added to the list is covered by it the day it lands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

KIND_STRATEGIES: list[st.SearchStrategy[Any]] = []
"""A strategy per family of the shop's promotion kinds; each module of kind strategies adds its
own here."""


def any_kind(
    *extra: st.SearchStrategy[Any], listed: Sequence[st.SearchStrategy[Any]] | None = None
) -> st.SearchStrategy[Any]:
    """A kind drawn from ``listed`` (default :data:`KIND_STRATEGIES`) or from ``extra``
    (strategies of your own kinds). Shrinks towards the first strategy listed."""
    every = [*(KIND_STRATEGIES if listed is None else listed), *extra]
    if not every:
        raise InvalidArgument("no strategy of promotion kinds is listed or given")
    return st.one_of(every)


__all__ = ["KIND_STRATEGIES", "any_kind"]
