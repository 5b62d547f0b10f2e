"""Gift-card numbers and secrets (GC-2): what they look like, how they are made in bulk.

A card has two identifiers with different jobs. The **number** names the card: it is printed,
typed at a till, sent to support, so it is digits only, sixteen of them like a payment card, and
it is *not* a secret — knowing it lets nobody spend the card. The last digit is a Luhn check
digit, so that a mistyped digit or two swapped neighbours are caught before any lookup. A
generated number never starts with ``0``, so that a spreadsheet never turns it into a shorter
number. Numbers are random rather than sequential so that a batch does not reveal how many cards
were sold; uniqueness across all cards is enforced by storage (a unique index), and the rare
duplicate within or across batches is simply drawn again.

The **secret** (the "PIN" under the scratch panel) is what spending needs: 16 symbols from
:data:`~shop_domain.shared.tokens.LOOKALIKE_FREE` — digits and capitals without ``0 O 1 I L`` —
about 79 bits, drawn from the operating system's cryptographic random source. It is stored
sealed (GC-11) and never shown in lists or logs (SEC-3).

Merchants may also *give* a number (a vanity number such as ``8888 8888 8888 8888``): any 6 to
32 digits, with no check digit required — such numbers are chosen, not typed from scratch.

Bulk generation is built for a million cards at a time: symbols come from
:func:`~shop_domain.shared.tokens.random_symbols`, and the Luhn digit is computed *per column*
rather than per number — each digit position is mapped to its Luhn contribution with one
``bytes.translate``, the columns are added as big integers with one byte per card (15 digits
contribute at most 135, so no byte ever carries into its neighbour), and one more translate turns
each sum into its check digit. No Python code runs per card.
"""

from __future__ import annotations

import secrets

from shop_domain.giftcards.errors import InvalidCardNumber
from shop_domain.shared.tokens import (
    DIGITS,
    LOOKALIKE_FREE,
    Source,
    random_strings,
    random_symbols,
    strings_from_columns,
)

NUMBER_LENGTH = 16
MAX_PREFIX_LENGTH = 8
GIVEN_MIN_LENGTH = 6
GIVEN_MAX_LENGTH = 32
SECRET_LENGTH = 16
SECRET_ALPHABET = LOOKALIKE_FREE
GROUP = 4

_PAYLOAD_LENGTH = NUMBER_LENGTH - 1
_NONZERO = "123456789"
_DOUBLED = tuple(2 * d if d < 5 else 2 * d - 9 for d in range(10))  # 2d, digits added up
_ZERO = ord("0")
# translate tables: an ASCII digit → its Luhn contribution as a byte value
_PLAIN_TABLE = bytes(b - _ZERO if _ZERO <= b <= _ZERO + 9 else 0 for b in range(256))
_DOUBLED_TABLE = bytes(_DOUBLED[b - _ZERO] if _ZERO <= b <= _ZERO + 9 else 0 for b in range(256))
# a sum of contributions → the ASCII check digit that makes it a multiple of 10
_CHECK_TABLE = bytes(_ZERO + (10 - s % 10) % 10 for s in range(256))


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


# --- Luhn -------------------------------------------------------------------------------------


def luhn_check_digit(payload: str) -> str:
    """The digit that, appended to ``payload`` (one or more ASCII digits), makes it Luhn-valid.

    ``luhn_check_digit("7992739871") == "3"``.
    """
    if not _is_digits(payload):
        raise ValueError("a Luhn payload is one or more digits")
    total = 0
    # from the right: the payload's last digit is doubled, since the check digit follows it
    for offset, char in enumerate(reversed(payload)):
        digit = ord(char) - _ZERO
        total += _DOUBLED[digit] if offset % 2 == 0 else digit
    return chr(_ZERO + (10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """Whether ``number`` (two or more digits) ends in the right Luhn check digit."""
    if len(number) < 2 or not _is_digits(number):
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


def _check_column(columns: list[bytes]) -> bytes:
    """The Luhn check digits of the numbers whose digits are ``columns`` (one per position)."""
    count = len(columns[0])
    total = 0
    for position, column in enumerate(columns):
        doubled = (len(columns) - position) % 2 == 1  # the last payload position is doubled
        contributions = column.translate(_DOUBLED_TABLE if doubled else _PLAIN_TABLE)
        total += int.from_bytes(contributions, "big")  # one byte per card; sums stay below 256
    return total.to_bytes(count, "big").translate(_CHECK_TABLE)


# --- generated numbers and secrets ------------------------------------------------------------


def _check_prefix(prefix: str) -> None:
    if prefix and not _is_digits(prefix):
        raise ValueError("a number prefix is digits only")
    if len(prefix) > MAX_PREFIX_LENGTH:
        raise ValueError(f"a number prefix has at most {MAX_PREFIX_LENGTH} digits")
    if prefix.startswith("0"):
        raise ValueError("a number prefix does not start with 0")


def random_numbers(
    count: int, *, prefix: str = "", source: Source = secrets.token_bytes
) -> list[str]:
    """``count`` card numbers of :data:`NUMBER_LENGTH` digits, ending in a Luhn check digit.

    ``prefix`` (up to :data:`MAX_PREFIX_LENGTH` digits, not starting with ``0``) takes the first
    positions and the random part shrinks to match; without a prefix the first digit is drawn
    from 1-9. Numbers within one call may repeat each other: with no prefix there are 9 * 10^14
    of them, so the odds are negligible, but a long prefix leaves fewer (10^7 with 8 digits) —
    storage refuses duplicates and the caller draws again.
    """
    _check_prefix(prefix)
    if count < 0:
        raise ValueError("count is never negative")
    if count == 0:
        return []
    columns = [char.encode("ascii") * count for char in prefix]
    if not prefix:
        columns.append(random_symbols(count, _NONZERO, source=source))
    free = _PAYLOAD_LENGTH - len(columns)
    block = random_symbols(count * free, DIGITS, source=source)
    columns.extend(block[position::free] for position in range(free))
    columns.append(_check_column(columns))
    return strings_from_columns(columns)


def random_secrets(count: int, *, source: Source = secrets.token_bytes) -> list[str]:
    """``count`` secrets of :data:`SECRET_LENGTH` symbols from :data:`SECRET_ALPHABET`
    (31^16, about 2^79 possibilities each)."""
    return random_strings(count, SECRET_LENGTH, SECRET_ALPHABET, source=source)


def looks_generated(number: str) -> bool:
    """Whether ``number`` has the shape of a generated number: 16 digits, Luhn-valid."""
    return len(number) == NUMBER_LENGTH and luhn_valid(number)


# --- what people type and read ----------------------------------------------------------------


def _squeeze(text: str) -> str:
    """``text`` without whitespace or dashes anywhere."""
    return "".join(text.split()).replace("-", "")


def normalise_number(text: str) -> str:
    """A number as typed (``"4000 1234-5678 9010"``) without its spaces and dashes; anything
    else is left as it is, for validation to judge."""
    return _squeeze(text)


def normalise_secret(text: str) -> str:
    """A secret as typed (``"abcd-efgh jkmn-pqrs"``) without spaces or dashes, in capitals."""
    return _squeeze(text).upper()


def display_number(number: str) -> str:
    """``4000123456789010`` → ``4000 1234 5678 9010``."""
    return " ".join(number[i : i + GROUP] for i in range(0, len(number), GROUP))


def display_secret(secret: str) -> str:
    """``ABCDEFGHJKMNPQRS`` → ``ABCD-EFGH-JKMN-PQRS``."""
    return "-".join(secret[i : i + GROUP] for i in range(0, len(secret), GROUP))


def check_given_number(text: str) -> str:
    """A number a merchant chose, normalised; :class:`InvalidCardNumber`
    (``giftcard.number_invalid``) unless it is 6 to 32 digits. No check digit is required."""
    number = normalise_number(text)
    if not _is_digits(number) or not GIVEN_MIN_LENGTH <= len(number) <= GIVEN_MAX_LENGTH:
        raise InvalidCardNumber(
            f"a gift-card number is {GIVEN_MIN_LENGTH} to {GIVEN_MAX_LENGTH} digits",
            details={"min_length": GIVEN_MIN_LENGTH, "max_length": GIVEN_MAX_LENGTH},
        )
    return number
