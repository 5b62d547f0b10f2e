"""Coupon codes (CPN-4): unguessable, without look-alike characters, fast in bulk.

A code is :data:`CODE_LENGTH` characters from :data:`ALPHABET` — digits and capital letters
without ``0 O 1 I L`` — drawn from the operating system's cryptographic random source
(:func:`secrets.token_bytes`): 31 symbols, 12 characters, about 59 bits, so guessing one of a
million live codes takes around 10^12 tries, and wrong tries are rate-limited besides.

Random bytes map to symbols by rejection (bytes ≥ 248 are dropped, the rest taken modulo 31),
which keeps every symbol equally likely; :mod:`shop_domain.shared.tokens` does it with
``bytes.translate`` so that a million codes take a fraction of a second (gift-card numbers and
secrets use the same generator). Uniqueness is not left to chance: storage refuses a duplicate
and the generator makes up any shortfall.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

from shop_domain.shared.tokens import LOOKALIKE_FREE, random_strings

ALPHABET = LOOKALIKE_FREE
CODE_LENGTH = 12
GROUP = 4


def random_codes(
    count: int, *, length: int = CODE_LENGTH, source: Callable[[int], bytes] = secrets.token_bytes
) -> list[str]:
    """``count`` random codes (possibly, with negligible odds, repeating each other)."""
    if count < 0:
        raise ValueError("count is never negative")
    if length < 1:
        raise ValueError("a code has at least one character")
    return random_strings(count, length, ALPHABET, source=source)


def unique_codes(count: int, **kwargs: object) -> list[str]:
    """``count`` codes distinct from each other."""
    length = kwargs.get("length", CODE_LENGTH)
    if isinstance(length, int) and count > len(ALPHABET) ** max(length, 0):
        raise ValueError(f"there are not {count} distinct codes of {length} characters")
    found: set[str] = set()
    while len(found) < count:
        found.update(random_codes(count - len(found), **kwargs))  # type: ignore[arg-type]
    return list(found)


def chunks(total: int, size: int) -> Iterator[int]:
    """The sizes of the chunks that make up ``total``."""
    if size < 1:
        raise ValueError("a chunk holds at least one code")
    while total > 0:
        yield min(size, total)
        total -= size


def display(code: str) -> str:
    """``ABCDEFGHJKMN`` → ``ABCD-EFGH-JKMN`` for print."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
