"""The order statistics' share of the ordering plug-in (ORD-10, decision 0044): its settings
section, its read side and the projection the unit of work keeps.

``SHOP_ORDER_STATS_TIME_ZONE`` (``Asia/Shanghai``): the zone whose calendar days, ISO weeks and
months the figures are counted in. The projection stores days of that zone, so changing it
applies to orders from then on; the days already counted keep the old zone's boundaries.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from shop_adapters.plugin import Wiring
from shop_adapters.settings import InvalidSetting
from shop_adapters.sql.ordering.statistics import SqlStatisticsQueries
from shop_adapters.sql.ordering.statistics_projection import (
    DEFAULT_ZONE,
    SqlOrderStatistics,
    set_statistics_zone,
)
from shop_app.ordering.statistics import StatisticsQueries
from shop_domain.ordering.statistics import zone_of
from shop_domain.shared.errors import InvalidValue

STATISTICS_TABLES = "shop_adapters.sql.ordering.statistics_tables"


@attrs.frozen(kw_only=True)
class StatisticsSettings:
    """``settings.section(StatisticsSettings)``: ``SHOP_ORDER_STATS_TIME_ZONE``."""

    time_zone: str = DEFAULT_ZONE

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StatisticsSettings:
        zone = env.get("SHOP_ORDER_STATS_TIME_ZONE", DEFAULT_ZONE)
        try:
            zone_of(zone)
        except InvalidValue as exc:
            raise InvalidSetting(f"SHOP_ORDER_STATS_TIME_ZONE: {exc.message}") from exc
        return cls(time_zone=zone)


def wire_statistics(wiring: Wiring) -> None:
    """The read side, and the zone of the projection of every unit of work on the engine."""
    zone = wiring.settings.section(StatisticsSettings).time_zone
    set_statistics_zone(wiring.engine.sync_engine, zone_of(zone))
    wiring.add(StatisticsQueries, SqlStatisticsQueries(wiring.engine, zone))


PROJECTION = SqlOrderStatistics
"""What the unit of work keeps in each transaction (``ContextPlugin.projections``)."""

__all__ = ["PROJECTION", "STATISTICS_TABLES", "StatisticsSettings", "wire_statistics"]
