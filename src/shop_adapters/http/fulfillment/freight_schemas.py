"""What freight's HTTP routes take and answer (SHP-1): amounts are exact decimal strings in
the currency of the template or the rule; a rate names its kind by the template's
``charging``; a free condition is tagged by its kind (``pieces``, ``amount``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec

from shop_adapters.http.schemas import Amount, Currency, MoneySchema
from shop_app.fulfillment.freight import FreeTerms, ShopRateTerms
from shop_domain.fulfillment.freight import FreightTemplate, ShopFreightRule, ShopRate
from shop_domain.shared.money import Money

Region = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$", examples=["310000"])]
Units = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
Regions = Annotated[list[Region], msgspec.Meta(max_length=500)]


class RateIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The first ``first`` units (pieces, or kg) for ``first_fee``, each further ``step`` units
    (a started step counts whole) for ``step_fee``."""

    first: Units
    first_fee: Amount
    step: Units
    step_fee: Amount

    def terms(self, currency: str) -> dict[str, int]:
        return {
            "first": self.first,
            "first_fee": Money.of(self.first_fee, currency).minor,
            "step": self.step,
            "step_fee": Money.of(self.step_fee, currency).minor,
        }


class RegionRateIn(RateIn, frozen=True, forbid_unknown_fields=True):
    region: Region


class FreeFromPiecesIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag="pieces"):
    pieces: Units
    regions: Regions = []


class FreeFromAmountIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag="amount"):
    amount: Amount
    regions: Regions = []


def _free(given: FreeFromPiecesIn | FreeFromAmountIn, currency: str) -> FreeTerms:
    if isinstance(given, FreeFromPiecesIn):
        return FreeTerms("pieces", {"pieces": given.pieces, "regions": given.regions})
    amount = Money.of(given.amount, currency).minor
    return FreeTerms("amount", {"amount": amount, "regions": given.regions})


class TemplateIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    currency: Currency
    charging: Annotated[str, msgspec.Meta(examples=["piece", "weight"], max_length=32)]
    """How it charges: ``piece`` (by piece) or ``weight`` (by kg, a started kg counts whole)."""
    default: RateIn | None = None
    regions: Annotated[list[RegionRateIn], msgspec.Meta(max_length=500)] = []
    free: Annotated[list[FreeFromPiecesIn | FreeFromAmountIn], msgspec.Meta(max_length=20)] = []
    priority: bool = False
    """Charged by this template even when the shop's free threshold is met."""

    def terms(self) -> dict[str, Any]:
        c = self.currency
        return {
            "name": self.name,
            "charging": self.charging,
            "default": None if self.default is None else self.default.terms(c),
            "regions": {r.region: r.terms(c) for r in self.regions},
            "free": tuple(_free(f, c) for f in self.free),
            "priority": self.priority,
        }


class RateOut(msgspec.Struct, frozen=True):
    first: int
    first_fee: MoneySchema
    step: int
    step_fee: MoneySchema
    region: str | None = None

    @classmethod
    def of(cls, rate: Any, region: str | None = None) -> RateOut:
        return cls(
            rate.first,
            MoneySchema.from_domain(rate.first_fee),
            rate.step,
            MoneySchema.from_domain(rate.step_fee),
            region,
        )


class FreeOut(msgspec.Struct, frozen=True):
    kind: str
    regions: list[str]
    pieces: int | None = None
    amount: MoneySchema | None = None

    @classmethod
    def of(cls, condition: Any) -> FreeOut:
        pieces = getattr(condition, "pieces", None)
        amount = getattr(condition, "amount", None)
        money = None if amount is None else MoneySchema.from_domain(amount)
        return cls(condition.name, sorted(condition.regions), pieces, money)


class TemplateOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    shop_id: uuid.UUID
    name: str
    currency: str
    charging: str
    default: RateOut | None
    regions: list[RateOut]
    free: list[FreeOut]
    priority: bool

    @classmethod
    def of(cls, t: FreightTemplate) -> TemplateOut:
        return cls(
            t.id,
            t.shop_id,
            t.name,
            t.currency,
            t.charging,
            None if t.default is None else RateOut.of(t.default),
            [RateOut.of(rate, code) for code, rate in sorted(t.regions.items())],
            [FreeOut.of(condition) for condition in t.free],
            t.priority,
        )


class ShopRateIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    fee: Amount
    free_from: Amount | None = None
    """Free from this goods amount (after promotions and coupons, before points)."""

    def terms(self, currency: str) -> ShopRateTerms:
        free = None if self.free_from is None else Money.of(self.free_from, currency).minor
        return ShopRateTerms(Money.of(self.fee, currency).minor, free)


class ShopRegionRateIn(ShopRateIn, frozen=True, forbid_unknown_fields=True, kw_only=True):
    region: Region


class RuleIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currency: Currency
    default: ShopRateIn | None = None
    regions: Annotated[list[ShopRegionRateIn], msgspec.Meta(max_length=500)] = []
    combine: Annotated[str, msgspec.Meta(examples=["sum", "max"], max_length=8)] = "sum"
    """How several item templates in one order combine: ``sum`` or ``max``."""


class ShopRateOut(msgspec.Struct, frozen=True):
    fee: MoneySchema
    free_from: MoneySchema | None
    region: str | None = None

    @classmethod
    def of(cls, rate: ShopRate, region: str | None = None) -> ShopRateOut:
        free = None if rate.free_from is None else MoneySchema.from_domain(rate.free_from)
        return cls(MoneySchema.from_domain(rate.fee), free, region)


class RuleOut(msgspec.Struct, frozen=True):
    shop_id: uuid.UUID
    currency: str
    default: ShopRateOut | None
    regions: list[ShopRateOut]
    combine: str

    @classmethod
    def of(cls, rule: ShopFreightRule) -> RuleOut:
        return cls(
            rule.id,
            rule.currency,
            None if rule.default is None else ShopRateOut.of(rule.default),
            [ShopRateOut.of(rate, code) for code, rate in sorted(rule.regions.items())],
            rule.combine.value,
        )


__all__ = ["RuleIn", "RuleOut", "TemplateIn", "TemplateOut"]
