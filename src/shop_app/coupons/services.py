"""What the coupons offer adapters besides the bus: the read side and the bulk work behind
jobs. Every use case is a command sent through the bus (decision 0027)."""

from __future__ import annotations

import attrs

from shop_app.coupons.codegen import CodeGenerator
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.queries import CouponQueries
from shop_app.coupons.segments import SegmentIssuer


@attrs.define(eq=False)
class CouponServices:
    """The read side (``queries``), the code generator and the segment stager behind their
    jobs, and the installation's policy."""

    queries: CouponQueries
    generator: CodeGenerator
    segments: SegmentIssuer
    policy: CouponPolicy
