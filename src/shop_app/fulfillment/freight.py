"""Freight (SHP-1) in the application: operators' commands on a shop's item templates and its
rule (audited by the kernel's middleware, like every command), and the quote the checkout asks
for — :class:`FreightQuotes`, one :class:`ShopShipment` per shop in, a
:class:`~shop_domain.fulfillment.freight_quote.FreightFee` per shop out.

Rates and conditions travel as plain data — a rate is ``{"first", "first_fee", "step",
"step_fee"}`` in minor units of the template's currency, a free condition a :class:`FreeTerms`
naming its kind — and the kinds' registries build and check them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs

from shop_app.fulfillment.ports import FulfillmentUnitOfWork
from shop_app.shared.messagebus import CommandHandler
from shop_domain.fulfillment.errors import InvalidFreight, UnknownFreightTemplate
from shop_domain.fulfillment.freight import Combine, FreightTemplate, ShopFreightRule, ShopRate
from shop_domain.fulfillment.freight_kinds import free_kind, rate_kind
from shop_domain.fulfillment.freight_quote import FreightCharge, FreightFee, FreightLine
from shop_domain.shared.money import Money

RateTerms = Mapping[str, int]


@attrs.frozen
class FreeTerms:
    """A free-shipping condition: its kind (``pieces``, ``amount``) and its parameters
    (``{"pieces": 3}``, ``{"amount": 6900, "regions": ["310000"]}``)."""

    kind: str
    params: Mapping[str, Any]


@attrs.frozen
class ShopRateTerms:
    """The shop's fixed ``fee`` and the goods amount it ships free from (minor units)."""

    fee: int
    free_from: int | None = None


@attrs.frozen(kw_only=True)
class CreateFreightTemplate:
    shop_id: uuid.UUID
    name: str
    currency: str
    charging: str
    default: RateTerms | None
    regions: Mapping[str, RateTerms] = attrs.Factory(dict)
    free: tuple[FreeTerms, ...] = ()
    priority: bool = False
    actor: str


@attrs.frozen(kw_only=True)
class EditFreightTemplate:
    template_id: uuid.UUID
    shop_id: uuid.UUID
    name: str
    charging: str
    default: RateTerms | None
    regions: Mapping[str, RateTerms] = attrs.Factory(dict)
    free: tuple[FreeTerms, ...] = ()
    priority: bool = False
    actor: str


@attrs.frozen(kw_only=True)
class DeleteFreightTemplate:
    """SKUs still naming it are charged by the shop's rule from then on."""

    template_id: uuid.UUID
    shop_id: uuid.UUID
    actor: str


@attrs.frozen(kw_only=True)
class SetShopFreightRule:
    shop_id: uuid.UUID
    currency: str
    default: ShopRateTerms | None
    regions: Mapping[str, ShopRateTerms] = attrs.Factory(dict)
    combine: str = Combine.SUM.value
    actor: str


@attrs.frozen
class ShopShipment:
    """One shop's physical lines of an order (virtual goods are not shipped: leave them out)."""

    shop_id: uuid.UUID
    lines: tuple[FreightLine, ...]


class FreightQuotes(Protocol):
    """What the checkout calls: the fee of each shop's shipment to ``region`` (the address's
    district code), by shop. ``freight.no_delivery`` when a shop or a template does not serve
    it."""

    async def fees(
        self, shipments: Sequence[ShopShipment], region: str
    ) -> dict[uuid.UUID, FreightFee]: ...


def _terms(command: CreateFreightTemplate | EditFreightTemplate, currency: str) -> dict[str, Any]:
    kind = rate_kind(command.charging)
    if not isinstance(command.regions, Mapping):
        raise InvalidFreight("regions map region codes to rates")
    return {
        "name": command.name,
        "charging": kind.name,
        "default": None if command.default is None else kind.from_params(command.default, currency),
        "regions": {code: kind.from_params(r, currency) for code, r in command.regions.items()},
        "free": tuple(free_kind(f.kind).from_params(f.params, currency) for f in command.free),
        "priority": command.priority,
    }


def _shop_rate(terms: ShopRateTerms, currency: str) -> ShopRate:
    try:
        free_from = None if terms.free_from is None else Money(terms.free_from, currency)
        return ShopRate(Money(terms.fee, currency), free_from)
    except (TypeError, ValueError) as exc:
        raise InvalidFreight(
            f"a shop's rate is a fee and a threshold in minor units: {exc}"
        ) from None


async def _own(
    uow: FulfillmentUnitOfWork, template_id: uuid.UUID, shop_id: uuid.UUID
) -> FreightTemplate:
    template = await uow.freight_templates.get(template_id)
    if template.shop_id != shop_id:  # another shop's: as if there were none
        raise UnknownFreightTemplate.of(template_id)
    return template


class FreightHandlers:
    def mapping(self) -> dict[type, CommandHandler]:
        return {
            CreateFreightTemplate: self.create,
            EditFreightTemplate: self.edit,
            DeleteFreightTemplate: self.delete,
            SetShopFreightRule: self.set_rule,
        }

    async def create(self, command: CreateFreightTemplate, uow: FulfillmentUnitOfWork) -> uuid.UUID:
        Money.zero(command.currency)
        template = FreightTemplate.new(
            id=uow.ids.new_id(),
            shop_id=command.shop_id,
            currency=command.currency,
            **_terms(command, command.currency),
        )
        uow.freight_templates.add(template)
        return template.id

    async def edit(self, command: EditFreightTemplate, uow: FulfillmentUnitOfWork) -> None:
        template = await _own(uow, command.template_id, command.shop_id)
        template.edit(**_terms(command, template.currency))

    async def delete(self, command: DeleteFreightTemplate, uow: FulfillmentUnitOfWork) -> None:
        uow.freight_templates.remove(await _own(uow, command.template_id, command.shop_id))

    async def set_rule(self, command: SetShopFreightRule, uow: FulfillmentUnitOfWork) -> None:
        Money.zero(command.currency)
        terms: dict[str, Any] = {
            "default": None
            if command.default is None
            else _shop_rate(command.default, command.currency),
            "regions": {
                code: _shop_rate(rate, command.currency) for code, rate in command.regions.items()
            },
            "combine": command.combine,
        }
        rule = await uow.freight_rules.find(command.shop_id)
        if rule is None or rule.currency != command.currency:
            new = ShopFreightRule.new(shop_id=command.shop_id, currency=command.currency, **terms)
            if rule is None:
                uow.freight_rules.add(new)
                return
            rule.currency = new.currency
        rule.edit(**terms)


def freight_command_handlers() -> dict[type, CommandHandler]:
    return FreightHandlers().mapping()


__all__ = [
    "CreateFreightTemplate",
    "DeleteFreightTemplate",
    "EditFreightTemplate",
    "FreeTerms",
    "FreightCharge",
    "FreightFee",
    "FreightHandlers",
    "FreightLine",
    "FreightQuotes",
    "SetShopFreightRule",
    "ShopRateTerms",
    "ShopShipment",
    "freight_command_handlers",
]
