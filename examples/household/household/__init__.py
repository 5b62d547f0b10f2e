"""A tiny service that embeds `shop` and adds one rule of its own: **one coupon of a campaign
per household** — however many people live at an address, and however they spell it, only one
of them may claim a coupon of a given template.

- :mod:`household.rule` — the rule itself, pure: what makes two addresses one household, and
  the refusals it gives;
- :mod:`household.store` — who lives where, and which household claimed which template;
- :mod:`household.context` — the rule plugged into `shop` as a context of its own: a bus
  middleware around every ``ClaimCoupon`` (HTTP, CLI and embedding alike), a ``MoveIn``
  command, its tables and an HTTP route;
- :mod:`household.app` — the service: `shop`'s contexts plus this one, served over HTTP.
"""

from household.app import build_runtime
from household.context import HOUSEHOLDS, MoveIn
from household.rule import AddressRequired, OneCouponPerHousehold, household_of

__all__ = [
    "HOUSEHOLDS",
    "AddressRequired",
    "MoveIn",
    "OneCouponPerHousehold",
    "build_runtime",
    "household_of",
]
