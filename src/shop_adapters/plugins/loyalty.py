"""Loyalty as a plug-in: points accounts with lots, expiry, holds and reversals (PTS-*);
membership with levels (MEM-*) and a verified phone, whose SMS code the bus spends before the
verification runs — the gift cards bound to that number are the member's (GC-5: this plug-in
answers the gift cards' ``VerifiedPhones``); the points mall.

Its settings are the installation's points programme — in force until an operator changes it
over HTTP (``PUT /loyalty/programme``; the stored one wins from then on):
``SHOP_POINTS_EXPIRY`` (``calendar:1`` — points of year N last to the end of year N+1 —,
``rolling:<months>`` or ``never``), ``SHOP_POINTS_TIME_ZONE`` (where days and years end,
``Asia/Shanghai``) and ``SHOP_POINTS_SHORTFALL`` (``clamp`` or ``negative``: what a reversal
does when the points it takes back were spent, PTS-6).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from shop_adapters.plugin import ContextPlugin, Wiring
from shop_adapters.plugins.loyalty_checkout import LoyaltyPoints
from shop_adapters.plugins.loyalty_coupons import CouponsForPoints
from shop_adapters.plugins.loyalty_members import LevelMultipliers, MemberFacts, MemberPhones
from shop_adapters.settings import InvalidSetting
from shop_adapters.sql.loyalty.mall import SqlMallItemRepository, SqlRedemptionRepository
from shop_adapters.sql.loyalty.mall_queries import SqlMallQueries
from shop_adapters.sql.loyalty.member_queries import SqlMemberLevels
from shop_adapters.sql.loyalty.members import SqlMemberRepository
from shop_adapters.sql.loyalty.programme import SqlProgrammeReads, SqlProgrammeRepository
from shop_adapters.sql.loyalty.queries import SqlPointsQueries
from shop_adapters.sql.loyalty.repositories import (
    SqlCheckInRepository,
    SqlPointsAccountRepository,
)
from shop_adapters.sql.loyalty.sweep import SqlPointsSweep
from shop_app.coupons.policy import CouponPolicy
from shop_app.giftcards.ports import VerifiedPhones
from shop_app.loyalty.earning import earning_command_handlers
from shop_app.loyalty.handlers import points_command_handlers
from shop_app.loyalty.mall import mall_command_handlers
from shop_app.loyalty.membership import membership_command_handlers
from shop_app.loyalty.phones import phone_handlers, phone_middlewares
from shop_app.loyalty.ports import PointsMultipliers
from shop_app.loyalty.programme import (
    CurrentProgramme,
    ProgrammeReads,
    programme_command_handlers,
)
from shop_app.loyalty.queries import MallQueries, MemberReads, PointsQueries
from shop_app.pricing.customers import CustomerFactsSource
from shop_app.pricing.quoting import PointsSource
from shop_app.shared.messagebus import CommandHandler
from shop_app.shared.middleware import Middleware
from shop_app.shared.otp import OneTimeCodes
from shop_app.shared.ratelimit import AttemptLimiter
from shop_domain.loyalty.errors import InvalidProgramme
from shop_domain.loyalty.expiry import expiry_policy
from shop_domain.loyalty.programme import Programme


@attrs.frozen(kw_only=True)
class LoyaltySettings:
    """The points programme (``settings.section(LoyaltySettings)``)."""

    programme: Programme = attrs.Factory(Programme)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LoyaltySettings:
        expiry = env.get("SHOP_POINTS_EXPIRY", "calendar:1").strip()
        zone = env.get("SHOP_POINTS_TIME_ZONE", "Asia/Shanghai").strip()
        shortfall = env.get("SHOP_POINTS_SHORTFALL", "clamp").strip()
        name, _, figure = expiry.partition(":")
        try:
            if name == "never":
                params: dict[str, object] = {}
            elif name in ("rolling", "calendar") and figure.isdigit():
                params = {
                    "months" if name == "rolling" else "years": int(figure),
                    "time_zone": zone,
                }
            else:
                raise InvalidProgramme(f"unknown expiry {expiry!r}")
            return cls(programme=Programme(expiry_policy(name, params), shortfall, time_zone=zone))
        except InvalidProgramme as bad:
            raise InvalidSetting(
                "SHOP_POINTS_EXPIRY is calendar:<years>, rolling:<months> or never; "
                "SHOP_POINTS_TIME_ZONE an IANA zone; SHOP_POINTS_SHORTFALL clamp or negative "
                f"({bad.message})"
            ) from None


def _wire(wiring: Wiring) -> None:
    installed = wiring.settings.section(LoyaltySettings).programme
    reads = SqlProgrammeReads(wiring.engine)
    wiring.add(ProgrammeReads, reads)
    programme = CurrentProgramme(reads, installed)
    wiring.add(CurrentProgramme, programme)
    wiring.add(PointsQueries, SqlPointsQueries(wiring.engine))
    levels = SqlMemberLevels(wiring.engine)
    wiring.add(MemberReads, levels)
    wiring.add(MallQueries, SqlMallQueries(wiring.engine))
    wiring.add(PointsMultipliers, LevelMultipliers(levels, programme))
    # member levels in pricing's audiences and member prices (registered after pricing's facts)
    wiring.add(CustomerFactsSource, MemberFacts(wiring.resolve(CustomerFactsSource), levels))
    # points pay in pricing's quotes (PTS-4): registered after pricing's default of none
    wiring.add(PointsSource, LoyaltyPoints(wiring.resolve(PointsQueries), programme))
    # a member's verified phone makes the gift cards bound to it theirs (GC-5): registered after
    # the gift cards' default of none
    wiring.add(VerifiedPhones, MemberPhones(levels))


def _handlers(wiring: Wiring) -> Mapping[type, CommandHandler]:
    programme = wiring.resolve(CurrentProgramme)
    return {
        **programme_command_handlers(programme),
        **points_command_handlers(programme),
        **earning_command_handlers(programme, wiring.resolve(PointsMultipliers)),
        **membership_command_handlers(programme),
        **mall_command_handlers(CouponsForPoints(wiring.resolve(CouponPolicy))),
        **phone_handlers(wiring.resolve(OneTimeCodes), wiring.resolve(AttemptLimiter)),
    }


def _middlewares(wiring: Wiring) -> Sequence[Middleware]:
    """The SMS code of a member's phone, spent before the verification runs."""
    return phone_middlewares(wiring.resolve(OneTimeCodes), wiring.clock)


PLUGIN = ContextPlugin(
    name="loyalty",
    tables=("shop_adapters.sql.loyalty.tables",),
    settings=LoyaltySettings,
    wire=_wire,
    handlers=_handlers,
    middlewares=_middlewares,
    repositories={
        "points_accounts": SqlPointsAccountRepository,
        "points_sweep": SqlPointsSweep,
        "points_check_ins": SqlCheckInRepository,
        "members": SqlMemberRepository,
        "mall_items": SqlMallItemRepository,
        "mall_redemptions": SqlRedemptionRepository,
        "loyalty_programmes": SqlProgrammeRepository,
    },
    cli="shop_adapters.cli.loyalty:LOYALTY_COMMANDS",
    http="shop_adapters.http.loyalty:LOYALTY_CONTROLLERS",
    services=(
        CurrentProgramme,
        ProgrammeReads,
        PointsQueries,
        MemberReads,
        MallQueries,
        PointsMultipliers,
        CustomerFactsSource,
        VerifiedPhones,
    ),
)
