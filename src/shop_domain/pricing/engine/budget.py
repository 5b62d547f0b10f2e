"""The nodes a search may visit, shared by the walk over promotions and the coupon search.

A plain counter both searches hold (not a bound method of one of them), so a finished search
holds no reference cycle: its states and caches are freed as soon as the quote is made, not
left for the collector's full passes.
"""

from __future__ import annotations


class OutOfBudget(Exception):
    """The search visited as many nodes as it may."""


class Budget:
    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        """The most nodes (None: no limit)."""
        self.nodes = 0

    def tick(self) -> None:
        """Count a node; past the limit, stop the search (:class:`OutOfBudget`)."""
        self.nodes += 1
        if self.limit is not None and self.nodes > self.limit:
            raise OutOfBudget


__all__ = ["Budget", "OutOfBudget"]
