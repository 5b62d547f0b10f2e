"""Invariant checks that read a runtime and fail with a clear message (:class:`InvariantBroken`
listing every breach, each naming the aggregate and the numbers that disagree).

Each check is a coroutine over a :class:`~shop_testing.harness.MemoryShop`; call it after any
test (``await check_coupon_books(shop)``), or from a state machine's ``invariant``
(``self.run(check_coupon_books(self.shop))``).

- :func:`check_coupon_books` — per template: issued ≤ total and equal to the coupons that
  exist; per-user and per-day limits; statistics equal the coupons' states; each coupon's
  fields fit its state (CPN-2, CPN-3, CPN-5, CPN-10..12);
- :func:`check_giftcard_books` — per card: balance + spent − restored = face value, within
  0..face value; usages agree with the cards and the operation history; batches with their
  cards (GC-7, GC-8, GC-10);
- :func:`check_participation_books` — per promotion: what counts of its participation log is
  within its limits, and the limits' counters are the log's counts (PRO-7);
- :func:`check_stored_promotion_conflicts` — no SKU in two stored promotions of one level
  whose windows overlap (PRO-3; :func:`check_promotion_conflicts` over promotions given);
- :func:`check_outbox` — an event for every recorded change (each context's *source*:
  :func:`catalog_changes`, :func:`coupon_changes`, :func:`giftcard_changes`,
  :func:`pricing_changes`, and yours), and
  every row an integration event of a registered type whose payload decodes (ADR 0024);
- over orders and payments (aggregates, not a runtime; synchronous): :func:`check_split`,
  :func:`check_order_amounts`, :func:`check_order_states`, :func:`check_payment` — the split
  keeps every amount and spreads fees and gift cards by MON-3, parents and children sum
  exactly, states agree with their times, refunds stay within each tender (ORD-2..4, PAY-5);
- :func:`check_allocation` — a split of money sums exactly, no share negative or above its
  base, each within one unit of its exact share, leftovers by largest remainder (MON-3, MON-4).
"""

from shop_testing.invariants.base import Findings, InvariantBroken, Recorded
from shop_testing.invariants.catalog import catalog_changes
from shop_testing.invariants.coupons import check_coupon_books, coupon_changes
from shop_testing.invariants.giftcards import check_giftcard_books, giftcard_changes
from shop_testing.invariants.money import allocation_breaches, check_allocation
from shop_testing.invariants.orders import (
    check_order_amounts,
    check_order_states,
    check_payment,
    check_split,
)
from shop_testing.invariants.outbox import OUTBOX_SOURCES, Source, check_outbox
from shop_testing.invariants.pricing import (
    check_participation_books,
    check_promotion_conflicts,
    check_stored_promotion_conflicts,
    pricing_changes,
)

__all__ = [
    "OUTBOX_SOURCES",
    "Findings",
    "InvariantBroken",
    "Recorded",
    "Source",
    "allocation_breaches",
    "catalog_changes",
    "check_allocation",
    "check_coupon_books",
    "check_giftcard_books",
    "check_order_amounts",
    "check_order_states",
    "check_outbox",
    "check_participation_books",
    "check_payment",
    "check_promotion_conflicts",
    "check_split",
    "check_stored_promotion_conflicts",
    "coupon_changes",
    "giftcard_changes",
    "pricing_changes",
]
