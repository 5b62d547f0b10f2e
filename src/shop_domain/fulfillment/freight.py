"""Freight templates of a shop and its freight rule (SHP-1).

- :class:`FreightTemplate` (an item template): how the goods of the SKUs that name it are
  charged — every rate of one kind (by piece or by weight, :mod:`.freight_kinds`) — with a
  default rate and rates for regions (six-digit codes; the most specific region that holds the
  destination wins, then the default; none → ``freight.no_delivery``), free-shipping
  conditions, and whether it takes priority over the shop's rule.
- :class:`ShopFreightRule`: the shop's own rule, one per shop (its id is the shop's): a fixed
  fee, free from a threshold, per region the same, and how several item templates in one order
  combine — :class:`Combine` ``sum`` or ``max``.

The fee of an order's lines is :func:`shop_domain.fulfillment.freight_quote.quote_freight`.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeVar, cast

import attrs

from shop_domain.fulfillment.errors import InvalidFreight, NoDelivery
from shop_domain.fulfillment.freight_kinds import (
    FreeCondition,
    FreightBasis,
    Rate,
    fee,
    regions_of,
)
from shop_domain.fulfillment.warehouse import region_prefix
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.money import Money

NAME_MAX: Final = 100
MAX_REGION_RATES: Final = 500
MAX_FREE: Final = 20

T = TypeVar("T")


class Combine(enum.StrEnum):
    """How the fees of several item templates in one order add up (SHP-1)."""

    SUM = "sum"
    MAX = "max"

    def of(self, fees: Iterable[Money], currency: str) -> Money:
        amounts = list(fees)
        if not amounts:
            return Money.zero(currency)
        if self is Combine.MAX:
            return max(amounts)
        return sum(amounts[1:], amounts[0])


def most_specific(rates: Mapping[str, T], default: T | None, region: str) -> T | None:
    """The rate of the most specific region holding ``region`` (district, then city, then
    province), else ``default``."""
    wanted = region_prefix(region)
    best: tuple[int, T] | None = None
    for code, rate in rates.items():
        prefix = region_prefix(code)
        if wanted.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), rate)
    return default if best is None else best[1]


def _region_rates(value: Mapping[str, T], check: Callable[[T], T], what: str) -> dict[str, T]:
    if not isinstance(value, Mapping) or len(value) > MAX_REGION_RATES:
        raise InvalidFreight(f"{what} has at most {MAX_REGION_RATES} region rates")
    regions_of(value)
    return {code: check(rate) for code, rate in value.items()}


def _name(value: Any) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not 0 < len(name) <= NAME_MAX:
        raise InvalidFreight(f"a freight template's name is 1 to {NAME_MAX} characters")
    return name


@attrs.define(slots=False, eq=False)
class FreightTemplate(Aggregate):
    shop_id: uuid.UUID
    name: str
    currency: str
    charging: str
    """The name of the kind of every rate (``piece``, ``weight``)."""
    default: Rate | None
    regions: dict[str, Rate]
    free: tuple[FreeCondition, ...]
    priority: bool

    @classmethod
    def new(
        cls, *, id: uuid.UUID, shop_id: uuid.UUID, currency: str, **terms: Any
    ) -> FreightTemplate:
        Money.zero(currency)  # a currency we know
        template = cls(
            id=id,
            shop_id=shop_id,
            name="",
            currency=currency,
            charging="",
            default=None,
            regions={},
            free=(),
            priority=False,
        )
        template.edit(**terms)
        return template

    def edit(
        self,
        *,
        name: str,
        charging: str,
        default: Rate | None,
        regions: Mapping[str, Rate],
        free: Iterable[FreeCondition],
        priority: bool,
    ) -> None:
        """Replace the terms (validated all first: a bad one changes nothing)."""

        def check(rate: Rate) -> Rate:
            if getattr(rate, "name", None) != charging:
                raise InvalidFreight(f"every rate of this template is a {charging} rate")
            for attribute in attrs.fields(cast(Any, type(rate))):
                value = getattr(rate, attribute.name)
                if isinstance(value, Money):
                    fee(value, self.currency, "a fee")
            return rate

        new_name = _name(name)
        new_default = None if default is None else check(default)
        new_regions = _region_rates(regions, check, "a template")
        new_free = tuple(free)
        if len(new_free) > MAX_FREE:
            raise InvalidFreight(f"a template has at most {MAX_FREE} free-shipping conditions")
        for condition in new_free:
            for attribute in attrs.fields(cast(Any, type(condition))):
                value = getattr(condition, attribute.name)
                if isinstance(value, Money):
                    fee(value, self.currency, "a free-from amount")
        if new_default is None and not new_regions:
            raise InvalidFreight("a template has a default rate or at least one region's")
        self.name, self.charging, self.priority = new_name, charging, bool(priority)
        self.default, self.regions, self.free = new_default, new_regions, new_free

    def charge(self, basis: FreightBasis, region: str) -> tuple[Money, bool]:
        """The fee of ``basis`` to ``region``, and whether a free condition waived it."""
        rate = most_specific(self.regions, self.default, region)
        if rate is None:
            raise NoDelivery(
                f"freight template {self.name!r} does not deliver to {region}",
                details={"region": region, "template_id": str(self.id)},
            )
        if any(condition.met(basis, region) for condition in self.free):
            return Money.zero(self.currency), True
        return rate.fee(basis), False


@attrs.frozen
class ShopRate:
    """The shop's fixed ``fee``, free from ``free_from`` of goods (never, when ``None``)."""

    fee: Money
    free_from: Money | None = None


@attrs.define(slots=False, eq=False)
class ShopFreightRule(Aggregate):
    """A shop's freight rule; ``id`` is the shop's."""

    currency: str
    default: ShopRate | None
    regions: dict[str, ShopRate]
    combine: Combine = Combine.SUM

    @classmethod
    def new(cls, *, shop_id: uuid.UUID, currency: str, **terms: Any) -> ShopFreightRule:
        Money.zero(currency)
        rule = cls(id=shop_id, currency=currency, default=None, regions={})
        rule.edit(**terms)
        return rule

    def edit(
        self,
        *,
        default: ShopRate | None,
        regions: Mapping[str, ShopRate],
        combine: Combine | str,
    ) -> None:
        def check(rate: ShopRate) -> ShopRate:
            if not isinstance(rate, ShopRate):
                raise InvalidFreight("a shop's rate is a ShopRate")
            fee(rate.fee, self.currency, "a shop's fee")
            if rate.free_from is not None:
                fee(rate.free_from, self.currency, "a free-from threshold")
            return rate

        try:
            new_combine = Combine(combine)
        except ValueError:
            raise InvalidFreight("templates combine by sum or max") from None
        new_default = None if default is None else check(default)
        new_regions = _region_rates(regions, check, "a shop's rule")
        if new_default is None and not new_regions:
            raise InvalidFreight("a shop's rule has a default rate or at least one region's")
        self.default, self.regions, self.combine = new_default, new_regions, new_combine

    def rate_for(self, region: str) -> ShopRate:
        rate = most_specific(self.regions, self.default, region)
        if rate is None:
            raise NoDelivery(f"the shop does not deliver to {region}", details={"region": region})
        return rate


__all__ = [
    "Combine",
    "FreightTemplate",
    "ShopFreightRule",
    "ShopRate",
    "most_specific",
]
