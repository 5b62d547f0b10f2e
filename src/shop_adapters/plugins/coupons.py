"""Coupons as a plug-in: templates, claiming, one-time codes, wallets, orders (CPN-*)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from shop_adapters.plugin import ContextPlugin, RetainedTable, Wiring
from shop_adapters.settings import InvalidSetting, env_int
from shop_adapters.sql.coupons.codes import SqlCodeStore
from shop_adapters.sql.coupons.ledger import SqlCouponLedger
from shop_adapters.sql.coupons.queries import SqlCouponQueries
from shop_adapters.sql.coupons.repositories import (
    SqlCodeBatchRepository,
    SqlCouponRepository,
    SqlTemplateRepository,
    SqlUniqueCodeRepository,
)
from shop_adapters.sql.coupons.retention import SEGMENTS, SqlSegmentPurge
from shop_adapters.sql.coupons.segments import SqlSegmentStore
from shop_app.coupons.codegen import GENERATE_CODES, CodeGenerator
from shop_app.coupons.handlers import coupon_command_handlers
from shop_app.coupons.middlewares import coupon_middlewares
from shop_app.coupons.policy import CouponPolicy
from shop_app.coupons.ports import CodeStore
from shop_app.coupons.queries import CouponQueries
from shop_app.coupons.segments import ISSUE_SEGMENT, SegmentIssuer, SegmentStore
from shop_app.coupons.services import CouponServices
from shop_app.shared.jobs import JobHandler
from shop_app.shared.messagebus import CommandHandler, MessageBus, UnitOfWorkFactory
from shop_app.shared.middleware import Middleware
from shop_app.shared.ratelimit import AttemptLimiter


@attrs.frozen(kw_only=True)
class CouponSettings:
    """The coupons' settings section (``settings.section(CouponSettings)``)."""

    timezone: str = "UTC"
    """``SHOP_COUPON_TIMEZONE``: the business day of per-user-per-day limits (CPN-2)."""
    claim_batch: int = 200
    """``SHOP_COUPON_CLAIM_BATCH``: most claims of one template decided in one transaction."""
    code_attempts: int = 10
    """``SHOP_COUPON_CODE_ATTEMPTS``: wrong codes per user within 15 minutes before a lock-out."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> CouponSettings:
        default = cls()
        zone = env.get("SHOP_COUPON_TIMEZONE", default.timezone)
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidSetting(
                f"SHOP_COUPON_TIMEZONE is not a known time zone: {zone!r}"
            ) from exc
        claim_batch = env_int(env, "SHOP_COUPON_CLAIM_BATCH", default.claim_batch)
        code_attempts = env_int(env, "SHOP_COUPON_CODE_ATTEMPTS", default.code_attempts)
        if claim_batch < 1 or code_attempts < 1:
            raise InvalidSetting(
                "SHOP_COUPON_CLAIM_BATCH and SHOP_COUPON_CODE_ATTEMPTS are at least 1"
            )
        return cls(timezone=zone, claim_batch=claim_batch, code_attempts=code_attempts)


def _wire(wiring: Wiring) -> None:
    section, engine = wiring.settings.section(CouponSettings), wiring.engine
    policy = CouponPolicy(
        timezone=zoneinfo.ZoneInfo(section.timezone), code_attempts=section.code_attempts
    )
    wiring.add(CouponPolicy, policy)
    wiring.add(CouponQueries, SqlCouponQueries(engine))
    wiring.add(CodeStore, SqlCodeStore(engine))
    wiring.add(SegmentStore, SqlSegmentStore(engine, wiring.clock))

    def services() -> CouponServices:
        uow_factory: Any = wiring.resolve(UnitOfWorkFactory)  # has every context's repositories
        return CouponServices(
            queries=wiring.resolve(CouponQueries),
            generator=CodeGenerator(uow_factory, wiring.resolve(CodeStore), wiring.clock, policy),
            segments=SegmentIssuer(
                wiring.resolve(MessageBus), wiring.resolve(SegmentStore), policy
            ),
            policy=policy,
        )

    wiring.add_lazy(CouponServices, services)


def _handlers(wiring: Wiring) -> Mapping[type, CommandHandler]:
    return coupon_command_handlers(wiring.resolve(CouponPolicy))


def _middlewares(wiring: Wiring) -> Sequence[Middleware]:
    return coupon_middlewares(
        wiring.resolve(CouponPolicy),
        wiring.resolve(AttemptLimiter),
        wiring.clock,
        claim_batch=wiring.settings.section(CouponSettings).claim_batch,
    )


def _jobs(wiring: Wiring) -> Mapping[str, JobHandler]:
    services: CouponServices = wiring.resolve(CouponServices)
    return {GENERATE_CODES: services.generator.run_job, ISSUE_SEGMENT: services.segments.run_job}


PLUGIN = ContextPlugin(
    name="coupons",
    tables=("shop_adapters.sql.coupons.tables", "shop_adapters.sql.coupons.segments"),
    settings=CouponSettings,
    retention=(
        RetainedTable(rule=SEGMENTS, purge=lambda wiring: SqlSegmentPurge(wiring.engine).purge),
    ),
    wire=_wire,
    handlers=_handlers,
    middlewares=_middlewares,
    repositories={
        "coupon_templates": SqlTemplateRepository,
        "coupons": SqlCouponRepository,
        "code_batches": SqlCodeBatchRepository,
        "unique_codes": SqlUniqueCodeRepository,
    },
    projections=(SqlCouponLedger,),
    jobs=_jobs,
    services=(CouponServices, CouponQueries),
    http="shop_adapters.http.coupons:COUPON_CONTROLLERS",
    cli="shop_adapters.cli.coupons:COUPON_COMMANDS",
)
