"""The coupons' aggregates in their tables (the mapper of ADR 0023).

- The template's value objects that the queries filter on (claim window, validity, limits,
  issuer, acquisition) spread over flat columns; its terms are one JSON column (see
  :class:`shop_adapters.sql.coupons.tables.TermsJson`).
- A coupon's ``discount`` and ``order_amount`` are optional ``Money``: all-NULL columns read
  back as ``None``.
- A coupon or batch names its template by id; the foreign key is checked at commit (deferred),
  so new rows of several tables may be written in any order.
- :class:`~shop_domain.coupons.batches.UniqueCode` is a slotted value: the code repository
  reads and writes it with statements of its own.
"""

from __future__ import annotations

from shop_adapters.sql.coupons.tables import coupon_code_batches, coupon_templates, coupons
from shop_adapters.sql.mapper import TableMap, money, value
from shop_domain.coupons.batches import CodeBatch
from shop_domain.coupons.coupon import Coupon
from shop_domain.coupons.template import CouponTemplate
from shop_domain.coupons.terms import Acquisition, ClaimWindow, Issuer, Limits, Validity

TEMPLATES = TableMap(
    CouponTemplate,
    coupon_templates,
    values=[
        value("claim_window", ClaimWindow, "claim_starts_at", "claim_ends_at"),
        value(
            "validity",
            Validity,
            "validity_kind",
            "validity_starts_at",
            "validity_ends_at",
            "validity_days",
        ),
        value("limits", Limits, "total_quantity", "per_user", "per_user_per_day"),
        value("issuer", Issuer, "issuer_kind", "issuer_shop_id"),
        value("acquisition", Acquisition, "acquisition_points"),
    ],
)
COUPONS = TableMap(
    Coupon,
    coupons,
    values=[
        money("discount", "discount_minor", "discount_currency", optional=True),
        money("order_amount", "order_amount_minor", "order_amount_currency", optional=True),
    ],
)
CODE_BATCHES = TableMap(CodeBatch, coupon_code_batches)
