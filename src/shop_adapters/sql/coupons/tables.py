"""Tables of the coupons context (CPN-1..12).

- ``coupon_templates``: what the queries filter and sort on is a column of its own (state,
  public, distribution, the claim window, the validity, the limits, the counters, the public
  code); the terms a coupon carries to checkout (benefit, scope with its id sets, channels,
  stacking, combining) are one JSON document (:class:`TermsJson`), written and read back exactly
  (rates as decimal strings, money as minor units and currency, id sets as sorted lists).
- ``coupons``: one row per coupon, every attribute a column; the partial indexes serve the
  repository's look-ups (holdings, idempotent claims and issues, an order's coupons, the expiry
  sweep) and the wallet.
- ``coupon_code_batches`` and ``coupon_codes``: one-time codes, keyed by the code itself (no
  surrogate id: a batch may hold millions); written in bulk by the code store.
- ``coupon_stats``: running totals per template (CPN-11), spread over :data:`STATS_SLOTS` rows
  per template so that concurrent writers rarely wait for each other; read as their sum.
- ``coupon_usage_log``: every use and return (CPN-9), append-only.
"""

from __future__ import annotations

import decimal
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.engine.interfaces import Dialect

from shop_adapters.sql.metadata import Json, UtcDateTime, metadata, value_enum
from shop_domain.coupons.batches import BatchState
from shop_domain.coupons.coupon import CouponState, Via
from shop_domain.coupons.template import TemplateState
from shop_domain.coupons.terms import (
    Benefit,
    Channel,
    CouponKind,
    CouponScope,
    CouponTerms,
    Distribution,
    IssuerKind,
    ReturnPolicy,
    ScopeKind,
    ValidityKind,
)
from shop_domain.shared.money import Money

STATS_SLOTS = 8
"""Rows of running totals per template; a writer adds to one of them, readers sum them."""


# --- the terms document -----------------------------------------------------------------------

_SCOPE_SETS = (
    "category_ids",
    "brand_ids",
    "product_ids",
    "sku_ids",
    "excluded_category_ids",
    "excluded_brand_ids",
    "excluded_product_ids",
    "excluded_sku_ids",
)


def _money_out(money: Money | None) -> dict[str, Any] | None:
    return None if money is None else {"minor": money.minor, "currency": money.currency}


def _money_in(value: dict[str, Any] | None) -> Money | None:
    return None if value is None else Money(int(value["minor"]), str(value["currency"]))


def terms_to_json(terms: CouponTerms) -> dict[str, Any]:
    benefit, scope = terms.benefit, terms.scope
    return {
        "benefit": {
            "kind": benefit.kind.value,
            "value": _money_out(benefit.value),
            "rate": None if benefit.rate is None else str(benefit.rate),
            "threshold": _money_out(benefit.threshold),
            "max_discount": _money_out(benefit.max_discount),
        },
        "scope": {
            "kind": scope.kind.value,
            "shop_id": None if scope.shop_id is None else str(scope.shop_id),
            **{name: sorted(str(i) for i in getattr(scope, name)) for name in _SCOPE_SETS},
        },
        "channels": sorted(channel.value for channel in terms.channels),
        "stackable": terms.stackable,
        "combinable_with_promotions": terms.combinable_with_promotions,
    }


def terms_from_json(value: dict[str, Any]) -> CouponTerms:
    b, s = value["benefit"], value["scope"]
    return CouponTerms(
        benefit=Benefit(
            kind=CouponKind(b["kind"]),
            value=_money_in(b["value"]),
            rate=None if b["rate"] is None else decimal.Decimal(b["rate"]),
            threshold=_money_in(b["threshold"]),
            max_discount=_money_in(b["max_discount"]),
        ),
        scope=CouponScope(
            kind=ScopeKind(s["kind"]),
            shop_id=None if s["shop_id"] is None else uuid.UUID(s["shop_id"]),
            **{name: frozenset(uuid.UUID(i) for i in s[name]) for name in _SCOPE_SETS},
        ),
        channels=frozenset(Channel(c) for c in value["channels"]),
        stackable=bool(value["stackable"]),
        combinable_with_promotions=bool(value["combinable_with_promotions"]),
    )


class TermsJson(Json):
    """:class:`CouponTerms` as a JSON document (JSONB on PostgreSQL)."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else terms_to_json(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else terms_from_json(value)


# --- templates (CPN-1) ------------------------------------------------------------------------

coupon_templates = Table(
    "coupon_templates",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("state", value_enum(TemplateState, "coupon_template_state"), nullable=False),
    Column("public", Boolean, nullable=False),
    Column("distribution", value_enum(Distribution, "coupon_distribution"), nullable=False),
    Column("claim_starts_at", UtcDateTime, nullable=True),
    Column("claim_ends_at", UtcDateTime, nullable=True),
    Column("validity_kind", value_enum(ValidityKind, "coupon_validity_kind"), nullable=False),
    Column("validity_starts_at", UtcDateTime, nullable=True),
    Column("validity_ends_at", UtcDateTime, nullable=True),
    Column("validity_days", Integer, nullable=True),
    Column("total_quantity", Integer, nullable=False),
    Column("per_user", Integer, nullable=True),
    Column("per_user_per_day", Integer, nullable=True),
    Column("issued", Integer, nullable=False),
    Column("codes_reserved", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("public_code", String(32), nullable=True, unique=True),
    Column("terms", TermsJson(), nullable=False),
    Column("issuer_kind", value_enum(IssuerKind, "coupon_issuer_kind"), nullable=False),
    Column("issuer_shop_id", Uuid, nullable=True),
    Column("acquisition_points", Integer, nullable=False),
    Column("return_policy", value_enum(ReturnPolicy, "coupon_return_policy"), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)
# the operators' list (newest first, by state) and the coupon center (active, public)
_t = coupon_templates.c
Index("ix_coupon_templates_created_at", _t.created_at, _t.id)
Index("ix_coupon_templates_state_created_at", _t.state, _t.created_at)
Index("ix_coupon_templates_issuer_shop_id", _t.issuer_shop_id)

# --- coupons (CPN-2..5, CPN-10, CPN-12) -------------------------------------------------------


def _template_fk() -> ForeignKey:
    """Checked at commit (deferred): rows of a template written in the same transaction may
    reach the database in any order, and the flush needs no relationship to sort them."""
    return ForeignKey("coupon_templates.id", deferrable=True, initially="DEFERRED")


coupons = Table(
    "coupons",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("template_id", Uuid, _template_fk(), nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("state", value_enum(CouponState, "coupon_state"), nullable=False),
    Column("via", value_enum(Via, "coupon_via"), nullable=False),
    Column("acquired_at", UtcDateTime, nullable=False),
    Column("acquired_on", Date, nullable=False),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_until", UtcDateTime, nullable=False),
    Column("returnable", Boolean, nullable=False),
    Column("acquisition_key", String(100), nullable=True),
    Column("campaign_key", String(100), nullable=True),
    Column("code", String(32), nullable=True),
    Column("order_id", Uuid, nullable=True),
    Column("locked_at", UtcDateTime, nullable=True),
    Column("used_at", UtcDateTime, nullable=True),
    Column("discount_minor", BigInteger, nullable=True),
    Column("discount_currency", String(3), nullable=True),
    Column("order_amount_minor", BigInteger, nullable=True),
    Column("order_amount_currency", String(3), nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("note", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
# holdings of users for a template (per-user limits), and the center's "held by you"
Index("ix_coupons_template_id_user_id", coupons.c.template_id, coupons.c.user_id)
# a retried claim finds the coupon its key got (CPN-2, SEC-5)
Index(
    "uq_coupons_template_user_acquisition_key",
    coupons.c.template_id,
    coupons.c.user_id,
    coupons.c.acquisition_key,
    unique=True,
    postgresql_where=coupons.c.acquisition_key.is_not(None),
    sqlite_where=coupons.c.acquisition_key.is_not(None),
)
# issuing is idempotent per (campaign key, user) (CPN-3)
Index(
    "uq_coupons_template_campaign_key_user",
    coupons.c.template_id,
    coupons.c.campaign_key,
    coupons.c.user_id,
    unique=True,
    postgresql_where=coupons.c.campaign_key.is_not(None),
    sqlite_where=coupons.c.campaign_key.is_not(None),
)
# the wallet, soonest validity end first
Index("ix_coupons_user_id_valid_until", coupons.c.user_id, coupons.c.valid_until)
# an order's coupons
Index(
    "ix_coupons_order_id",
    coupons.c.order_id,
    postgresql_where=coupons.c.order_id.is_not(None),
    sqlite_where=coupons.c.order_id.is_not(None),
)
# the expiry sweep: available coupons by end of validity (CPN-12)
_AVAILABLE = text("state = 'available'")
Index(
    "ix_coupons_available_valid_until",
    coupons.c.valid_until,
    coupons.c.id,
    postgresql_where=_AVAILABLE,
    sqlite_where=_AVAILABLE,
)

# --- one-time codes (CPN-4) -------------------------------------------------------------------

coupon_code_batches = Table(
    "coupon_code_batches",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("template_id", Uuid, _template_fk(), nullable=False),
    Column("requested", Integer, nullable=False),
    Column("generated", Integer, nullable=False),
    Column("state", value_enum(BatchState, "coupon_code_batch_state"), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("version", Integer, nullable=False),
)
Index(
    "ix_coupon_code_batches_template_id_created_at",
    coupon_code_batches.c.template_id,
    coupon_code_batches.c.created_at,
)

# No foreign keys: the code store is the only writer (it checks the batch under a lock), and a
# million rows should not pay a referential check each.
coupon_codes = Table(
    "coupon_codes",
    metadata,
    Column("code", String(32), nullable=False),
    Column("template_id", Uuid, nullable=False),
    Column("batch_id", Uuid, nullable=False),
    Column("redeemed_by", Uuid, nullable=True),
    Column("coupon_id", Uuid, nullable=True),
    Column("redeemed_at", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("code"),
)
# a batch's codes in code order (the export streams them by keyset on this index)
Index("ix_coupon_codes_batch_id_code", coupon_codes.c.batch_id, coupon_codes.c.code)

# --- statistics (CPN-11) and usage log (CPN-9) ------------------------------------------------

STATS_COLUMNS = (
    "issued",
    "claimed",
    "available",
    "locked",
    "used",
    "expired",
    "voided",
    "discount_minor",
    "gmv_minor",
    "orders",
    "distinct_users",
)

coupon_stats = Table(
    "coupon_stats",
    metadata,
    Column("template_id", Uuid, nullable=False),
    Column("slot", SmallInteger, nullable=False),
    *(Column(name, BigInteger, nullable=False) for name in STATS_COLUMNS),
    PrimaryKeyConstraint("template_id", "slot"),
)

coupon_usage_log = Table(
    "coupon_usage_log",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("coupon_id", Uuid, nullable=False),
    Column("template_id", Uuid, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("order_id", Uuid, nullable=False),
    Column("action", String(16), nullable=False),
    Column("discount_minor", BigInteger, nullable=False),
    Column("order_amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)
# newest first, alone or within one template, user, order or coupon
Index("ix_coupon_usage_log_at", coupon_usage_log.c.at, coupon_usage_log.c.id)
Index("ix_coupon_usage_log_template_id_at", coupon_usage_log.c.template_id, coupon_usage_log.c.at)
Index("ix_coupon_usage_log_user_id_at", coupon_usage_log.c.user_id, coupon_usage_log.c.at)
Index("ix_coupon_usage_log_order_id", coupon_usage_log.c.order_id)
Index("ix_coupon_usage_log_coupon_id", coupon_usage_log.c.coupon_id)
