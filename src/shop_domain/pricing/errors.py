"""The pricing context's errors, each with its stable code."""

from __future__ import annotations

from shop_domain.shared.errors import Conflict, InvalidValue, NotFound


class InvalidPromotion(InvalidValue):
    """A promotion's definition breaks a rule of its kind or of PRO-2."""

    code = "promotion.invalid"


class InvalidGiftPick(InvalidValue):
    """The customer's pick from a gift pool does not fit it: a gift not in the pool, more of a
    gift than its maximum, or more gifts than the pool gives."""

    code = "promotion.invalid_gift_pick"


class UnknownPromotionKind(InvalidValue):
    code = "promotion.unknown_kind"


class PromotionStateConflict(Conflict):
    """The lifecycle does not allow this move from the promotion's status (PRO-2)."""

    code = "promotion.state_conflict"


class PromotionConflict(Conflict):
    """PRO-3: the promotion's SKUs are already in a promotion of the same level whose window
    overlaps. ``details`` names the clashing promotion and the SKUs."""

    code = "promotion.conflict"


class PromotionNotFound(NotFound):
    code = "promotion.not_found"


__all__ = [
    "InvalidGiftPick",
    "InvalidPromotion",
    "PromotionConflict",
    "PromotionNotFound",
    "PromotionStateConflict",
    "UnknownPromotionKind",
]
