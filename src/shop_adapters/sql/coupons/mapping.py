"""Imperative mapping of the coupons' aggregates onto their tables (ADR 0003).

- ``version`` is the optimistic-lock column of :class:`CouponTemplate`, :class:`Coupon` and
  :class:`CodeBatch`. The application owns its value (``version_id_generator=False``): the flush
  listener here bumps it once per transaction for every new or changed aggregate, so versions
  read exactly as the in-memory adapter's (new: 1, then +1 per changing commit).
- The template's value objects that the queries filter on (claim window, validity, limits,
  issuer, acquisition) are composites over flat columns (:class:`AttrsComposite`); the terms are
  one JSON column (see :class:`shop_adapters.sql.coupons.tables.TermsJson`).
- A coupon's ``discount`` and ``order_amount`` are optional ``Money`` composites: all-NULL
  columns read back as ``None``.
- No relationships: a coupon or batch names its template by id, and the foreign key is checked
  at commit (deferred), so the flush may write new rows of several tables in any order.
- :class:`UniqueCode` is a slotted attrs class (it cannot be instrumented); the code repository
  reads and writes it with Core statements.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction, class_mapper
from sqlalchemy.orm.exc import UnmappedClassError

from shop_adapters.sql.catalog.mapping import AttrsComposite
from shop_adapters.sql.coupons.tables import coupon_code_batches, coupon_templates, coupons
from shop_adapters.sql.metadata import mapper_registry
from shop_domain.coupons.batches import CodeBatch
from shop_domain.coupons.coupon import Coupon
from shop_domain.coupons.template import CouponTemplate
from shop_domain.coupons.terms import Acquisition, ClaimWindow, Issuer, Limits, Validity
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.money import Money

_VERSIONED: tuple[type[Aggregate], ...] = (CouponTemplate, Coupon, CodeBatch)
_BUMPED = "shop_coupons_versioned"  # ids of aggregates bumped in this transaction


def _all_none(*values: Any) -> bool:
    return all(value is None for value in values)


def _is_mapped(cls: type) -> bool:
    try:
        class_mapper(cls)
    except UnmappedClassError:
        return False
    return True


def start_mappers() -> None:
    """Map the coupons' classes (once; calling again does nothing)."""
    if _is_mapped(Coupon):
        return
    t = coupon_templates.c
    mapper_registry.map_imperatively(
        CouponTemplate,
        coupon_templates,
        properties={
            "_claim_starts_at": t.claim_starts_at,
            "_claim_ends_at": t.claim_ends_at,
            "_validity_kind": t.validity_kind,
            "_validity_starts_at": t.validity_starts_at,
            "_validity_ends_at": t.validity_ends_at,
            "_validity_days": t.validity_days,
            "_total_quantity": t.total_quantity,
            "_per_user": t.per_user,
            "_per_user_per_day": t.per_user_per_day,
            "_issuer_kind": t.issuer_kind,
            "_issuer_shop_id": t.issuer_shop_id,
            "_acquisition_points": t.acquisition_points,
            "claim_window": AttrsComposite(ClaimWindow, t.claim_starts_at, t.claim_ends_at),
            "validity": AttrsComposite(
                Validity, t.validity_kind, t.validity_starts_at, t.validity_ends_at, t.validity_days
            ),
            "limits": AttrsComposite(Limits, t.total_quantity, t.per_user, t.per_user_per_day),
            "issuer": AttrsComposite(Issuer, t.issuer_kind, t.issuer_shop_id),
            "acquisition": AttrsComposite(Acquisition, t.acquisition_points),
        },
        version_id_col=t.version,
        version_id_generator=False,
    )
    c = coupons.c
    mapper_registry.map_imperatively(
        Coupon,
        coupons,
        properties={
            "_discount_minor": c.discount_minor,
            "_discount_currency": c.discount_currency,
            "_order_amount_minor": c.order_amount_minor,
            "_order_amount_currency": c.order_amount_currency,
            "discount": AttrsComposite(
                Money, c.discount_minor, c.discount_currency, return_none_on=_all_none
            ),
            "order_amount": AttrsComposite(
                Money, c.order_amount_minor, c.order_amount_currency, return_none_on=_all_none
            ),
        },
        version_id_col=c.version,
        version_id_generator=False,
    )
    mapper_registry.map_imperatively(
        CodeBatch,
        coupon_code_batches,
        version_id_col=coupon_code_batches.c.version,
        version_id_generator=False,
    )
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_transaction_end", _after_transaction_end)


def _before_flush(session: Session, _flush_context: UOWTransaction, _instances: Any) -> None:
    changed = [obj for obj in session.new if isinstance(obj, _VERSIONED)]
    changed += [
        obj for obj in session.dirty if isinstance(obj, _VERSIONED) and session.is_modified(obj)
    ]
    if not changed:
        return
    bumped: set[int] = session.info.setdefault(_BUMPED, set())
    for obj in changed:
        if id(obj) not in bumped:
            bumped.add(id(obj))
            obj.version += 1


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_BUMPED, None)
