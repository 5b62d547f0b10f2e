"""Notifications the application sends to people: the SMS port.

Why a port: the application decides *that* an operator gets a text message (a one-time code
before a gift-card export, GC-12) and what it says; *how* it travels — an SMS gateway in
production, a file in development, a list in tests — belongs to an adapter.

Phone numbers are personal data and a code travels with them, so neither is written to logs
(SEC-3): log :func:`mask_phone` of the number (the domain's, :mod:`shop_domain.shared.phones`),
and never the text of a message.
"""

from __future__ import annotations

from typing import Protocol

from shop_domain.shared.phones import mask_phone


class SmsSender(Protocol):
    """Sends one text message. Returns once the gateway accepted it; raises if it did not."""

    async def send(self, phone: str, text: str) -> None: ...


__all__ = ["SmsSender", "mask_phone"]
