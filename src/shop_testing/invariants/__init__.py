"""Invariant checks that read a runtime and fail with a clear message (:class:`InvariantBroken`).

Each check is a coroutine over a :class:`~shop_testing.harness.MemoryShop`; call it after any
test, or from a state machine's ``invariant`` (``self.run(check_coupon_books(self.shop))``).
"""

from shop_testing.invariants.base import Findings, InvariantBroken, Recorded

__all__ = ["Findings", "InvariantBroken", "Recorded"]
