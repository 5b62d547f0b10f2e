"""State machines over a whole runtime, to subclass with your own commands and rules while ours
keep being checked (see ``docs/testing.md``).

- :class:`CouponTemplateMachine` — one template and its coupons: claims, codes, issues, orders
  locking, using, releasing and returning coupons, voids, pauses, time and the expiry sweep;
- :class:`GiftCardMachine` — one batch and its cards: opening, pausing, discarding,
  activations (with lock-outs), spending with several cards, restoring, time past the validity;
- :class:`PromotionMachine` — promotions over a small catalog and their participation log:
  creating, editing, scheduling (PRO-3 refusals predicted by brute force), pausing, resuming,
  ending, time, orders recording and releasing participations within the limits (PRO-7);
- :class:`ShopMachine` — the base of all three: a fresh ``memory://`` runtime per run, and
  :meth:`~ShopMachine.run` for its coroutines.

Each run's settings are the class's ``run_settings`` (short by default: raise
``max_examples`` for a deep run).

And over aggregates alone, against plain models (subclass them with the aggregate's type —
``account_type``, ``member_type``, ``item_type``, ``redemption_type`` — and rules of your own):

- :class:`PointsAccountMachine` — one points account: grants, spends, holds, restores,
  earnings, reversals, time and the expiry sweep (PTS-2..8);
- :class:`MemberMachine` — one member: growth earned once per ref and taken back once per key,
  time leaving the window, upgrades at once and the re-evaluation (MEM-1..4);
- :class:`MallMachine` — a points-mall item, its redemptions and its customers' accounts:
  redeeming, paying, shipping, completing, cancelling, restocking (PTS-9, STK-2);
- :class:`OrderMachine` — a few orders and their payments (``order_type``, ``payment_type``):
  submitting, confirming, cancelling, shipping, receiving, refunding (ORD-2..5, PAY-2, PAY-5).

Their settings are those of their ``TestCase`` (hypothesis's defaults unless you set them).
"""

from shop_testing.machines.base import START, ShopMachine
from shop_testing.machines.coupons import CouponTemplateMachine
from shop_testing.machines.giftcards import GiftCardMachine
from shop_testing.machines.mall import MallMachine
from shop_testing.machines.membership import MemberMachine
from shop_testing.machines.orders import OrderMachine
from shop_testing.machines.points import PointsAccountMachine
from shop_testing.machines.pricing import PromotionMachine

__all__ = [
    "START",
    "CouponTemplateMachine",
    "GiftCardMachine",
    "MallMachine",
    "MemberMachine",
    "OrderMachine",
    "PointsAccountMachine",
    "PromotionMachine",
    "ShopMachine",
]
