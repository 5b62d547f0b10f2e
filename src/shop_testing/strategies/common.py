"""What the strategies of every context share: the default ``now``, readable names, ids and
moments relative to ``now``.

Everything here shrinks to the plainest value: the name ``"a"``, an offset of zero. The
strategies are built once per set of arguments (cached), since composites ask for them on
every draw.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Collection, Sequence
from typing import Final, TypeVar

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

T = TypeVar("T")

NOW: Final = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
"""The ``now`` a strategy uses when none is given: the moment the kit's state machines start
(:data:`shop_testing.machines.START`)."""

_WORD_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789红蓝黑手机茶"
"""Letters first (a failing example shrinks to ``a``), then digits and a few Chinese characters,
so that names are not all ASCII."""


@functools.cache
def words(*, max_size: int = 8) -> st.SearchStrategy[str]:
    """One word of 1..``max_size`` letters, digits or Chinese characters, no space."""
    return st.text(alphabet=_WORD_ALPHABET, min_size=1, max_size=max_size)


def _one_line(raw: str) -> str:
    return " ".join(raw.split())


@functools.cache
def names(*, max_size: int = 24) -> st.SearchStrategy[str]:
    """A one-line name as the domain keeps it (``clean_text``): 1..``max_size`` characters,
    words of letters, digits or Chinese characters joined by single spaces, no leading or
    trailing space — well inside every name limit of the domain. Shrinks to ``"a"``."""
    if max_size < 1:
        raise InvalidArgument("a name has at least one character")
    first = st.sampled_from(_WORD_ALPHABET)
    rest = st.text(alphabet=_WORD_ALPHABET + " ", max_size=max_size - 1)
    return st.tuples(first, rest).map(lambda parts: _one_line(parts[0] + parts[1]))


@functools.cache
def ids() -> st.SearchStrategy[uuid.UUID]:
    """Any UUID but the nil one (the domain takes the ids its callers give; the application
    draws UUIDv7s). Shrinks to ``00000000-0000-0000-0000-000000000001``, then ``…0002``."""
    return st.integers(min_value=1, max_value=2**128 - 1).map(lambda n: uuid.UUID(int=n))


@functools.cache
def digits(*, min_size: int, max_size: int, leading_zero: bool = True) -> st.SearchStrategy[str]:
    """A string of ASCII digits of ``min_size``..``max_size`` characters; without
    ``leading_zero`` it starts with 1..9. Shrinks to ``"0..."`` (``"1..."`` without zeros)."""
    if min_size < 1 or max_size < min_size:
        raise InvalidArgument(f"digits need 1 <= min_size <= max_size, not {min_size}..{max_size}")
    first = st.sampled_from("0123456789" if leading_zero else "123456789")
    rest = st.text(alphabet="0123456789", min_size=min_size - 1, max_size=max_size - 1)
    return st.tuples(first, rest).map("".join)


@functools.cache
def minutes(
    *, min_value: int = 0, max_value: int = 60 * 24 * 30
) -> st.SearchStrategy[dt.timedelta]:
    """A whole number of minutes in ``min_value..max_value`` (negative: earlier), as a
    ``timedelta``; shrinks towards zero (or the bound nearest to it)."""
    if max_value < min_value:
        raise InvalidArgument(f"no minutes between {min_value} and {max_value}")
    return st.integers(min_value=min_value, max_value=max_value).map(
        lambda n: dt.timedelta(minutes=n)
    )


def optional(draw: st.DrawFn, strategy: st.SearchStrategy[T]) -> T | None:
    """In a composite: None, or a value of ``strategy``; shrinks to None. (Cheaper than
    drawing from ``st.none() | strategy``, a new strategy on every draw.)"""
    return draw(strategy) if draw(st.booleans()) else None


def sampled_in_order(chosen: Collection[T] | None, every: Sequence[T]) -> st.SearchStrategy[T]:
    """One of ``chosen`` (all of ``every`` when None), taken in the order of ``every`` (an
    enum's order) so that draws replay and shrink towards its first member whatever the order
    of ``chosen`` (a set, say)."""
    options = [e for e in every if chosen is None or e in chosen]
    if not options:
        raise InvalidArgument(f"nothing to choose among {list(every)}")
    return st.sampled_from(options)


def aware(now: dt.datetime) -> dt.datetime:
    """``now`` if it carries a time zone; the strategies never draw naive datetimes."""
    if not isinstance(now, dt.datetime) or now.utcoffset() is None:
        raise InvalidArgument(f"now must be a timezone-aware datetime, not {now!r}")
    return now


__all__ = [
    "NOW",
    "aware",
    "digits",
    "ids",
    "minutes",
    "names",
    "optional",
    "sampled_in_order",
    "words",
]
