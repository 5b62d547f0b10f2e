"""Gift-card numbers and secrets (GC-2): the shape of generated numbers, the Luhn check digit and
the typing errors it catches, secrets from the look-alike-free alphabet, normalisation and
display, and numbers a merchant gives."""

from __future__ import annotations

import collections
import itertools
import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_domain.giftcards.numbers import (
    MAX_PREFIX_LENGTH,
    NUMBER_LENGTH,
    SECRET_ALPHABET,
    SECRET_LENGTH,
    check_given_number,
    display_number,
    display_secret,
    looks_generated,
    luhn_check_digit,
    luhn_valid,
    normalise_number,
    normalise_secret,
    random_numbers,
    random_secrets,
)
from shop_domain.shared.errors import InvalidValue
from shop_domain.shared.tokens import LOOKALIKE_FREE
from shop_testing.strategies import number_prefixes


def byte_source(pattern: bytes) -> Callable[[int], bytes]:
    """A deterministic source repeating ``pattern`` forever, across calls."""
    stream = itertools.cycle(pattern)

    def source(n: int) -> bytes:
        return bytes(itertools.islice(stream, n))

    return source


def reference_luhn_valid(number: str) -> bool:
    """The textbook algorithm, written independently of the module under test."""
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


prefixes = number_prefixes()
# any byte pattern, plus one byte every alphabet accepts, so a source can never starve
patterns = st.binary(min_size=0, max_size=64).map(lambda b: b + b"\x07")


# --- Luhn -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "79927398713",
        "4111111111111111",
        "5555555555554444",
        "378282246310005",
        "6011111111111117",
        "4012888888881881",
        "00",
        "18",
    ],
)
def test_known_valid_numbers(number: str) -> None:
    assert luhn_valid(number)
    assert luhn_check_digit(number[:-1]) == number[-1]


@pytest.mark.parametrize(
    "number",
    ["79927398710", "79927398717", "4111111111111112", "1111111111111111", "", "7", "12a4", "١٨"],
)
def test_known_invalid_numbers(number: str) -> None:
    assert not luhn_valid(number)


def test_check_digits_of_known_payloads() -> None:
    assert luhn_check_digit("7992739871") == "3"
    assert luhn_check_digit("411111111111111") == "1"
    assert luhn_check_digit("0") == "0"
    for bad in ("", "12 3", "x"):
        with pytest.raises(ValueError, match="digits"):
            luhn_check_digit(bad)


@given(st.from_regex(r"[0-9]{1,40}", fullmatch=True))
def test_the_check_digit_agrees_with_the_textbook(payload: str) -> None:
    check = luhn_check_digit(payload)
    assert reference_luhn_valid(payload + check)
    assert luhn_valid(payload + check)
    assert [d for d in "0123456789" if reference_luhn_valid(payload + d)] == [check]


@pytest.mark.rule("GC-2")
@given(
    st.from_regex(r"[0-9]{15}", fullmatch=True),
    st.integers(min_value=0, max_value=15),
    st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_change_breaks_the_check(payload: str, position: int, shift: int) -> None:
    number = payload + luhn_check_digit(payload)
    changed = str((int(number[position]) + shift) % 10)
    typo = number[:position] + changed + number[position + 1 :]
    assert not luhn_valid(typo)


@pytest.mark.rule("GC-2")
@given(st.from_regex(r"[0-9]{15}", fullmatch=True), st.integers(min_value=0, max_value=14))
def test_swapping_neighbours_breaks_the_check_except_09(payload: str, position: int) -> None:
    number = payload + luhn_check_digit(payload)
    a, b = number[position], number[position + 1]
    swapped = number[:position] + b + a + number[position + 2 :]
    if a == b:
        assert swapped == number
    elif {a, b} == {"0", "9"}:
        assert luhn_valid(swapped)  # the one transposition Luhn cannot see
    else:
        assert not luhn_valid(swapped)


# --- generated numbers ------------------------------------------------------------------------


@pytest.mark.rule("GC-2")
@given(count=st.integers(min_value=0, max_value=30), prefix=prefixes, pattern=patterns)
def test_generated_numbers_have_the_right_shape(count: int, prefix: str, pattern: bytes) -> None:
    numbers = random_numbers(count, prefix=prefix, source=byte_source(pattern))
    assert len(numbers) == count
    for number in numbers:
        assert len(number) == NUMBER_LENGTH
        assert number.isascii()
        assert number.isdigit()
        assert number[0] != "0"
        assert number.startswith(prefix)
        assert reference_luhn_valid(number)
        assert looks_generated(number)


@pytest.mark.rule("GC-2")
@given(prefix=prefixes)
def test_generated_numbers_from_the_real_source(prefix: str) -> None:
    numbers = random_numbers(50, prefix=prefix)
    assert all(n.startswith(prefix) and n[0] != "0" and luhn_valid(n) for n in numbers)


def test_a_fixed_source_gives_known_numbers() -> None:
    # byte 0 is "1" among 1-9 and "0" among the digits: 1 then fourteen 0s, and its check digit
    assert random_numbers(2, source=byte_source(b"\x00")) == ["1000000000000008"] * 2
    assert random_numbers(1, prefix="12345678", source=byte_source(b"\x00")) == ["1234567800000006"]
    assert luhn_valid("1000000000000008")
    assert luhn_valid("1234567800000006")


@pytest.mark.rule("GC-2")
def test_digits_are_uniform_at_every_random_position() -> None:
    """Chi-square per position over 100,000 numbers: the first digit over 1-9 (8 degrees of
    freedom), the others over 0-9 (9); 80 is far beyond chance for either."""
    numbers = random_numbers(100_000)
    for position, alphabet in [(0, "123456789"), (1, "0123456789"), (14, "0123456789")]:
        counts = collections.Counter(n[position] for n in numbers)
        assert set(counts) == set(alphabet)
        expected = len(numbers) / len(alphabet)
        chi_square = sum((counts[d] - expected) ** 2 / expected for d in alphabet)
        assert chi_square < 80, (position, chi_square)


@pytest.mark.rule("GC-2")
def test_ten_thousand_numbers_are_distinct() -> None:
    # 9 * 10^14 possible numbers: a repeat among 10,000 has odds around 5e-8
    numbers = random_numbers(10_000)
    assert len(set(numbers)) == 10_000


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("0123", "start with 0"),
        ("0", "start with 0"),
        ("1" * (MAX_PREFIX_LENGTH + 1), "at most 8"),
        ("12a", "digits only"),
        ("١٢", "digits only"),
        ("12 3", "digits only"),
    ],
)
def test_bad_prefixes_are_refused(prefix: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        random_numbers(1, prefix=prefix)


def test_counts() -> None:
    assert random_numbers(0) == []
    assert random_secrets(0) == []
    with pytest.raises(ValueError, match="negative"):
        random_numbers(-1)
    with pytest.raises(ValueError, match="negative"):
        random_secrets(-1)


def test_looks_generated() -> None:
    assert looks_generated("4111111111111111")
    assert not looks_generated("4111111111111112")  # wrong check digit
    assert not looks_generated("378282246310005")  # Luhn-valid, 15 digits
    assert not looks_generated("1111111111111111")  # a vanity number


# --- secrets ----------------------------------------------------------------------------------


@pytest.mark.rule("GC-2")
@given(count=st.integers(min_value=0, max_value=30), pattern=patterns)
def test_secrets_come_from_the_alphabet_only(count: int, pattern: bytes) -> None:
    secrets = random_secrets(count, source=byte_source(pattern))
    assert len(secrets) == count
    assert all(len(s) == SECRET_LENGTH and set(s) <= set(SECRET_ALPHABET) for s in secrets)


@pytest.mark.rule("GC-2")
def test_secrets_are_unguessable() -> None:
    assert SECRET_ALPHABET == LOOKALIKE_FREE
    assert not set(SECRET_ALPHABET) & set("0O1IL")
    assert SECRET_LENGTH * math.log2(len(SECRET_ALPHABET)) > 79
    secrets = random_secrets(100_000)
    assert len(set(secrets)) == 100_000
    assert set("".join(secrets)) == set(SECRET_ALPHABET)


# --- typing and reading -----------------------------------------------------------------------


def test_numbers_are_normalised_and_displayed() -> None:
    assert normalise_number(" 4000 1234-5678\t9010 ") == "4000123456789010"
    assert normalise_number("4000-1234") == "40001234"
    assert normalise_number("40O0 12") == "40O012"  # left for validation to judge
    assert display_number("4000123456789010") == "4000 1234 5678 9010"
    assert display_number("88888888") == "8888 8888"
    assert display_number("1234567") == "1234 567"
    assert normalise_number(display_number("4000123456789010")) == "4000123456789010"


def test_secrets_are_normalised_and_displayed() -> None:
    assert normalise_secret(" abcd-efgh jkmn-PQRS ") == "ABCDEFGHJKMNPQRS"
    assert display_secret("ABCDEFGHJKMNPQRS") == "ABCD-EFGH-JKMN-PQRS"
    assert normalise_secret(display_secret("ABCDEFGHJKMNPQRS")) == "ABCDEFGHJKMNPQRS"


@given(st.lists(st.sampled_from(SECRET_ALPHABET), min_size=1, max_size=24).map("".join))
def test_a_displayed_secret_reads_back_in_any_case(secret: str) -> None:
    assert normalise_secret(display_secret(secret).lower()) == secret


# --- given numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("8888888888888888", "8888888888888888"),
        ("8888 8888 8888 8888", "8888888888888888"),
        ("1111-1111-1111-1111", "1111111111111111"),  # no check digit needed
        ("123456", "123456"),
        ("9" * 32, "9" * 32),
        ("007007", "007007"),
    ],
)
def test_given_numbers_are_accepted_normalised(text: str, number: str) -> None:
    assert check_given_number(text) == number


@pytest.mark.parametrize(
    "text", ["", "12345", "9" * 33, "12345a", "１２３４５６", "١٢٣٤٥٦", "1234.56", "+123456"]
)
def test_bad_given_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidValue) as info:
        check_given_number(text)
    assert info.value.code == "giftcard.number_invalid"
    assert info.value.kind == "invalid"
    assert info.value.details == {"min_length": 6, "max_length": 32}
