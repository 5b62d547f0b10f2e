"""Points paying at checkout (PTS-4): the loyalty context's answer to the pricing quote's
:class:`~shop_app.pricing.quoting.PointsSource` — the points the customer may use now, at the
programme's rate and cap. Wired by the loyalty plug-in after pricing's default (no points)."""

from __future__ import annotations

import datetime as dt
import uuid

from shop_app.loyalty.programme import ProgrammeSource
from shop_app.loyalty.queries import PointsQueries
from shop_domain.pricing.engine import PointsOffer


class LoyaltyPoints:
    def __init__(self, queries: PointsQueries, programme: ProgrammeSource) -> None:
        self._queries = queries
        self._programme = programme

    async def offer_of(self, user_id: str, now: dt.datetime) -> PointsOffer | None:
        try:
            user = uuid.UUID(user_id)
        except ValueError:
            return None
        available = await self._queries.available(user, now)
        if available <= 0:
            return None
        rules = (await self._programme.current()).checkout
        return PointsOffer(available, rules.per_unit, rules.max_share)


__all__ = ["LoyaltyPoints"]
