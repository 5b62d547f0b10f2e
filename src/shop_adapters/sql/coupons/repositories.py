"""SQL repositories of coupons (the Protocols of :mod:`shop_app.coupons.ports`).

A unit of work sees its own writes (pending changes are written before a query), and a write
refused for a stale version or a clashing row raises the same errors as the commit would. Row
locks are taken where PostgreSQL has them (``FOR UPDATE`` on a template, on coupons and on
codes, with ``SKIP LOCKED`` for the sweep); SQLite needs none, as every transaction holds its
write lock from the start (``BEGIN IMMEDIATE``). Locked reads refresh the objects the unit of
work holds already, so what the aggregate decides on is what is locked.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection

from sqlalchemy import (
    Date,
    Integer,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from shop_adapters.sql.coupons.mapping import CODE_BATCHES, COUPONS, TEMPLATES
from shop_adapters.sql.coupons.tables import coupon_codes, coupon_templates, coupons
from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.mapper import member_of
from shop_adapters.sql.uow import SqlRepository, SqlUnitOfWork
from shop_domain.coupons.batches import CodeBatch, UniqueCode
from shop_domain.coupons.coupon import Coupon, CouponState
from shop_domain.coupons.errors import CodeBatchNotFound, CouponNotFound, TemplateNotFound
from shop_domain.coupons.template import CouponTemplate, Holdings
from shop_domain.shared.errors import ConcurrencyConflict

_PG_HOLDINGS_SQL = (
    text(
        "SELECT u.user_id, h.total, h.today FROM unnest(:users) AS u(user_id) "
        "CROSS JOIN LATERAL (SELECT count(*) AS total, "
        "count(*) FILTER (WHERE c.acquired_on = :today) AS today FROM coupons AS c "
        "WHERE c.template_id = :template_id AND c.user_id = u.user_id) AS h WHERE h.total > 0"
    )
    .bindparams(
        bindparam("users", type_=ARRAY(UUID(as_uuid=True))),
        bindparam("template_id", type_=UUID(as_uuid=True)),
        bindparam("today", type_=Date),
    )
    .columns(user_id=UUID(as_uuid=True), total=Integer, today=Integer)
)
_PG_HOLDINGS = Prepared(_PG_HOLDINGS_SQL)


_t, _c, _k = coupon_templates.c, coupons.c, coupon_codes.c
_HELD = (CouponState.LOCKED, CouponState.USED)
_TEMPLATE_BY_PUBLIC_CODE = Prepared(
    TEMPLATES.select_all.where(_t.public_code == bindparam("code")).order_by(_t.id).limit(1)
)
_HELD_BY_ORDER = and_(
    _c.order_id == bindparam("order_id"),
    # the states inline: a Prepared statement binds no lists
    _c.state.in_([literal_column(f"'{state.value}'") for state in _HELD]),
)
_COUPONS_OF_ORDER = Prepared(
    COUPONS.select_all.where(_HELD_BY_ORDER).order_by(_c.id).with_for_update()
)
_ON_ORDER_OR_ASKED = Prepared(
    lambda dialect: (
        COUPONS.select_all.where(or_(_HELD_BY_ORDER, member_of(_c.id, "ids", dialect)))
        .order_by(_c.id)
        .with_for_update()
    )
)
_SQLITE_HOLDINGS = Prepared(
    lambda dialect: (
        select(
            _c.user_id,
            func.count().label("total"),
            func.sum(case((_c.acquired_on == bindparam("today"), 1), else_=0)).label("today"),
        )
        .where(_c.template_id == bindparam("template_id"), member_of(_c.user_id, "users", dialect))
        .group_by(_c.user_id)
    )
)
_BY_ACQUISITION_KEYS = Prepared(
    lambda dialect: COUPONS.select_all.where(
        _c.template_id == bindparam("template_id"),
        member_of(_c.user_id, "users", dialect),
        member_of(_c.acquisition_key, "keys", dialect),
    )
)
_ISSUED_FOR_CAMPAIGN = Prepared(
    lambda dialect: COUPONS.select_all.where(
        _c.template_id == bindparam("template_id"),
        _c.campaign_key == bindparam("campaign_key"),
        member_of(_c.user_id, "users", dialect),
    )
)
_DUE_TO_EXPIRE = Prepared(
    COUPONS.select_all
    # the state inline, not a parameter: a generic plan must still see that the partial
    # index of available coupons (ix_coupons_available_valid_until) applies
    .where(_c.state == literal_column("'available'"), _c.valid_until <= bindparam("now"))
    .order_by(_c.valid_until, _c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_CODE_FOR_UPDATE = Prepared(
    select(_k.code, _k.template_id, _k.batch_id, _k.redeemed_by, _k.coupon_id, _k.redeemed_at)
    .where(_k.code == bindparam("code"))
    .with_for_update()
)
_REDEEM_CODE = Prepared(
    update(coupon_codes)
    .where(
        _k.code == bindparam("k_code"),
        or_(_k.redeemed_by.is_(None), _k.redeemed_by == bindparam("k_redeemed_by")),
    )
    .values(
        redeemed_by=bindparam("redeemed_by"),
        coupon_id=bindparam("coupon_id"),
        redeemed_at=bindparam("redeemed_at"),
    )
)


class SqlTemplateRepository(SqlRepository[CouponTemplate]):
    table = TEMPLATES
    not_found = staticmethod(TemplateNotFound)

    async def find_by_public_code(self, code: str) -> CouponTemplate | None:
        found = await self._load(_TEMPLATE_BY_PUBLIC_CODE, {"code": code})
        return found[0] if found else None


class SqlCouponRepository(SqlRepository[Coupon]):
    table = COUPONS
    not_found = staticmethod(CouponNotFound)

    async def for_order(self, order_id: uuid.UUID) -> list[Coupon]:
        return await self._load(_COUPONS_OF_ORDER, {"order_id": order_id}, locked=True)

    async def lock_for_order(
        self, order_id: uuid.UUID, ids: Collection[uuid.UUID]
    ) -> tuple[list[Coupon], list[Coupon]]:
        wanted = set(ids)
        found = await self._load(
            _ON_ORDER_OR_ASKED, {"order_id": order_id, "ids": sorted(wanted)}, locked=True
        )
        on_order = [c for c in found if c.order_id == order_id and c.state in _HELD]
        return on_order, [c for c in found if c.id in wanted]

    async def holdings(
        self, template_id: uuid.UUID, user_ids: Collection[uuid.UUID], today: dt.date
    ) -> dict[uuid.UUID, Holdings]:
        if not user_ids:
            return {}
        await self._flush()
        users = sorted(set(user_ids))
        params = {"users": users, "template_id": template_id, "today": today}
        # PostgreSQL: one index probe per user: a hot template outgrows the planner's
        # statistics, and a plain GROUP BY then scans every coupon of the template under the
        # row lock
        holdings = _PG_HOLDINGS if self._postgres else _SQLITE_HOLDINGS
        rows = await self._tracker.rows(holdings, params)
        return {user: Holdings(int(total), int(today_)) for user, total, today_ in rows}

    async def by_acquisition_keys(
        self, template_id: uuid.UUID, keys: Collection[tuple[uuid.UUID, str]]
    ) -> dict[tuple[uuid.UUID, str], Coupon]:
        if not keys:
            return {}
        wanted = set(keys)
        found = await self._load(
            _BY_ACQUISITION_KEYS,
            {
                "template_id": template_id,
                "users": sorted({user for user, _ in wanted}),
                "keys": sorted({key for _, key in wanted}),
            },
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
        found = await self._load(
            _ISSUED_FOR_CAMPAIGN,
            {
                "template_id": template_id,
                "campaign_key": campaign_key,
                "users": sorted(set(user_ids)),
            },
        )
        return {k.user_id: k for k in found}

    async def due_to_expire(self, now: dt.datetime, limit: int) -> list[Coupon]:
        return await self._load(_DUE_TO_EXPIRE, {"now": now, "limit": limit}, locked=True)


class SqlCodeBatchRepository(SqlRepository[CodeBatch]):
    table = CODE_BATCHES
    not_found = staticmethod(CodeBatchNotFound)


class SqlUniqueCodeRepository:
    """One-time codes with Core statements: read locked, written back at commit."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._link = uow.link
        self._pending: dict[str, UniqueCode] = {}

    async def find_for_update(self, code: str) -> UniqueCode | None:
        if code in self._pending:
            return self._pending[code]
        rows = await self._link.fetch(_CODE_FOR_UPDATE, {"code": code})
        if not rows:
            return None
        code_, template_id, batch_id, redeemed_by, coupon_id, redeemed_at = rows[0]
        return UniqueCode(
            code=code_,
            template_id=template_id,
            batch_id=batch_id,
            redeemed_by=redeemed_by,
            coupon_id=coupon_id,
            redeemed_at=redeemed_at,
        )

    def save(self, code: UniqueCode) -> None:
        self._pending[code.code] = code

    async def before_commit(self) -> None:
        """Write the saved codes (the unit of work calls this as it commits). A code someone
        else redeemed meanwhile refuses the commit."""
        pending, self._pending = self._pending, {}
        for code in pending.values():
            changed = await self._link.execute(
                _REDEEM_CODE,
                {
                    "k_code": code.code,
                    "k_redeemed_by": code.redeemed_by,
                    "redeemed_by": code.redeemed_by,
                    "coupon_id": code.coupon_id,
                    "redeemed_at": code.redeemed_at,
                },
            )
            if changed != 1:
                raise ConcurrencyConflict("the code was redeemed by someone else meanwhile")
