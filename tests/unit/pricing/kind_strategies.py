"""Strategies of the promotion tests' own kinds (:mod:`promotion_builders`), so that suites
drawing kinds run before the shop's real kinds exist and beside them afterwards."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from tests.unit.pricing.promotion_builders import FlatOff, OneOff


def own_kinds() -> st.SearchStrategy[Any]:
    """:class:`OneOff`, or :class:`FlatOff` of 1 fen to 10,000.00."""
    return st.just(OneOff()) | st.builds(FlatOff, off=st.integers(min_value=1, max_value=10**6))
