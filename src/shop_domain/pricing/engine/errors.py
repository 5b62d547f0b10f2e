"""The errors of a quote asked for with bad input, each with its stable code."""

from __future__ import annotations

from shop_domain.shared.errors import InvalidValue


class InvalidCart(InvalidValue):
    """The cart cannot be priced: no line, two lines with one id, lines in several currencies,
    or an add-on line beyond what its offer allows."""

    code = "pricing.invalid_cart"


class InvalidChoice(InvalidValue):
    """A pick names a line that is not in the cart, or a promotion that does not fit the line
    at that level (PRO-5)."""

    code = "pricing.invalid_choice"


class CouponNotUsable(InvalidValue):
    """A coupon asked for is not in the wallet or cannot be used on this cart (CPN-6);
    ``details`` gives its reason."""

    code = "pricing.coupon_not_usable"


class CouponsNotStackable(InvalidValue):
    """CPN-8: a coupon that does not stack was asked for with another one."""

    code = "pricing.coupons_not_stackable"


class NotEnoughPoints(InvalidValue):
    """More points were asked for than the customer has or than may pay (PTS-4)."""

    code = "pricing.not_enough_points"


__all__ = [
    "CouponNotUsable",
    "CouponsNotStackable",
    "InvalidCart",
    "InvalidChoice",
    "NotEnoughPoints",
]
