"""Strategies for money (RULES MON-1..4): currencies, amounts and the inputs of the one
allocation function.

Every amount drawn is a :class:`~shop_domain.shared.money.Money` the domain accepts, and by
default one that :meth:`Money.of <shop_domain.shared.money.Money.of>` would parse back from its
major-unit text (below 10**10 major units). Failing examples shrink to zero yuan.
"""

from __future__ import annotations

from collections.abc import Collection

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from shop_domain.shared.money import MAX_MAJOR_DIGITS, MINOR_UNITS, Money

HOME_CURRENCY = "CNY"
CURRENCIES: tuple[str, ...] = (
    HOME_CURRENCY,
    *sorted(code for code in MINOR_UNITS if code != HOME_CURRENCY),
)
"""Every currency the domain accepts, CNY first so that examples shrink to yuan."""


def max_minor_for(currency: str) -> int:
    """The largest amount of ``currency`` in minor units that :meth:`Money.of` parses: just
    below 10**:data:`~shop_domain.shared.money.MAX_MAJOR_DIGITS` major units."""
    digits: int = MAX_MAJOR_DIGITS + MINOR_UNITS[currency]
    return int(10**digits) - 1


def currencies(*, exponents: Collection[int] | None = None) -> st.SearchStrategy[str]:
    """A currency code of :data:`~shop_domain.shared.money.MINOR_UNITS` (CNY first).

    ``exponents`` keeps the currencies with that many minor digits: ``(0,)`` gives the
    zero-decimal ones (JPY, KRW, VND, CLP, ISK), ``(3,)`` the three-decimal ones (KWD, BHD…).
    """
    chosen = [c for c in CURRENCIES if exponents is None or MINOR_UNITS[c] in exponents]
    if not chosen:
        raise InvalidArgument(f"no currency has {sorted(exponents or ())} minor digits")
    return st.sampled_from(chosen)


def currency_or_drawn(draw: st.DrawFn, currency: str | None) -> str:
    """In a composite: ``currency`` when given, otherwise one drawn by :func:`currencies`."""
    return draw(currencies()) if currency is None else currency


def money(
    currency: str | None = None, *, min_minor: int = 0, max_minor: int | None = None
) -> st.SearchStrategy[Money]:
    """A :class:`Money` of ``currency`` (drawn by :func:`currencies` when None) whose minor
    units lie in ``min_minor..max_minor``.

    ``max_minor`` defaults to :func:`max_minor_for` the currency, so each currency reaches its
    own largest parseable amount (9,999,999,999 yen, 9,999,999,999.999 dinar). A negative
    ``min_minor`` draws negative amounts too (differences, refunds in a ledger). Shrinks towards
    zero, or the bound nearest to it: 0 CNY by default.
    """
    if currency is not None:
        _known(currency)
    if max_minor is not None and max_minor < min_minor:
        raise InvalidArgument(f"max_minor {max_minor} is below min_minor {min_minor}")

    def of(code: str) -> st.SearchStrategy[Money]:
        top = max_minor_for(code) if max_minor is None else max_minor
        if top < min_minor:
            raise InvalidArgument(f"{code} amounts stop at {top}, below min_minor {min_minor}")
        return st.integers(min_value=min_minor, max_value=top).map(lambda m: Money(m, code))

    if currency is not None:
        return of(currency)
    return currencies().flatmap(of)


def allocation_inputs(
    *,
    capped: bool = True,
    max_parts: int = 30,
    max_base: int = 10**9,
    max_amount: int = 10**12,
) -> st.SearchStrategy[tuple[int, list[int]]]:
    """``(amount, bases)`` that :func:`~shop_domain.shared.money.allocate_minor` accepts with
    the same ``capped``: 1..``max_parts`` bases in ``0..max_base`` of which at least one is
    positive (so the proportions are defined), and an amount ``>= 0`` that is at most the sum of
    the bases when ``capped`` (MON-3, MON-4), or at most ``max_amount`` otherwise (weights, not
    ceilings). Shrinks to ``(0, [1])``.
    """
    if max_parts < 1 or max_base < 1:
        raise InvalidArgument("an allocation has at least one part, and bases can be positive")

    @st.composite
    def draw_inputs(draw: st.DrawFn) -> tuple[int, list[int]]:
        bases = draw(st.lists(st.integers(0, max_base), min_size=1, max_size=max_parts))
        # one part, drawn, is worth at least 1: never a list of zeros, nothing thrown away
        anchor = draw(st.integers(0, len(bases) - 1))
        bases[anchor] = max(bases[anchor], 1)
        top = sum(bases) if capped else max_amount
        return draw(st.integers(0, top)), bases

    return draw_inputs()


def money_allocation_inputs(
    currency: str | None = None, *, capped: bool = True, max_parts: int = 30
) -> st.SearchStrategy[tuple[Money, list[Money]]]:
    """``(amount, bases)`` as :class:`Money` of one currency (drawn when None) that
    :func:`~shop_domain.shared.money.allocate` accepts with the same ``capped``; see
    :func:`allocation_inputs`. Shrinks to ``(0 CNY, [0.01 CNY])``."""
    codes = currencies() if currency is None else st.just(_known(currency))

    def of(code: str) -> st.SearchStrategy[tuple[Money, list[Money]]]:
        return allocation_inputs(capped=capped, max_parts=max_parts).map(
            lambda case: (Money(case[0], code), [Money(b, code) for b in case[1]])
        )

    return codes.flatmap(of)


def _known(currency: str) -> str:
    """``currency`` if the domain accepts it; :class:`InvalidArgument` otherwise."""
    if currency not in MINOR_UNITS:
        raise InvalidArgument(f"unknown currency {currency!r}")
    return currency


__all__ = [
    "currency_or_drawn",
    "CURRENCIES",
    "HOME_CURRENCY",
    "allocation_inputs",
    "currencies",
    "max_minor_for",
    "money",
    "money_allocation_inputs",
]
