"""The shipping fee of one shop's lines to a destination (SHP-1, mixed mode).

- The shop's free threshold measures the goods amount of all the shop's lines — each line's
  ``amount`` is what the caller charges for it after promotions and coupons, before points.
  When it is met, the shop's rule applies and the goods ship free, but those of an item template
  marked ``priority``, which are charged by their template all the same.
- Otherwise each item template charges the lines that name it (their pieces, their weight —
  ``quantity × weight_g`` — and their amount; nothing when one of its free conditions is met),
  and the lines without a template (or whose template is gone) pay the shop's fee once.
- The charges combine by the shop rule's :class:`~shop_domain.fulfillment.freight.Combine`:
  ``sum`` or ``max`` (without a rule: ``sum``, and the lines without a template ship free).
- A template or a rule with no rate for the destination raises ``freight.no_delivery``.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping, Sequence

import attrs

from shop_domain.fulfillment.errors import InvalidFreight
from shop_domain.fulfillment.freight import Combine, FreightTemplate, ShopFreightRule
from shop_domain.fulfillment.freight_kinds import FreightBasis, whole
from shop_domain.fulfillment.warehouse import region_prefix
from shop_domain.shared.money import Money


@attrs.frozen
class FreightLine:
    """One line of a shop's shipment: ``quantity`` units weighing ``weight_g`` grams each,
    ``amount`` the goods amount of the line (after promotions and coupons, before points)."""

    sku_id: uuid.UUID
    quantity: int
    weight_g: int
    freight_template_id: uuid.UUID | None
    amount: Money


class Charged(enum.StrEnum):
    """Why a part of the fee is what it is."""

    TEMPLATE = "template"
    """Charged by the item template's rate."""
    TEMPLATE_FREE = "template_free"
    """The item template's free condition is met."""
    SHOP = "shop"
    """The lines without a template pay the shop's fee."""
    SHOP_FREE = "shop_free"
    """The shop's free threshold is met (or the shop has no rule)."""


@attrs.frozen
class FreightCharge:
    """A part of the fee: the template's (``template_id``) or the shop rule's (``None``)."""

    template_id: uuid.UUID | None
    sku_ids: tuple[uuid.UUID, ...]
    fee: Money
    charged: Charged


@attrs.frozen
class FreightFee:
    """The fee of a shop's shipment and what makes it up (``combine`` of the charges)."""

    fee: Money
    charges: tuple[FreightCharge, ...]
    combine: Combine
    shop_threshold_met: bool


def _basis(lines: Sequence[FreightLine], currency: str) -> FreightBasis:
    amount = Money.zero(currency)
    for line in lines:
        amount += line.amount
    return FreightBasis(
        pieces=sum(line.quantity for line in lines),
        grams=sum(line.quantity * line.weight_g for line in lines),
        amount=amount,
    )


def _check(lines: Sequence[FreightLine]) -> str:
    if not lines:
        raise InvalidFreight("a shipment has at least one line")
    currency = lines[0].amount.currency
    for line in lines:
        whole(line.quantity, "a line's quantity", 1, 10**9)
        whole(line.weight_g, "a line's unit weight in grams", 0, 10**9)
        if not isinstance(line.amount, Money) or line.amount.is_negative():
            raise InvalidFreight("a line's amount is an amount, zero or more")
        if line.amount.currency != currency:
            raise InvalidFreight("a shipment's lines are in one currency")
    return currency


def quote_freight(
    lines: Sequence[FreightLine],
    region: str,
    templates: Mapping[uuid.UUID, FreightTemplate],
    rule: ShopFreightRule | None,
) -> FreightFee:
    """The fee of one shop's ``lines`` to ``region`` (a six-digit code, a district's usually).

    ``templates`` holds the shop's templates the lines name (a missing one: the line is charged
    as if it named none); ``rule`` is the shop's rule, or ``None`` when it has none."""
    currency = _check(lines)
    region_prefix(region)
    groups: dict[uuid.UUID | None, list[FreightLine]] = {}
    for line in lines:
        template_id = line.freight_template_id
        key = template_id if template_id in templates else None
        groups.setdefault(key, []).append(line)
    shop_rate = None if rule is None else rule.rate_for(region)
    free_from = None if shop_rate is None else shop_rate.free_from
    met = free_from is not None and _basis(lines, currency).amount >= free_from
    charges = []
    for template_id in sorted((k for k in groups if k is not None), key=str):
        template, group = templates[template_id], groups[template_id]
        skus = tuple(line.sku_id for line in group)
        if met and not template.priority:
            charges.append(
                FreightCharge(template_id, skus, Money.zero(currency), Charged.SHOP_FREE)
            )
            continue
        fee, waived = template.charge(_basis(group, currency), region)
        charged = Charged.TEMPLATE_FREE if waived else Charged.TEMPLATE
        charges.append(FreightCharge(template_id, skus, fee, charged))
    if None in groups:
        skus = tuple(line.sku_id for line in groups[None])
        if shop_rate is None or met:
            charges.append(FreightCharge(None, skus, Money.zero(currency), Charged.SHOP_FREE))
        else:
            charges.append(FreightCharge(None, skus, shop_rate.fee, Charged.SHOP))
    combine = Combine.SUM if rule is None else rule.combine
    total = combine.of((charge.fee for charge in charges), currency)
    return FreightFee(total, tuple(charges), combine, met)


__all__ = ["Charged", "FreightCharge", "FreightFee", "FreightLine", "quote_freight"]
