"""Random tokens drawn evenly from an alphabet, fast in bulk.

Coupon codes, gift-card numbers and gift-card secrets are all strings of symbols drawn from the
operating system's cryptographic random source. They share one generator so that the delicate
part — turning random bytes into symbols without favouring any — is written and tested once.

A random byte maps to a symbol by *rejection*: with ``n`` symbols, bytes from
``256 - 256 % n`` up are dropped and the rest taken modulo ``n``, so every symbol is equally
likely (simply folding every byte modulo ``n`` would favour the first ``256 % n`` symbols). The
mapping and the dropping are one ``bytes.translate`` call over the whole batch, with a table built
once per alphabet, so that a million tokens take a fraction of a second rather than seconds of a
per-symbol Python loop.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Sequence

LOOKALIKE_FREE = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""Digits and capital letters without the look-alikes ``0 O 1 I L``: 31 symbols."""

DIGITS = "0123456789"

Source = Callable[[int], bytes]
"""Where random bytes come from: ``source(n)`` returns ``n`` bytes (:func:`secrets.token_bytes`;
tests pass a deterministic one)."""


@functools.lru_cache(maxsize=32)
def _tables(alphabet: str) -> tuple[bytes, bytes, int]:
    """The translate table, the bytes to delete, and how many byte values are accepted."""
    if not 2 <= len(alphabet) <= 256:
        raise ValueError(f"an alphabet has 2 to 256 symbols, not {len(alphabet)}")
    if not alphabet.isascii():
        raise ValueError("an alphabet holds only ASCII symbols")
    if len(set(alphabet)) != len(alphabet):
        raise ValueError("an alphabet holds each symbol once")
    size = len(alphabet)
    accept = 256 - 256 % size  # the largest multiple of size within a byte
    symbols = alphabet.encode("ascii")
    table = bytes(symbols[b % size] if b < accept else 0 for b in range(256))
    return table, bytes(range(accept, 256)), accept


def random_symbols(count: int, alphabet: str, *, source: Source = secrets.token_bytes) -> bytes:
    """``count`` symbols of ``alphabet``, each equally likely, as one ASCII byte string.

    The building block of :func:`random_strings`, for callers that slice the symbols up
    themselves (column by column, say).
    """
    table, reject, accept = _tables(alphabet)
    if count < 0:
        raise ValueError("count is never negative")
    symbols = b""
    while len(symbols) < count:
        missing = count - len(symbols)
        # ask for what is expected to survive the rejection, plus a little: usually one call
        chunk = source(missing * 256 // accept + missing // 256 + 16)
        symbols += chunk.translate(table, reject)
    return symbols[:count]


def random_strings(
    count: int, length: int, alphabet: str, *, source: Source = secrets.token_bytes
) -> list[str]:
    """``count`` random strings of ``length`` symbols from ``alphabet`` (an ASCII string of 2
    to 256 distinct symbols), every symbol equally likely at every position.

    The strings may, with odds that depend on the length and alphabet, repeat each other;
    callers that need distinct strings enforce it themselves (a set, a unique index).
    """
    _tables(alphabet)  # reject a bad alphabet even when nothing is asked for
    if count < 0:
        raise ValueError("count is never negative")
    if length < 1:
        raise ValueError("a string has at least one character")
    need = count * length
    symbols = random_symbols(need, alphabet, source=source)
    if "\n" in alphabet:  # no byte left to split on: slice instead (slower)
        text = symbols.decode("ascii")
        return [text[i : i + length] for i in range(0, need, length)]
    return strings_from_columns([symbols[j::length] for j in range(length)])


def strings_from_columns(columns: Sequence[bytes]) -> list[str]:
    """Glue byte columns into strings, row by row: string ``i`` is the ``i``-th byte of each
    column in turn. The columns are equally long ASCII without line feeds.

    Lets a caller build tokens position by position (a fixed prefix, a check digit computed
    over whole columns) and still get a list of ``str`` in one go: the columns are interleaved
    into one buffer with a line feed after each row, decoded once and split — all loops in C,
    about twice as fast as slicing a string a million times in Python.
    """
    if not columns:
        raise ValueError("a string has at least one character")
    rows = len(columns[0])
    if any(len(column) != rows for column in columns):
        raise ValueError("the columns are not equally long")
    if rows == 0:
        return []
    width = len(columns) + 1
    buffer = bytearray(rows * width - 1)
    for position, column in enumerate(columns):
        buffer[position::width] = column
    buffer[width - 1 :: width] = b"\n" * (rows - 1)
    return buffer.decode("ascii").split("\n")
