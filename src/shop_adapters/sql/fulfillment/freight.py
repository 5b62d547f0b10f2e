"""Freight in SQL: the repositories of item templates and shop rules, and the reads — what
operators see and :class:`~shop_app.fulfillment.freight.FreightQuotes`, which reads the
templates of every line of every shop in one prepared statement and the shops' rules in a
second (straight to the driver, :func:`~shop_adapters.sql.reads.read_records`), then quotes
each shop in the domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from shop_adapters.sql.fulfillment.freight_mapping import RULES, TEMPLATES
from shop_adapters.sql.fulfillment.freight_tables import freight_templates, shop_freight_rules
from shop_adapters.sql.reads import SqlReads
from shop_adapters.sql.uow import SqlRepository
from shop_app.fulfillment.freight import ShopShipment
from shop_domain.fulfillment.errors import UnknownFreightTemplate
from shop_domain.fulfillment.freight import FreightTemplate, ShopFreightRule
from shop_domain.fulfillment.freight_quote import FreightFee, quote_freight

T, R = freight_templates.c, shop_freight_rules.c


class SqlFreightTemplateRepository(SqlRepository[FreightTemplate]):
    table = TEMPLATES
    not_found = staticmethod(UnknownFreightTemplate.of)


class SqlShopFreightRuleRepository(SqlRepository[ShopFreightRule]):
    table = RULES


class SqlFreightReads(SqlReads):
    """``FreightQueries`` and ``FreightQuotes`` over committed rows."""

    async def templates(self, shop_id: uuid.UUID) -> list[FreightTemplate]:
        query = TEMPLATES.select_all.where(T.shop_id == shop_id).order_by(T.name, T.id)
        async with self._engine.connect() as conn:
            return [TEMPLATES.load(row) for row in (await conn.execute(query)).all()]

    async def template(self, template_id: uuid.UUID) -> FreightTemplate | None:
        query = TEMPLATES.select_all.where(T.id == template_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else TEMPLATES.load(row)

    async def rule(self, shop_id: uuid.UUID) -> ShopFreightRule | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(RULES.select_all.where(R.id == shop_id))).first()
        return None if row is None else RULES.load(row)

    async def fees(
        self, shipments: Sequence[ShopShipment], region: str
    ) -> dict[uuid.UUID, FreightFee]:
        named = {
            line.freight_template_id
            for shipment in shipments
            for line in shipment.lines
            if line.freight_template_id is not None
        }
        shops = {shipment.shop_id for shipment in shipments}
        templates: dict[uuid.UUID, FreightTemplate] = {}
        if named:
            found = await self._records(TEMPLATES.by_ids, {"ids": sorted(named)})
            templates = {t.id: t for t in map(TEMPLATES.load, found)}
        found = await self._records(RULES.by_ids, {"ids": sorted(shops)})
        rules = {r.id: r for r in map(RULES.load, found)}
        return {
            shipment.shop_id: quote_freight(
                shipment.lines,
                region,
                {i: t for i, t in templates.items() if t.shop_id == shipment.shop_id},
                rules.get(shipment.shop_id),
            )
            for shipment in shipments
        }


__all__ = ["SqlFreightReads", "SqlFreightTemplateRepository", "SqlShopFreightRuleRepository"]
