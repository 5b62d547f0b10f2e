"""How an installation runs coupons: its business day and the sizes of bulk work."""

from __future__ import annotations

import datetime as dt

import attrs

from shop_domain.shared.errors import InvalidValue


@attrs.frozen
class CouponPolicy:
    timezone: dt.tzinfo = dt.UTC
    """Per-user-per-day limits count coupons by the business date in this zone."""
    max_issue_batch: int = 1000
    """Users per ``IssueCoupons`` command; segment files are issued in chunks of this."""
    code_chunk: int = 50_000
    """One-time codes written per transaction while generating a batch."""
    max_codes_per_batch: int = 10_000_000
    max_coupons_per_order: int = 10
    code_attempts: int = 10
    """Wrong codes a user may enter within ``code_attempt_window`` before a lock-out."""
    code_attempt_window: dt.timedelta = dt.timedelta(minutes=15)
    code_lockout: dt.timedelta = dt.timedelta(minutes=15)

    def __attrs_post_init__(self) -> None:
        for name in ("max_issue_batch", "code_chunk", "max_codes_per_batch", "code_attempts"):
            if getattr(self, name) < 1:
                raise InvalidValue(f"{name} is at least 1")

    def business_date(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.timezone).date()
