"""What the tests of the kit's strategies share: reaching an edge, and the smallest example.

Both run :func:`hypothesis.find` with a fixed seed and no example database, so that they do the
same thing on every run and machine.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, TypeVar, cast

import attrs
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st

T = TypeVar("T")

VALID = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
"""For the tests that re-validate many drawn values through the domain."""

PARAMETERS = settings(VALID, max_examples=50)
"""For the tests that check a strategy keeps the parameters it was given (the values are
re-validated by the tests under :data:`VALID`)."""


def rebuilt(value: T) -> T:
    """An attrs ``value`` made again by its own constructor from its fields (``attrs.evolve``
    with no change calls ``__init__``: the domain's validation runs again)."""
    again: T = attrs.evolve(cast(Any, value))
    return again


def reach(
    strategy: st.SearchStrategy[T], predicate: Callable[[T], Any], *, max_examples: int = 2000
) -> T:
    """A drawn value that satisfies ``predicate`` (not shrunk): the strategy reaches it.
    :class:`hypothesis.errors.NoSuchExample` when ``max_examples`` draws do not."""
    return find(
        strategy,
        predicate,
        settings=settings(
            max_examples=max_examples, database=None, deadline=None, phases=[Phase.generate]
        ),
        random=random.Random(0),
    )


def smallest(strategy: st.SearchStrategy[T], predicate: Callable[[T], Any] | None = None) -> T:
    """The example hypothesis shrinks to among those satisfying ``predicate`` (any value by
    default): what a failing test would report."""
    return find(
        strategy,
        (lambda _: True) if predicate is None else predicate,
        settings=settings(
            max_examples=100, database=None, deadline=None, phases=[Phase.generate, Phase.shrink]
        ),
        random=random.Random(0),
    )
