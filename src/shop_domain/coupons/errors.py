"""Errors of the coupons context. Codes are part of the public contract: never change them."""

from __future__ import annotations

import uuid

from shop_domain.shared.errors import Conflict, Forbidden, InvalidValue, NotFound


class TemplateNotFound(NotFound):
    code = "coupon.template_not_found"

    def __init__(self, template_id: uuid.UUID) -> None:
        super().__init__(
            f"no coupon template {template_id}", details={"template_id": str(template_id)}
        )


class CouponNotFound(NotFound):
    code = "coupon.not_found"

    def __init__(self, coupon_id: uuid.UUID) -> None:
        super().__init__(f"no coupon {coupon_id}", details={"coupon_id": str(coupon_id)})


class CodeNotFound(NotFound):
    """A wrong code. Deliberately says nothing about why (unknown, used, other template)."""

    code = "coupon.code_invalid"

    def __init__(self) -> None:
        super().__init__("this code is not valid")


class CodeBatchNotFound(NotFound):
    code = "coupon.code_batch_not_found"

    def __init__(self, batch_id: uuid.UUID) -> None:
        super().__init__(f"no code batch {batch_id}", details={"batch_id": str(batch_id)})


class CodeBatchMismatch(InvalidValue):
    """The code batch belongs to another template."""

    code = "coupon.batch_mismatch"


class InvalidTemplate(InvalidValue):
    code = "coupon.invalid_template"


class TemplateNotEditable(Conflict):
    code = "coupon.template_not_editable"


class TemplateStateConflict(Conflict):
    code = "coupon.template_state"


class PointsExchangeUnavailable(Conflict):
    code = "coupon.points_exchange_unavailable"


class CouponNotAvailable(Conflict):
    """The coupon is not in a state that allows this (CPN-5)."""

    code = "coupon.not_available"


class CouponValidityEnded(Conflict):
    code = "coupon.expired"


class CouponNotYetValid(Conflict):
    code = "coupon.not_yet_valid"


class NotYourCoupon(Forbidden):
    code = "coupon.not_owner"


class CouponsConflictOnOrder(Conflict):
    """The coupons asked for cannot go on one order together."""

    code = "coupon.order_conflict"
