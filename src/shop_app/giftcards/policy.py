"""How an installation runs gift cards: sizes of bulk work, attempt limits, exports."""

from __future__ import annotations

import datetime as dt

import attrs

from shop_domain.shared.errors import InvalidValue


@attrs.frozen
class GiftCardPolicy:
    card_chunk: int = 10_000
    """Cards generated, sealed and written per transaction."""
    max_cards_per_request: int = 10_000_000
    max_given_numbers: int = 100_000
    """Given (vanity) numbers per request; they are written in the request's transaction."""
    max_cards_per_order: int = 10
    activation_attempts: int = 5
    """Wrong number/secret pairs per user, and per card number, before a lock-out (GC-5)."""
    activation_window: dt.timedelta = dt.timedelta(minutes=15)
    activation_lockout: dt.timedelta = dt.timedelta(minutes=30)
    min_export_password: int = 8
    admin_phone: str | None = None
    """Where export codes go when the batch's owner has no phone (GC-12)."""

    def __attrs_post_init__(self) -> None:
        for name in (
            "card_chunk",
            "max_cards_per_request",
            "max_given_numbers",
            "max_cards_per_order",
            "activation_attempts",
            "min_export_password",
        ):
            if getattr(self, name) < 1:
                raise InvalidValue(f"{name} is at least 1")
