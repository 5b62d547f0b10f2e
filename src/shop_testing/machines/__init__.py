"""State machines over a whole runtime, to subclass with your own commands and rules while ours
keep being checked (see ``docs/testing.md``).

- :class:`CouponTemplateMachine` — one template and its coupons: claims, codes, issues, orders
  locking, using, releasing and returning coupons, voids, pauses, time and the expiry sweep;
- :class:`GiftCardMachine` — one batch and its cards: opening, pausing, discarding,
  activations (with lock-outs), spending with several cards, restoring, time past the validity;
- :class:`ShopMachine` — the base of both: a fresh ``memory://`` runtime per run, and
  :meth:`~ShopMachine.run` for its coroutines.

Each run's settings are the class's ``run_settings`` (short by default: raise
``max_examples`` for a deep run).
"""

from shop_testing.machines.base import START, ShopMachine
from shop_testing.machines.coupons import CouponTemplateMachine
from shop_testing.machines.giftcards import GiftCardMachine

__all__ = ["START", "CouponTemplateMachine", "GiftCardMachine", "ShopMachine"]
