"""Order numbers (ORD-7): readable — the day it was made, then ten random digits — and not
guessable in sequence (one day has 10^10 numbers, drawn at random by the caller). A child's
number is its parent's with its position (``…-01``)."""

from __future__ import annotations

import datetime as dt
from typing import Final

RANDOM_DIGITS: Final = 10


def order_number(now: dt.datetime, draw: int) -> str:
    """``draw``: a random whole number in [0, 10^10) (the caller's randomness, e.g.
    ``secrets.randbelow``)."""
    if not 0 <= draw < 10**RANDOM_DIGITS:
        raise ValueError("the random part has ten digits")
    return f"{now:%y%m%d}{draw:0{RANDOM_DIGITS}d}"


__all__ = ["RANDOM_DIGITS", "order_number"]
