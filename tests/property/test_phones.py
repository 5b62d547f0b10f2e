"""Phone numbers have one canonical form (GC-5, MEM-1; decision 0037): every way of typing a
number gives its canonical form, the canonical form of a canonical number is itself, anything
else is refused with ``phone.invalid``, and a mask never shows more than the last four digits."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_domain.shared.phones import (
    MAX_DIGITS,
    MIN_DIGITS,
    InvalidPhoneNumber,
    mask_phone,
    normalize_phone,
)
from shop_testing.strategies.phones import TypedPhone, canonical_phones, typed_phones

CANONICAL = re.compile(rf"\+[1-9][0-9]{{{MIN_DIGITS - 1},{MAX_DIGITS - 1}}}")

pytestmark = [pytest.mark.rule("GC-5"), pytest.mark.rule("MEM-1")]


@given(typed_phones())
def test_every_way_of_typing_a_number_gives_its_canonical_form(phone: TypedPhone) -> None:
    assert normalize_phone(phone.typed) == phone.canonical


@given(canonical_phones())
def test_the_canonical_form_of_a_canonical_number_is_itself(canonical: str) -> None:
    assert CANONICAL.fullmatch(canonical)
    assert normalize_phone(canonical) == canonical


@given(st.text(alphabet="0123456789+ -.()x#", max_size=45) | st.text(max_size=45))
def test_any_text_is_canonical_once_normalized_or_refused(typed: str) -> None:
    try:
        canonical = normalize_phone(typed)
    except InvalidPhoneNumber:
        return
    assert CANONICAL.fullmatch(canonical)
    assert normalize_phone(canonical) == canonical


@given(typed_phones())
def test_a_mask_shows_the_last_four_digits_only(phone: TypedPhone) -> None:
    masked = mask_phone(phone.canonical)
    assert masked.endswith(phone.canonical[-4:])
    assert set(masked[:-4]) == {"*"}
    assert len(masked) == len(phone.canonical) - 1  # one character per digit, no "+"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("+86 138 0013 1234", "+8613800131234"),  # an operator's spelling …
        ("13800131234", "+8613800131234"),  # … and a member's: the same number
        ("0086 138-0013-1234", "+8613800131234"),
        ("(010) 1234 5678", "+861012345678"),  # the trunk 0 goes
        ("+1 (555) 010-9876", "+15550109876"),
        ("+44 7700 900123", "+447700900123"),
    ],
)
def test_the_decisions_examples(typed: str, canonical: str) -> None:
    assert normalize_phone(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    ["", "+", "1234", "+0086 138", "00", "138-0013-123x", "+86 138 ++", "1" * 19, "+" + "1" * 21],
)
def test_what_is_not_a_phone_number_is_refused(typed: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as refused:
        normalize_phone(typed)
    assert refused.value.code == "phone.invalid"
