"""Freight fees (SHP-1) as properties: never negative; free when the shop's threshold is met
unless a priority template charges; summing never gives less than taking the maximum; by piece
without free conditions, more pieces never cost less."""

from __future__ import annotations

import uuid

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop_domain.fulfillment.freight import Combine, FreightTemplate
from shop_domain.fulfillment.freight_kinds import PieceRate
from shop_domain.fulfillment.freight_quote import FreightLine, quote_freight
from shop_testing.strategies.freight import (
    DESTINATIONS,
    SHOP,
    freight_lines,
    freight_templates,
    rates,
    shop_rules,
)

T1, T2 = uuid.UUID(int=1), uuid.UUID(int=2)


@st.composite
def cases(draw: st.DrawFn, combine: Combine | None = None) -> tuple:  # type: ignore[type-arg]
    templates = {t: draw(freight_templates(t)) for t in (T1, T2)}
    rule = draw(shop_rules(combine) if combine else st.none() | shop_rules())
    return draw(freight_lines((T1, T2))), draw(st.sampled_from(DESTINATIONS)), templates, rule


@pytest.mark.rule("SHP-1")
@given(cases())
def test_a_fee_is_never_negative_and_is_its_charges_combined(case: tuple) -> None:  # type: ignore[type-arg]
    fee = quote_freight(*case)
    assert not fee.fee.is_negative()
    assert all(not charge.fee.is_negative() for charge in fee.charges)
    parts = [charge.fee.minor for charge in fee.charges]
    assert fee.fee.minor == (max(parts) if fee.combine is Combine.MAX else sum(parts))
    assert sorted(sku for c in fee.charges for sku in c.sku_ids) == sorted(
        line.sku_id for line in case[0]
    )


@pytest.mark.rule("SHP-1")
@given(cases())
def test_a_met_threshold_ships_free_but_for_priority_templates(case: tuple) -> None:  # type: ignore[type-arg]
    lines, region, templates, rule = case
    fee = quote_freight(lines, region, templates, rule)
    if not fee.shop_threshold_met:
        return
    for charge in fee.charges:
        priority = charge.template_id is not None and templates[charge.template_id].priority
        if not priority:
            assert charge.fee.is_zero()
    if not any(t.priority for t in templates.values()):
        assert fee.fee.is_zero()


@pytest.mark.rule("SHP-1")
@given(cases(Combine.SUM))
def test_summing_never_costs_less_than_the_maximum(case: tuple) -> None:  # type: ignore[type-arg]
    lines, region, templates, rule = case
    summed = quote_freight(lines, region, templates, rule)
    rule.edit(default=rule.default, regions=rule.regions, combine=Combine.MAX)
    maxed = quote_freight(lines, region, templates, rule)
    assert summed.fee >= maxed.fee


@pytest.mark.rule("SHP-1")
@given(rates(PieceRate), st.integers(1, 50), st.integers(1, 50), st.sampled_from(DESTINATIONS))
def test_by_piece_more_pieces_never_cost_less(
    rate: PieceRate, fewer: int, more: int, region: str
) -> None:
    fewer, more = sorted((fewer, more))
    template = FreightTemplate.new(
        id=T1,
        shop_id=SHOP,
        currency="CNY",
        name="t",
        charging="piece",
        default=rate,
        regions={},
        free=(),
        priority=False,
    )
    line = FreightLine(uuid.UUID(int=9), fewer, 0, T1, rate.first_fee)

    def fee(quantity: int) -> int:
        return quote_freight(
            [attrs.evolve(line, quantity=quantity)], region, {T1: template}, None
        ).fee.minor

    assert fee(fewer) <= fee(more)
