"""Money checks (MON-3, MON-4) to run after any test: is this split of an amount over parts a
correct allocation?

:func:`check_allocation` judges a split on its own, without calling the allocator it checks
(``shop_domain.shared.money.allocate``): the shares sum exactly to the amount, none is
negative, none exceeds its part's base when capped, each lies within one unit of its exact
proportional share, and the rounding residue went by largest remainder, ties to the later part.
Amounts are ``Money`` or plain minor units (ints), not mixed.

For splits a runtime keeps, see the gift cards' books
(:func:`shop_testing.invariants.giftcards.check_giftcard_books`: a card's usage lines against
its balance and its history).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from shop_domain.shared.money import Money
from shop_testing.invariants.base import Findings

ALLOCATION = "allocation"
"""The name :func:`check_allocation` reports under."""


def _minor(values: Sequence[Money | int], currency: str | None) -> list[int]:
    """Minor units of ``values``, all of ``currency`` (``None``: plain ints)."""
    found: list[int] = []
    for value in values:
        if isinstance(value, Money):
            if value.currency != currency:
                raise TypeError(f"{value} is not in {currency or 'plain minor units'}")
            found.append(value.minor)
        else:
            if currency is not None:
                raise TypeError(f"{value!r} is not Money of {currency}")
            found.append(value)
    return found


def allocation_breaches(
    amount: Money | int,
    bases: Sequence[Money | int],
    shares: Sequence[Money | int],
    *,
    capped: bool = True,
    largest_remainder: bool = True,
) -> list[str]:
    """What is wrong with ``shares`` as the split of ``amount`` over ``bases`` (MON-3, MON-4);
    empty when nothing is. ``capped``: no share may exceed its base (the default, as in
    ``allocate``). ``largest_remainder``: the residue must have gone by largest remainder,
    ties to the later part (MON-3); without it any split within one unit of the exact shares
    passes."""
    currency = amount.currency if isinstance(amount, Money) else None
    total = amount.minor if isinstance(amount, Money) else amount
    base, share = _minor(bases, currency), _minor(shares, currency)
    unit = f" {currency}" if currency else ""
    if len(base) != len(share):
        return [f"{len(share)} shares for {len(base)} parts"]
    found = Findings(ALLOCATION)
    found.expect(
        sum(share) == total,
        f"the shares {share} sum to {sum(share)}{unit}, not the amount {total}{unit}",
    )
    found.expect(total >= 0, f"the amount {total}{unit} is negative")
    for index, (b, s) in enumerate(zip(base, share, strict=True)):
        found.expect(s >= 0, f"share {index} is {s}{unit}, negative (MON-4)")
        found.expect(b >= 0, f"base {index} is {b}{unit}, negative")
        if capped:
            found.expect(s <= b, f"share {index} is {s}{unit}, above its base {b}{unit}")
    base_sum = sum(base)
    if base_sum <= 0 or any(b < 0 for b in base):
        found.expect(
            not any(share), f"shares {share} of {total}{unit} over parts worth {base_sum}{unit}"
        )
        return found.found
    exact = [Fraction(total * b, base_sum) for b in base]
    for index, (s, e) in enumerate(zip(share, exact, strict=True)):
        found.expect(
            abs(s - e) < 1,
            f"share {index} is {s}{unit}, not within one unit of its exact share "
            f"{float(e):.4f}{unit} ({total} x {base[index]} / {base_sum})",
        )
    if largest_remainder and not found.found:
        up = [i for i, (s, e) in enumerate(zip(share, exact, strict=True)) if s > e]
        down = [i for i, (s, e) in enumerate(zip(share, exact, strict=True)) if s < e]
        for i in up:
            for j in down:
                ri, rj = exact[i] % 1, exact[j] % 1
                found.expect(
                    ri > rj or (ri == rj and i > j),
                    f"share {i} was rounded up (remainder {float(ri):.4f}) before share {j} "
                    f"(remainder {float(rj):.4f}): the residue goes by largest remainder, "
                    "ties to the later part",
                )
    return found.found


def check_allocation(
    amount: Money | int,
    bases: Sequence[Money | int],
    shares: Sequence[Money | int],
    *,
    capped: bool = True,
    largest_remainder: bool = True,
) -> None:
    """Raise :class:`~shop_testing.invariants.base.InvariantBroken` (``allocation``) naming
    every way ``shares`` is not a correct split of ``amount`` over ``bases`` (see
    :func:`allocation_breaches`)::

        check_allocation(Money(100, "CNY"), [Money(1, "CNY")] * 3, shares)
    """
    Findings(
        ALLOCATION,
        allocation_breaches(
            amount, bases, shares, capped=capped, largest_remainder=largest_remainder
        ),
    ).raise_if_any()


__all__ = ["ALLOCATION", "allocation_breaches", "check_allocation"]
