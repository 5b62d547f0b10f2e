"""The pricing context's live promotions and customer facts, as parts of its plug-in (ADR 0034).

The pricing plug-in (:mod:`shop_adapters.plugins.pricing`) takes them in:

- its ``tables`` name :data:`LIVE_TABLES` (the feed's and the customer facts' tables; the
  promotions' repository imports them as well, since the feed's triggers are on its table);
- its ``wire`` calls :func:`wire_live_promotions`, which registers :class:`LivePromotions`
  (over :class:`SqlLivePromotionSource`) and the :class:`CustomerFactsSource`;
- its ``starters`` are :func:`live_promotion_starters`: ``runtime.start()`` loads the index;
- its ``services`` include :data:`LIVE_SERVICES` (``runtime.get(LivePromotions)``).

``SHOP_PROMOTIONS_MAX_LAG_MS`` (default 100, 0 to 60000): how old the last check of the feed
may be when a quote reads the index (:class:`LiveSettings`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Final

import attrs

from shop_adapters.plugin import Wiring
from shop_adapters.settings import InvalidSetting, env_int
from shop_adapters.sql.pricing.customers import SqlCustomerFacts
from shop_adapters.sql.pricing.live import SqlLivePromotionSource
from shop_app.pricing.customers import CustomerFactsSource
from shop_app.pricing.live import LivePromotions

MAX_LAG_LIMIT_MS: Final = 60_000
LIVE_TABLES: Final = ("shop_adapters.sql.pricing.live_tables",)
LIVE_SERVICES: Final = (LivePromotions, CustomerFactsSource)


@attrs.frozen(kw_only=True)
class LiveSettings:
    """The live promotions' settings section (``settings.section(LiveSettings)``)."""

    max_lag_ms: int = 100
    """``SHOP_PROMOTIONS_MAX_LAG_MS``: a quote reads an index checked against the database at
    most this many milliseconds before (0: every quote checks; concurrent ones share a check)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LiveSettings:
        lag = env_int(env, "SHOP_PROMOTIONS_MAX_LAG_MS", cls().max_lag_ms)
        if not 0 <= lag <= MAX_LAG_LIMIT_MS:
            raise InvalidSetting(f"SHOP_PROMOTIONS_MAX_LAG_MS must be 0 to {MAX_LAG_LIMIT_MS}")
        return cls(max_lag_ms=lag)


def wire_live_promotions(wiring: Wiring) -> None:
    section = wiring.settings.section(LiveSettings)
    source = SqlLivePromotionSource(wiring.engine)
    wiring.resolve("closers").append(source.close)  # closed before the engine (reverse order)
    live = LivePromotions(source, max_lag=section.max_lag_ms / 1000)
    wiring.add(LivePromotions, live)
    wiring.add(CustomerFactsSource, SqlCustomerFacts(wiring.engine))


def live_promotion_starters(wiring: Wiring) -> Sequence[Callable[[], Awaitable[None]]]:
    """Load the live promotions at start (a database that cannot be read stops the start)."""
    live: LivePromotions = wiring.resolve(LivePromotions)
    return (live.start,)


__all__ = [
    "LIVE_SERVICES",
    "LIVE_TABLES",
    "LiveSettings",
    "live_promotion_starters",
    "wire_live_promotions",
]
