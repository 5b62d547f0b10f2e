"""Where the payment gateway sends its notifications: this service's notify route, at the base
URL the gateway reaches it by.

By default that is the base URL of the request that starts the payment (what the customer's
client reached). Behind a proxy that rewrites the scheme or the host, or when the gateway
reaches the service by another address than customers do, set ``SHOP_PAYMENT_NOTIFY_BASE_URL``
(``https://shop.example.com``, an optional path prefix, no query): notify URLs are built on it.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Final

import attrs

from shop_adapters.settings import InvalidSetting

NOTIFY_PATH: Final = "/payments/notify"
VARIABLE: Final = "SHOP_PAYMENT_NOTIFY_BASE_URL"


def _checked(value: str) -> str:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidSetting(f"{VARIABLE} must be an http(s) URL without a query, got {value!r}")
    return value.rstrip("/")


def _optional(value: str | None) -> str | None:
    return None if value is None else _checked(value)


@attrs.frozen(kw_only=True)
class NotifySettings:
    base_url: str | None = attrs.field(default=None, converter=_optional)
    """``SHOP_PAYMENT_NOTIFY_BASE_URL``; ``None``: the request's own base URL."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NotifySettings:
        return cls(base_url=env.get(VARIABLE) or None)

    def notify_url(self, request_base_url: str) -> str:
        """The notify route's URL: on the configured base URL, else on the request's."""
        return (self.base_url or request_base_url.rstrip("/")) + NOTIFY_PATH


__all__ = ["NOTIFY_PATH", "NotifySettings"]
