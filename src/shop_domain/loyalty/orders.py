"""What an order did with an account's points: held, spent, earned, given back (PTS-4..6).

An account keeps one :class:`OrderPoints` per order that touched it. Its parts say which lots
the order's held and spent points came from, so a cancellation gives held points back to those
lots and a refund restores spent points to them with their original expiry (PTS-6). Its keys
make every order command idempotent: a command repeated with its key and the same figures
answers what it answered the first time and changes nothing; with other figures it is refused
(:class:`~shop_domain.loyalty.errors.KeyReused`). Keys are per command: a refund may send its
one key to both the reversal of earned points and the restore of spent ones.
"""

from __future__ import annotations

import uuid

import attrs

from shop_domain.loyalty.errors import KeyReused
from shop_domain.loyalty.lots import Part

Request = tuple[str, tuple[int, ...]]
"""An order command as its key remembers it: its name and its figures."""


@attrs.define(slots=False, eq=False)
class OrderPoints:
    order_id: uuid.UUID
    hold_parts: list[Part] = attrs.Factory(list)
    """The lots the order's points are held from (while ``held``)."""
    spent_parts: list[Part] = attrs.Factory(list)
    """The lots the order's spent points came from, in the order they were spent."""
    held: int = 0
    captured: bool = False
    earned: int = 0
    """Points the order earned (pending, then released)."""
    paid: int = 0
    """The amount paid (minor units) that earned them: refunds reverse in proportion to it."""
    released: bool = False
    lot_id: uuid.UUID | None = None
    """The lot its earned points were released into."""
    refunded: int = 0
    """Of ``paid``, the amount refunded so far."""
    reversed: int = 0
    """Earned points reversed so far (pending ones cancelled, released ones taken back)."""
    forgiven: int = 0
    """Of ``reversed``, what a clamping programme could not take back (PTS-6)."""
    forfeited: int = 0
    """Held or spent points not given back because their lot had expired."""
    keys: dict[str, tuple[Request, int]] = attrs.Factory(dict)
    """Each command's key used (``<command>:<key>``), with its request and what it
    answered."""

    @property
    def spent(self) -> int:
        """Spent points not given back."""
        return sum(part.left for part in self.spent_parts)

    def answered(self, key: str, request: Request) -> int | None:
        """What the command with ``key`` answered, if it ran before with the same request."""
        known = self.keys.get(f"{request[0]}:{key}")
        if known is None:
            return None
        if known[0] != request:
            raise KeyReused(self.order_id, key)
        return known[1]

    def remember(self, key: str, request: Request, answer: int) -> int:
        self.keys[f"{request[0]}:{key}"] = (request, answer)
        return answer


__all__ = ["OrderPoints", "Request"]
