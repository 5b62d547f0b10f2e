"""The shared random-token generator: only alphabet symbols, exact shapes, every symbol equally
likely (rejection, not folding), bad arguments refused."""

from __future__ import annotations

import collections
import itertools
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_domain.shared.tokens import (
    DIGITS,
    LOOKALIKE_FREE,
    random_strings,
    random_symbols,
    strings_from_columns,
)


def byte_source(pattern: bytes) -> Callable[[int], bytes]:
    """A deterministic source repeating ``pattern`` forever, across calls."""
    stream = itertools.cycle(pattern)

    def source(n: int) -> bytes:
        return bytes(itertools.islice(stream, n))

    return source


def test_the_alphabets() -> None:
    assert DIGITS == "0123456789"
    assert len(LOOKALIKE_FREE) == len(set(LOOKALIKE_FREE)) == 31
    assert not set(LOOKALIKE_FREE) & set("0O1IL")


@given(
    count=st.integers(min_value=0, max_value=50),
    length=st.integers(min_value=1, max_value=40),
    alphabet=st.sampled_from([DIGITS, LOOKALIKE_FREE, "ab", "123456789", "\n-x"]),
)
def test_exact_count_and_length_from_the_alphabet_only(
    count: int, length: int, alphabet: str
) -> None:
    strings = random_strings(count, length, alphabet)
    assert len(strings) == count
    assert all(len(s) == length for s in strings)
    assert set("".join(strings)) <= set(alphabet)


@pytest.mark.parametrize("alphabet", [DIGITS, LOOKALIKE_FREE, "ABC", "0123456"])
def test_every_accepted_byte_maps_to_one_symbol_evenly(alphabet: str) -> None:
    """Each accepted byte value once, and every rejected one in between: each symbol comes out
    exactly ``accept / n`` times — a fixed source makes the distribution exact."""
    n = len(alphabet)
    accept = 256 - 256 % n
    source = byte_source(bytes(range(256)))
    symbols = random_symbols(accept, alphabet, source=source)
    assert collections.Counter(symbols.decode()) == dict.fromkeys(alphabet, accept // n)


def test_rejected_bytes_are_dropped_not_folded() -> None:
    # 250..255 would be 0..5 modulo 10 — the digits "012345" — if they were not dropped
    pattern = bytes([250, 9, 255, 10, 251, 249, 252, 253, 254, 0])
    assert random_strings(2, 2, DIGITS, source=byte_source(pattern)) == ["90", "90"]


def test_a_mostly_rejecting_source_is_asked_again_until_enough() -> None:
    calls: list[int] = []
    stream = itertools.cycle([255, 254, 253, 252, 251, 250, 7])

    def stingy(n: int) -> bytes:
        calls.append(n)
        return bytes(itertools.islice(stream, n))

    assert random_strings(3, 10, DIGITS, source=stingy) == ["7" * 10] * 3
    assert len(calls) > 1


def test_a_256_symbol_alphabet_rejects_nothing() -> None:
    # only ASCII is allowed, so 128 symbols is the real ceiling; 128 divides 256 evenly
    alphabet = "".join(map(chr, range(128)))
    strings = random_strings(2, 128, alphabet, source=byte_source(bytes(range(256))))
    assert strings == [alphabet, alphabet]


def test_symbols_are_roughly_uniform_from_the_real_source() -> None:
    """Chi-square over a million digits, 9 degrees of freedom: mean 9, sd about 4.2, so 80 is
    beyond chance (odds below 1e-12), while folding bytes 250..255 into the digits 0..5 instead
    of rejecting them would give about 370."""
    text = "".join(random_strings(50_000, 20, DIGITS))
    counts = collections.Counter(text)
    expected = len(text) / 10
    chi_square = sum((counts[d] - expected) ** 2 / expected for d in DIGITS)
    assert chi_square < 80, chi_square


@pytest.mark.parametrize(
    ("alphabet", "message"),
    [
        ("", "2 to 256"),
        ("A", "2 to 256"),
        ("AAB", "once"),
        ("ABÉ", "ASCII"),
    ],
)
def test_bad_alphabets_are_refused(alphabet: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        random_strings(1, 4, alphabet)
    with pytest.raises(ValueError, match=message):
        random_strings(0, 4, alphabet)


def test_bad_counts_and_lengths_are_refused() -> None:
    assert random_strings(0, 5, DIGITS) == []
    with pytest.raises(ValueError, match="negative"):
        random_strings(-1, 5, DIGITS)
    with pytest.raises(ValueError, match="negative"):
        random_symbols(-1, DIGITS)
    with pytest.raises(ValueError, match="one character"):
        random_strings(3, 0, DIGITS)


def test_columns_are_glued_row_by_row() -> None:
    assert strings_from_columns([b"abc", b"123", b"xyz"]) == ["a1x", "b2y", "c3z"]
    assert strings_from_columns([b"ab"]) == ["a", "b"]
    assert strings_from_columns([b"", b""]) == []
    with pytest.raises(ValueError, match="equally long"):
        strings_from_columns([b"ab", b"c"])
    with pytest.raises(ValueError, match="one character"):
        strings_from_columns([])
