"""Freight over HTTP (SHP-1), for operators: with ``freight.read`` they list a shop's item
templates, read one and read the shop's rule; with ``freight.write`` they create, replace and
delete templates and set the rule. Each change is one command on the bus (audited)."""

from __future__ import annotations

import uuid
from typing import Final

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from shop_adapters.http.app import Commands
from shop_adapters.http.auth import operator_only, requires
from shop_adapters.http.fulfillment.freight_schemas import RuleIn, RuleOut, TemplateIn, TemplateOut
from shop_adapters.http.problems import problem_spec
from shop_adapters.runtime import Runtime
from shop_app.fulfillment.freight import (
    CreateFreightTemplate,
    DeleteFreightTemplate,
    EditFreightTemplate,
    SetShopFreightRule,
)
from shop_app.fulfillment.ports import FreightQueries
from shop_domain.fulfillment.errors import NoFreightRule, UnknownFreightTemplate

READ: Final = "freight.read"
WRITE: Final = "freight.write"
READERS: Final = [requires(READ), operator_only]
WRITERS: Final = [requires(WRITE), operator_only]
MISSING: Final = {404: problem_spec("No such template of the shop (`freight.template_not_found`)")}


class FreightController(Controller):
    path = "/shops/{shop_id:uuid}/freight"
    tags = ["freight"]

    @get("/templates", summary="A shop's freight templates, by name", guards=READERS)
    async def templates(
        self, shop_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> list[TemplateOut]:
        return [TemplateOut.of(t) for t in await runtime.get(FreightQueries).templates(shop_id)]

    @post(
        "/templates",
        summary="Add a freight template (by piece or by weight)",
        status_code=201,
        guards=WRITERS,
    )
    async def create(
        self,
        shop_id: FromPath[uuid.UUID],
        data: JSONBody[TemplateIn],
        commands: NamedDependency[Commands],
        runtime: NamedDependency[Runtime],
    ) -> TemplateOut:
        made = await commands.send(
            CreateFreightTemplate(
                shop_id=shop_id,
                currency=data.currency,
                actor=commands.principal.subject,
                **data.terms(),
            )
        )
        return await _template(runtime, shop_id, uuid.UUID(str(made)))

    @get(
        "/templates/{template_id:uuid}",
        summary="A freight template",
        guards=READERS,
        responses=MISSING,
    )
    async def template(
        self,
        shop_id: FromPath[uuid.UUID],
        template_id: FromPath[uuid.UUID],
        runtime: NamedDependency[Runtime],
    ) -> TemplateOut:
        return await _template(runtime, shop_id, template_id)

    @put(
        "/templates/{template_id:uuid}",
        summary="Replace a freight template's terms (its currency stays)",
        guards=WRITERS,
        responses=MISSING,
    )
    async def edit(
        self,
        shop_id: FromPath[uuid.UUID],
        template_id: FromPath[uuid.UUID],
        data: JSONBody[TemplateIn],
        commands: NamedDependency[Commands],
        runtime: NamedDependency[Runtime],
    ) -> TemplateOut:
        await commands.send(
            EditFreightTemplate(
                template_id=template_id,
                shop_id=shop_id,
                actor=commands.principal.subject,
                **data.terms(),
            )
        )
        return await _template(runtime, shop_id, template_id)

    @delete(
        "/templates/{template_id:uuid}",
        summary="Delete a freight template (its SKUs are charged by the shop's rule)",
        guards=WRITERS,
        responses=MISSING,
    )
    async def remove(
        self,
        shop_id: FromPath[uuid.UUID],
        template_id: FromPath[uuid.UUID],
        commands: NamedDependency[Commands],
    ) -> None:
        await commands.send(
            DeleteFreightTemplate(
                template_id=template_id, shop_id=shop_id, actor=commands.principal.subject
            )
        )

    @get(
        "/rule",
        summary="The shop's freight rule",
        guards=READERS,
        responses={404: problem_spec("The shop has no rule (`freight.rule_not_found`)")},
    )
    async def rule(
        self, shop_id: FromPath[uuid.UUID], runtime: NamedDependency[Runtime]
    ) -> RuleOut:
        found = await runtime.get(FreightQueries).rule(shop_id)
        if found is None:
            raise NoFreightRule("the shop has set no freight rule")
        return RuleOut.of(found)

    @put("/rule", summary="Set the shop's freight rule", guards=WRITERS)
    async def set_rule(
        self,
        shop_id: FromPath[uuid.UUID],
        data: JSONBody[RuleIn],
        commands: NamedDependency[Commands],
        runtime: NamedDependency[Runtime],
    ) -> RuleOut:
        c = data.currency
        await commands.send(
            SetShopFreightRule(
                shop_id=shop_id,
                currency=c,
                default=None if data.default is None else data.default.terms(c),
                regions={r.region: r.terms(c) for r in data.regions},
                combine=data.combine,
                actor=commands.principal.subject,
            )
        )
        found = await runtime.get(FreightQueries).rule(shop_id)
        assert found is not None  # just set
        return RuleOut.of(found)


async def _template(runtime: Runtime, shop_id: uuid.UUID, template_id: uuid.UUID) -> TemplateOut:
    found = await runtime.get(FreightQueries).template(template_id)
    if found is None or found.shop_id != shop_id:
        raise UnknownFreightTemplate.of(template_id)
    return TemplateOut.of(found)


__all__ = ["READ", "WRITE", "FreightController"]
