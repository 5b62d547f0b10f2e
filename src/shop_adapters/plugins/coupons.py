"""Coupons as a plug-in: templates, claiming, one-time codes, wallets, orders (CPN-*)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any

from shop_adapters.plugin import ContextPlugin, Wiring
from shop_adapters.sql.coupons.codes import SqlCodeStore
from shop_adapters.sql.coupons.ledger import SqlCouponLedger
from shop_adapters.sql.coupons.queries import SqlCouponQueries
from shop_adapters.sql.coupons.repositories import (
    SqlCodeBatchRepository,
    SqlCouponRepository,
    SqlTemplateRepository,
    SqlUniqueCodeRepository,
)
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


def _wire(wiring: Wiring) -> None:
    settings, engine = wiring.settings, wiring.engine
    policy = CouponPolicy(
        timezone=zoneinfo.ZoneInfo(settings.coupon_timezone),
        code_attempts=settings.coupon_code_attempts,
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
        claim_batch=wiring.settings.coupon_claim_batch,
    )


def _jobs(wiring: Wiring) -> Mapping[str, JobHandler]:
    services: CouponServices = wiring.resolve(CouponServices)
    return {GENERATE_CODES: services.generator.run_job, ISSUE_SEGMENT: services.segments.run_job}


PLUGIN = ContextPlugin(
    name="coupons",
    tables=("shop_adapters.sql.coupons.tables", "shop_adapters.sql.coupons.segments"),
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
