"""Freight templates and shop rules in their tables (the mapper of ADR 0023). A rate or a free
condition is stored as its kind's ``params()`` (amounts with their currency) plus ``kind``, so
the kinds' registries rebuild it — an embedder's kinds included — with the same checks as on
input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shop_adapters.sql.fulfillment.freight_tables import freight_templates, shop_freight_rules
from shop_adapters.sql.mapper import TableMap, Value
from shop_domain.fulfillment.freight import FreightTemplate, ShopFreightRule, ShopRate
from shop_domain.fulfillment.freight_kinds import free_kind, rate_kind
from shop_domain.shared.money import Money


def _dump(item: Any) -> dict[str, Any]:
    return {"kind": item.name, **item.params()}


def _rate(data: Mapping[str, Any] | None) -> Any:
    if data is None:
        return None
    return rate_kind(data["kind"]).from_params(data, data.get("currency", ""))


def _free(data: list[Mapping[str, Any]]) -> tuple[Any, ...]:
    return tuple(free_kind(d["kind"]).from_params(d, d.get("currency", "")) for d in data)


def _shop_rate_to(rate: ShopRate | None) -> dict[str, Any] | None:
    if rate is None:
        return None
    free_from = None if rate.free_from is None else rate.free_from.minor
    return {"fee": rate.fee.minor, "free_from": free_from, "currency": rate.fee.currency}


def _shop_rate(data: Mapping[str, Any] | None) -> ShopRate | None:
    if data is None:
        return None
    currency, free_from = data["currency"], data["free_from"]
    return ShopRate(
        Money(data["fee"], currency), None if free_from is None else Money(free_from, currency)
    )


TEMPLATES = TableMap(
    FreightTemplate,
    freight_templates,
    values=[
        Value(
            "default",
            ("default_rate",),
            _rate,
            lambda rate: (None if rate is None else _dump(rate),),
            optional=True,
        ),
        Value(
            "regions",
            ("region_rates",),
            lambda data: {code: _rate(rate) for code, rate in data.items()},
            lambda regions: ({code: _dump(rate) for code, rate in sorted(regions.items())},),
        ),
        Value("free", ("free",), _free, lambda free: ([_dump(item) for item in free],)),
    ],
)
RULES = TableMap(
    ShopFreightRule,
    shop_freight_rules,
    values=[
        Value(
            "default", ("default_rate",), _shop_rate, lambda r: (_shop_rate_to(r),), optional=True
        ),
        Value(
            "regions",
            ("region_rates",),
            lambda data: {code: _shop_rate(rate) for code, rate in data.items()},
            lambda regions: ({code: _shop_rate_to(r) for code, r in sorted(regions.items())},),
        ),
    ],
)

__all__ = ["RULES", "TEMPLATES"]
