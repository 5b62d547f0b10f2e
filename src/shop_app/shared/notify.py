"""Notifications the application sends to people: the SMS port.

Why a port: the application decides *that* an operator gets a text message (a one-time code
before a gift-card export, GC-12) and what it says; *how* it travels — an SMS gateway in
production, a file in development, a list in tests — belongs to an adapter.

Phone numbers are personal data and a code travels with them, so neither is written to logs
(SEC-3): log :func:`mask_phone` of the number, and never the text of a message.
"""

from __future__ import annotations

from typing import Final, Protocol

VISIBLE_DIGITS: Final = 4


class SmsSender(Protocol):
    """Sends one text message. Returns once the gateway accepted it; raises if it did not."""

    async def send(self, phone: str, text: str) -> None: ...


def mask_phone(phone: str) -> str:
    """``phone`` with every digit but the last four masked, for logs and for screens that
    say where a code went: ``"+86 138 0013 1234"`` → ``"*********1234"``. Separators are
    dropped and every other digit, the country code's too, becomes ``*``; a number of four
    digits or fewer is masked whole."""
    digits = [c for c in phone if "0" <= c <= "9"]
    if len(digits) <= VISIBLE_DIGITS:
        return "*" * VISIBLE_DIGITS
    return "*" * (len(digits) - VISIBLE_DIGITS) + "".join(digits[-VISIBLE_DIGITS:])


__all__ = ["SmsSender", "mask_phone"]
