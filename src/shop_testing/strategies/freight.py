"""Strategies of freight (SHP-1): rates, free conditions, item templates, shop rules and a
shop's shipment lines, in CNY, over a handful of Shanghai and Beijing region codes (so rates
for a province, a city and a district overlap). Valid by construction; each shrinks to a
one-piece, one-yuan example."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import strategies as st

from shop_domain.fulfillment.freight import Combine, FreightTemplate, ShopFreightRule, ShopRate
from shop_domain.fulfillment.freight_kinds import (
    FreeFromAmount,
    FreeFromPieces,
    PieceRate,
    WeightRate,
)
from shop_domain.fulfillment.freight_quote import FreightLine
from shop_domain.shared.money import Money

SHOP = uuid.UUID(int=0x5E)
REGIONS = ("310000", "310100", "310115", "110000", "110105")
"""Where rates and conditions apply."""
DESTINATIONS = ("310115", "310104", "110105", "320102")
"""Where goods go (320102 is covered only by a default)."""


def fees(most: int = 5_000) -> st.SearchStrategy[Money]:
    return st.integers(0, most).map(lambda minor: Money(minor, "CNY"))


def rates(kind: type[Any]) -> st.SearchStrategy[Any]:
    return st.builds(kind, st.integers(1, 5), fees(), st.integers(1, 5), fees())


def free_conditions() -> st.SearchStrategy[Any]:
    where = st.frozensets(st.sampled_from(REGIONS), max_size=2)
    return st.one_of(
        st.builds(FreeFromPieces, st.integers(1, 10), where),
        st.builds(FreeFromAmount, fees(20_000), where),
    )


@st.composite
def freight_templates(
    draw: st.DrawFn, id_: uuid.UUID, *, free: bool = True, priority: bool | None = None
) -> FreightTemplate:
    kind = draw(st.sampled_from((PieceRate, WeightRate)))
    regions = draw(st.dictionaries(st.sampled_from(REGIONS), rates(kind), max_size=3))
    return FreightTemplate.new(
        id=id_,
        shop_id=SHOP,
        currency="CNY",
        name="template",
        charging=kind.name,
        default=draw(rates(kind)),
        regions=regions,
        free=tuple(draw(st.lists(free_conditions(), max_size=2))) if free else (),
        priority=draw(st.booleans()) if priority is None else priority,
    )


def shop_rates() -> st.SearchStrategy[ShopRate]:
    return st.builds(ShopRate, fees(2_000), st.none() | fees(20_000))


@st.composite
def shop_rules(draw: st.DrawFn, combine: Combine | None = None) -> ShopFreightRule:
    return ShopFreightRule.new(
        shop_id=SHOP,
        currency="CNY",
        default=draw(shop_rates()),
        regions=draw(st.dictionaries(st.sampled_from(REGIONS), shop_rates(), max_size=2)),
        combine=combine or draw(st.sampled_from(Combine)),
    )


def freight_lines(templates: tuple[uuid.UUID, ...]) -> st.SearchStrategy[list[FreightLine]]:
    """1..6 lines, each naming one of ``templates`` or none."""
    line = st.builds(
        FreightLine,
        st.uuids(),
        st.integers(1, 20),
        st.integers(0, 5_000),
        st.sampled_from((None, *templates)),
        fees(50_000),
    )
    return st.lists(line, min_size=1, max_size=6)


__all__ = [
    "DESTINATIONS",
    "REGIONS",
    "SHOP",
    "fees",
    "free_conditions",
    "freight_lines",
    "freight_templates",
    "rates",
    "shop_rates",
    "shop_rules",
]
