"""Phone numbers: one canonical form, so that a number an operator typed for a gift card and the
number a member verified by SMS can be compared (GC-5, MEM; decision 0037), and one mask, so
that a full number never reaches a log, an event or a screen that does not need it.

The canonical form is ``+`` and the digits of the number with its country code, as E.164 writes
it: ``"+8613800131234"``. :func:`normalize_phone` reads a number as people type it:

- spaces, dashes, dots and brackets are separators and are dropped; any other character but a
  leading ``+`` makes the number invalid;
- a leading ``+`` or ``00`` (the international prefix) means the country code follows:
  ``"+86 138 0013 1234"`` and ``"0086 138 0013 1234"`` are ``"+8613800131234"``;
- any other number is national, of the default country (China, ``86``): a single leading trunk
  ``0`` is dropped and the country code put in front — ``"13800131234"`` is
  ``"+8613800131234"`` too, and the Beijing landline ``"010-1234 5678"`` is ``"+861012345678"``;
- the number as typed has at least 5 digits, and the result 5 to 20, the country code
  included, which never starts with ``0``; anything else is :class:`InvalidPhoneNumber`
  (``phone.invalid``).

The canonical form of a canonical number is itself. Nothing here knows the numbering plan of
any country: two spellings of one number match when they agree on the country code and the
digits after it.
"""

from __future__ import annotations

from typing import Final

from shop_domain.shared.errors import InvalidValue

DEFAULT_COUNTRY_CODE: Final = "86"
"""The country of a number typed without one (decision 0037)."""
MIN_DIGITS: Final = 5
MAX_DIGITS: Final = 20
MAX_TYPED: Final = 40
"""Longer input is refused before it is looked at."""
VISIBLE_DIGITS: Final = 4
SEPARATORS: Final = frozenset(" -.()")
_DIGITS: Final = frozenset("0123456789")


class InvalidPhoneNumber(InvalidValue):
    """Not a phone number: a character that is neither a digit nor a separator, or too few or
    too many digits."""

    code = "phone.invalid"


def normalize_phone(typed: str, *, country_code: str = DEFAULT_COUNTRY_CODE) -> str:
    """The canonical form of ``typed`` (see the module documentation), or raise
    :class:`InvalidPhoneNumber`. Pure: the same input always gives the same answer."""
    text = typed.strip()
    if len(text) > MAX_TYPED:
        raise InvalidPhoneNumber(f"a phone number is at most {MAX_TYPED} characters")
    international = text.startswith("+")
    body = text[1:] if international else text
    if not all(c in _DIGITS or c in SEPARATORS for c in body):
        raise InvalidPhoneNumber(
            "a phone number is digits, with spaces, dashes, dots or brackets, and an optional "
            "leading +"
        )
    digits = "".join(c for c in body if c in _DIGITS)
    if len(digits) < MIN_DIGITS:
        raise InvalidPhoneNumber(f"a phone number has at least {MIN_DIGITS} digits")
    if not international and digits.startswith("00"):  # the international prefix
        digits = digits[2:]
    elif not international:  # national: the trunk 0 goes, the country code comes
        digits = country_code + digits.removeprefix("0")
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS or digits.startswith("0"):
        raise InvalidPhoneNumber(
            f"a phone number has {MIN_DIGITS} to {MAX_DIGITS} digits with its country code, "
            "which does not start with 0"
        )
    return "+" + digits


def mask_phone(phone: str) -> str:
    """``phone`` with every digit but the last four masked, for logs, events and screens that
    say where a code went: ``"+86 138 0013 1234"`` → ``"*********1234"``. Separators are
    dropped and every other digit, the country code's too, becomes ``*``; a number of four
    digits or fewer is masked whole."""
    digits = [c for c in phone if c in _DIGITS]
    if len(digits) <= VISIBLE_DIGITS:
        return "*" * VISIBLE_DIGITS
    return "*" * (len(digits) - VISIBLE_DIGITS) + "".join(digits[-VISIBLE_DIGITS:])


__all__ = [
    "DEFAULT_COUNTRY_CODE",
    "MAX_DIGITS",
    "MIN_DIGITS",
    "InvalidPhoneNumber",
    "mask_phone",
    "normalize_phone",
]
