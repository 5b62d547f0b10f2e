"""SQL repositories of coupons (the Protocols of :mod:`shop_app.coupons.ports`).

They behave like the in-memory ones: a unit of work sees its own writes (pending changes are
flushed before a query), and a flush refused for a stale version or a clashing row raises the
same errors as the commit would. Row locks are taken where PostgreSQL has them (``FOR UPDATE``
on a template, on coupons and on codes, with ``SKIP LOCKED`` for the sweep);
SQLite needs none, as every transaction holds its write lock from the start (``BEGIN
IMMEDIATE``). Locked reads refresh the rows already in the session (``populate_existing``), so
what the aggregate decides on is what is locked.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    bindparam,
    case,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from shop_adapters.sql.coupons.tables import coupon_codes, coupon_templates, coupons
from shop_adapters.sql.uow import A, SqlRepository, SqlUnitOfWork
from shop_domain.coupons.batches import CodeBatch, UniqueCode
from shop_domain.coupons.coupon import Coupon, CouponState
from shop_domain.coupons.errors import CodeBatchNotFound, CouponNotFound, TemplateNotFound
from shop_domain.coupons.template import CouponTemplate, Holdings
from shop_domain.shared.errors import ConcurrencyConflict

_PG_HOLDINGS = text(
    "SELECT u.user_id, h.total, h.today FROM unnest(:users) AS u(user_id) "
    "CROSS JOIN LATERAL (SELECT count(*) AS total, "
    "count(*) FILTER (WHERE c.acquired_on = :today) AS today FROM coupons AS c "
    "WHERE c.template_id = :template_id AND c.user_id = u.user_id) AS h WHERE h.total > 0"
).bindparams(bindparam("users", type_=ARRAY(UUID(as_uuid=True))))


def _new_row(coupon: Coupon) -> dict[str, Any]:
    """The row of a coupon just handed out (nothing about an order yet)."""
    return {
        "id": coupon.id,
        "template_id": coupon.template_id,
        "user_id": coupon.user_id,
        "state": coupon.state,
        "via": coupon.via,
        "acquired_at": coupon.acquired_at,
        "acquired_on": coupon.acquired_on,
        "valid_from": coupon.valid_from,
        "valid_until": coupon.valid_until,
        "returnable": coupon.returnable,
        "acquisition_key": coupon.acquisition_key,
        "campaign_key": coupon.campaign_key,
        "code": coupon.code,
        "order_id": coupon.order_id,
        "locked_at": coupon.locked_at,
        "used_at": coupon.used_at,
        "discount_minor": None,
        "discount_currency": None,
        "order_amount_minor": None,
        "order_amount_currency": None,
        "closed_at": coupon.closed_at,
        "note": coupon.note,
        "version": 1,
    }


class _CouponsRepository(SqlRepository[A]):
    """The coupons' repositories: the shared SQL base, nothing more yet."""


class SqlTemplateRepository(_CouponsRepository[CouponTemplate]):
    aggregate_type = CouponTemplate
    not_found = staticmethod(TemplateNotFound)

    async def get_for_update(self, id_: uuid.UUID) -> CouponTemplate:
        found = await self._select(
            select(CouponTemplate).where(coupon_templates.c.id == id_).with_for_update(),
            locked=True,
        )
        if not found:
            raise TemplateNotFound(id_)
        return found[0]

    async def find_by_public_code(self, code: str) -> CouponTemplate | None:
        found = await self._select(
            select(CouponTemplate)
            .where(coupon_templates.c.public_code == code)
            .order_by(coupon_templates.c.id)
            .limit(1)
        )
        return found[0] if found else None


class SqlCouponRepository(_CouponsRepository[Coupon]):
    aggregate_type = Coupon
    not_found = staticmethod(CouponNotFound)

    def __init__(self, uow: SqlUnitOfWork) -> None:
        super().__init__(uow)
        self._new: list[Coupon] = []

    def add_many(self, coupons_: Sequence[Coupon]) -> None:
        """New coupons in bulk (a claim batch): written with one Core ``INSERT`` of many rows
        rather than through the ORM's flush, which costs twice as much per row. The unit of
        work still tracks each coupon, so their events reach the outbox."""
        self._new.extend(coupons_)
        track = self._uow.track
        for coupon in coupons_:
            track(coupon)

    async def write_new(self) -> None:
        """Insert the coupons of :meth:`add_many` (before any read of coupons, and at commit)."""
        new, self._new = self._new, []
        if not new:
            return
        await self.session.execute(insert(coupons), [_new_row(coupon) for coupon in new])
        for coupon in new:
            coupon.version = 1

    async def _flush(self) -> None:
        await self.write_new()
        await super()._flush()

    async def lock_many(self, ids: Collection[uuid.UUID]) -> list[Coupon]:
        if not ids:
            return []
        return await self._select(
            select(Coupon)
            .where(self._among(coupons.c.id, sorted(set(ids))))
            .order_by(coupons.c.id)
            .with_for_update(),
            locked=True,
        )

    async def for_order(self, order_id: uuid.UUID) -> list[Coupon]:
        return await self._select(
            select(Coupon)
            .where(
                coupons.c.order_id == order_id,
                coupons.c.state.in_((CouponState.LOCKED, CouponState.USED)),
            )
            .order_by(coupons.c.id)
            .with_for_update(),
            locked=True,
        )

    async def holdings(
        self, template_id: uuid.UUID, user_ids: Collection[uuid.UUID], today: dt.date
    ) -> dict[uuid.UUID, Holdings]:
        if not user_ids:
            return {}
        await self._flush()
        c = coupons.c
        if self.session.get_bind().dialect.name == "postgresql":
            # one index probe per user: a hot template outgrows the planner's statistics, and
            # a plain GROUP BY then scans every coupon of the template under the row lock
            rows = (
                await self.session.execute(
                    _PG_HOLDINGS,
                    {"users": list(set(user_ids)), "template_id": template_id, "today": today},
                )
            ).all()
            return {row.user_id: Holdings(int(row.total), int(row.today)) for row in rows}
        statement = (
            select(
                c.user_id,
                func.count().label("total"),
                func.sum(case((c.acquired_on == today, 1), else_=0)).label("today"),
            )
            .where(c.template_id == template_id, self._among(c.user_id, set(user_ids)))
            .group_by(c.user_id)
        )
        rows = (await self.session.execute(statement)).all()
        return {row.user_id: Holdings(int(row.total), int(row.today)) for row in rows}

    async def by_acquisition_keys(
        self, template_id: uuid.UUID, keys: Collection[tuple[uuid.UUID, str]]
    ) -> dict[tuple[uuid.UUID, str], Coupon]:
        if not keys:
            return {}
        wanted = set(keys)
        c = coupons.c
        found = await self._select(
            select(Coupon).where(
                c.template_id == template_id,
                self._among(c.user_id, {user for user, _ in wanted}),
                self._among(c.acquisition_key, {key for _, key in wanted}),
            )
        )
        # the two lists may also match a user with another user's key: keep the exact pairs
        return {
            (k.user_id, k.acquisition_key): k
            for k in found
            if k.acquisition_key is not None and (k.user_id, k.acquisition_key) in wanted
        }

    async def issued_for_campaign(
        self, template_id: uuid.UUID, campaign_key: str, user_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Coupon]:
        if not user_ids:
            return {}
        c = coupons.c
        found = await self._select(
            select(Coupon).where(
                c.template_id == template_id,
                c.campaign_key == campaign_key,
                self._among(c.user_id, set(user_ids)),
            )
        )
        return {k.user_id: k for k in found}

    async def due_to_expire(self, now: dt.datetime, limit: int) -> list[Coupon]:
        c = coupons.c
        return await self._select(
            select(Coupon)
            # the state inline, not a parameter: a generic plan must still see that the
            # partial index of available coupons (ix_coupons_available_valid_until) applies
            .where(c.state == literal_column("'available'"), c.valid_until <= now)
            .order_by(c.valid_until, c.id)
            .limit(limit)
            .with_for_update(skip_locked=True),
            locked=True,
        )


class SqlCodeBatchRepository(_CouponsRepository[CodeBatch]):
    aggregate_type = CodeBatch
    not_found = staticmethod(CodeBatchNotFound)


class SqlUniqueCodeRepository:
    """One-time codes with Core statements: read locked, written back at commit."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self.session = uow.session
        self._pending: dict[str, UniqueCode] = {}

    async def find_for_update(self, code: str) -> UniqueCode | None:
        if code in self._pending:
            return self._pending[code]
        k = coupon_codes.c
        row = (
            await self.session.execute(
                select(k.code, k.template_id, k.batch_id, k.redeemed_by, k.coupon_id, k.redeemed_at)
                .where(k.code == code)
                .with_for_update()
            )
        ).one_or_none()
        if row is None:
            return None
        return UniqueCode(
            code=row.code,
            template_id=row.template_id,
            batch_id=row.batch_id,
            redeemed_by=row.redeemed_by,
            coupon_id=row.coupon_id,
            redeemed_at=row.redeemed_at,
        )

    def save(self, code: UniqueCode) -> None:
        self._pending[code.code] = code

    async def write_pending(self) -> None:
        """Write the saved codes (the unit of work calls this as it commits). A code someone
        else redeemed meanwhile refuses the commit, as the in-memory store does."""
        pending, self._pending = self._pending, {}
        k = coupon_codes.c
        for code in pending.values():
            result = await self.session.execute(
                update(coupon_codes)
                .where(
                    k.code == code.code,
                    (k.redeemed_by.is_(None) | (k.redeemed_by == code.redeemed_by))
                    if code.redeemed_by is not None
                    else k.redeemed_by.is_(None),
                )
                .values(
                    redeemed_by=code.redeemed_by,
                    coupon_id=code.coupon_id,
                    redeemed_at=code.redeemed_at,
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise ConcurrencyConflict("the code was redeemed by someone else meanwhile")
