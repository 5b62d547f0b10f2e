"""The SQL repositories of the points mall (PTS-9): items (locked while redeemed: the stock
never oversells, and a CHECK backs it) and redemptions."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.loyalty.mapping import MALL_ITEMS, REDEMPTIONS
from shop_adapters.sql.loyalty.tables import mall_redemptions
from shop_adapters.sql.uow import SqlRepository
from shop_domain.loyalty.errors import MallItemUnavailable, RedemptionNotFound
from shop_domain.loyalty.mall import MallItem, Redemption

_MINE = Prepared(
    REDEMPTIONS.select_all.where(mall_redemptions.c.user_id == bindparam("user_id"))
    .order_by(mall_redemptions.c.created_at.desc(), mall_redemptions.c.id.desc())
    .limit(bindparam("limit"))
)


def _no_item(item_id: uuid.UUID) -> Exception:
    return MallItemUnavailable(f"no mall item {item_id}", details={"item_id": str(item_id)})


class SqlMallItemRepository(SqlRepository[MallItem]):
    table = MALL_ITEMS
    not_found = staticmethod(_no_item)


class SqlRedemptionRepository(SqlRepository[Redemption]):
    table = REDEMPTIONS
    not_found = staticmethod(RedemptionNotFound)

    async def of_user(self, user_id: uuid.UUID, limit: int = 50) -> list[Redemption]:
        return await self._load(_MINE, {"user_id": user_id, "limit": limit})


__all__ = ["SqlMallItemRepository", "SqlRedemptionRepository"]
