"""Strategies for phone numbers (GC-5, MEM; decision 0037): canonical numbers, and the ways
people type them.

:func:`typed_phones` draws a canonical number and one spelling of it — with ``+`` or ``00``
before the country code, or national (the default country's, with or without its trunk ``0``),
separators anywhere — so that ``normalize_phone(typed) == canonical`` by construction.
"""

from __future__ import annotations

import attrs
from hypothesis import strategies as st

from shop_domain.shared.phones import DEFAULT_COUNTRY_CODE, MAX_DIGITS, MIN_DIGITS
from shop_testing.strategies.common import digits

_SEPARATORS = " -.()"
MAX_SEPARATORS = 4
"""At most this many separators in a typed number (so it stays well inside ``MAX_TYPED``)."""


@attrs.frozen
class TypedPhone:
    """A phone number as someone typed it, and its canonical form."""

    typed: str
    canonical: str


@st.composite
def canonical_phones(draw: st.DrawFn, *, country_code: str | None = None) -> str:
    """A canonical number (``+`` and 5..20 digits, the first not ``0``): of ``country_code``
    when given, else the default country's or another's. Shrinks to ``"+86000"``."""
    code = country_code
    if code is None:
        others = digits(min_size=1, max_size=3, leading_zero=False)
        code = draw(st.just(DEFAULT_COUNTRY_CODE) | others)
    rest = draw(digits(min_size=max(1, MIN_DIGITS - len(code)), max_size=MAX_DIGITS - len(code)))
    return f"+{code}{rest}"


def _spelled(draw: st.DrawFn, digits_: str) -> str:
    """``digits_`` with up to :data:`MAX_SEPARATORS` separators drawn before, between and
    after them."""
    at = st.integers(min_value=0, max_value=len(digits_))
    placed = draw(st.lists(st.tuples(at, st.sampled_from(_SEPARATORS)), max_size=MAX_SEPARATORS))
    chars = list(digits_)
    for position, separator in sorted(placed, reverse=True):
        chars.insert(position, separator)
    return "".join(chars)


@st.composite
def typed_phones(draw: st.DrawFn) -> TypedPhone:
    """A canonical number and one way to type it (see the module documentation)."""
    canonical = draw(canonical_phones())
    number = canonical[1:]
    forms = ["+", "00"]
    national = number.removeprefix(DEFAULT_COUNTRY_CODE)
    if (
        number.startswith(DEFAULT_COUNTRY_CODE)
        and not national.startswith("0")
        and len(national) >= MIN_DIGITS
    ):
        forms += ["national", "trunk"]
    form = draw(st.sampled_from(forms))
    if form == "+":
        typed = "+" + _spelled(draw, number)
    elif form == "00":
        typed = _spelled(draw, "00" + number)
    else:
        typed = _spelled(draw, ("0" if form == "trunk" else "") + national)
    spaces = draw(st.sampled_from(["", " "]))
    return TypedPhone(typed=f"{spaces}{typed}{spaces}", canonical=canonical)


__all__ = ["TypedPhone", "canonical_phones", "typed_phones"]
