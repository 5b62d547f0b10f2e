"""``any_kind``: one strategy over every listed family of promotion kinds and a user's own."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from tests.kit.strategies_support import reach, smallest

from shop_testing.strategies.promotion_kinds import KIND_STRATEGIES, any_kind


def test_it_draws_from_the_listed_strategies_and_the_users() -> None:
    kinds = any_kind(st.just("mine"), listed=[st.just("listed")])
    assert reach(kinds, lambda kind: kind == "listed") == "listed"
    assert reach(kinds, lambda kind: kind == "mine") == "mine"
    assert smallest(kinds) == "listed"  # the listed strategies first


def test_the_kits_own_list_is_its_default() -> None:
    drawn = any_kind(st.just("mine"))
    assert reach(drawn, lambda kind: kind == "mine") == "mine"
    for listed in KIND_STRATEGIES:  # each family's smallest kind is reached too
        first = smallest(listed)
        assert reach(drawn, lambda kind, first=first: kind == first) == first


def test_no_strategy_at_all_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="no strategy"):
        any_kind(listed=[])
