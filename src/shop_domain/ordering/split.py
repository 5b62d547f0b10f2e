"""Splitting a priced cart into child orders and allocating every amount (ORD-2, ORD-3, MON-3).

Children are made by shop and kind of goods (virtual goods are never shipped, so they never share
a child with goods that are); cross-border goods also by warehouse, and packed so that no child
is worth more than the per-child value limit (what its lines pay for goods) — a line too big for
one child is split by units over several, and a single unit over the limit is refused.

Amounts: the quote has already spread every order-level discount over the lines (MON-3). Here
each shop's shipping fee is spread over its shipped lines in proportion to what they pay for
goods, then the gift-card tender over every line in proportion to its payable. Every share is
capped by its base and the shares sum exactly, so a child's amounts are the sums of its lines'
and the parent's the sums of its children's.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence

import attrs

from shop_domain.ordering.errors import InvalidOrder, OverValueLimit
from shop_domain.ordering.lines import Amounts, GoodsKind, LineFacts
from shop_domain.shared.money import Money, allocate, allocate_minor


@attrs.frozen(kw_only=True)
class PricedLine:
    """A line as the quote priced it, with the facts of its SKU."""

    line_id: str
    facts: LineFacts
    quantity: int
    unit_price: Money
    amounts: Amounts
    """Goods, promotion, coupon and points from the quote; no shipping or tender yet."""


@attrs.frozen(kw_only=True)
class PlannedLine:
    line_id: str
    facts: LineFacts
    quantity: int
    unit_price: Money
    amounts: Amounts


@attrs.frozen(kw_only=True)
class PlannedChild:
    shop_id: uuid.UUID
    kind: GoodsKind
    warehouse_id: uuid.UUID | None
    lines: tuple[PlannedLine, ...]

    def amounts(self, currency: str) -> Amounts:
        return Amounts.sum((line.amounts for line in self.lines), currency)


def _spread(amount: Money, bases: Sequence[Money], weights: Sequence[int]) -> list[Money]:
    """``amount`` over parts by ``bases``; by ``weights`` when every base is zero (a shop whose
    goods were discounted to nothing still pays its shipping, line by line)."""
    if amount.is_zero() or any(b.is_positive() for b in bases):
        return allocate(amount, bases, capped=False)
    shares = allocate_minor(amount.minor, list(weights), capped=False)
    return [Money(share, amount.currency) for share in shares]


def _goods_paid(amounts: Amounts) -> Money:
    return amounts.goods - amounts.discounts


def _cut(line: PricedLine, parts: Sequence[int]) -> list[PricedLine]:
    """``line`` as several lines of ``parts`` units each, every amount split by units.

    The goods go by units; then what the pieces pay for them (goods less discounts), capped by
    each piece's goods — so no piece is discounted below zero (MON-4) and none is worth more
    than its units' share rounded up (what :func:`_pack` sized them by); the discounts of a
    piece are its goods less that, shared by promotion, coupon and points in turn; shipping by
    what the pieces pay for goods, as :func:`_charge` spreads it, and the gift cards by their
    payable (MON-3). Splitting each amount by units on its own could hand every discount's
    rounding unit to the same piece."""
    amounts = line.amounts
    goods = _spread(amounts.goods, [line.unit_price * n for n in parts], parts)
    paid = allocate(_goods_paid(amounts), goods)
    room = [g - p for g, p in zip(goods, paid, strict=True)]
    promotion = allocate(amounts.promotion, room)
    room = [r - s for r, s in zip(room, promotion, strict=True)]
    coupon = allocate(amounts.coupon, room)
    points = [r - s for r, s in zip(room, coupon, strict=True)]
    shipping = _spread(amounts.shipping, paid, parts)
    payable = [p + s for p, s in zip(paid, shipping, strict=True)]
    gift_card = allocate(amounts.gift_card, payable)
    used = (
        allocate_minor(amounts.points_used, [p.minor for p in points], capped=False)
        if any(p.is_positive() for p in points)
        else allocate_minor(amounts.points_used, list(parts), capped=False)
    )
    fields = list(zip(goods, promotion, coupon, points, shipping, gift_card, strict=True))
    return [
        attrs.evolve(
            line,
            line_id=f"{line.line_id}#{n + 1}",
            quantity=units,
            amounts=Amounts.of(fields[n], used[n]),
        )
        for n, units in enumerate(parts)
    ]


def _pack(lines: Sequence[PricedLine], limit: Money) -> list[list[PricedLine]]:
    """Cross-border lines into children worth at most ``limit`` each (first fit, biggest first)."""
    pieces: list[PricedLine] = []
    for line in lines:
        worth = _goods_paid(line.amounts)
        if worth <= limit:
            pieces.append(line)
            continue
        unit = Money(-(-worth.minor // line.quantity), worth.currency)  # the dearest unit
        if unit > limit:
            raise OverValueLimit(
                f"one unit of {line.facts.sku_id} is worth more than {limit} (ORD-3)",
                details={"sku_id": str(line.facts.sku_id), "limit": limit.minor},
            )
        per_child = limit.minor // unit.minor
        whole, rest = divmod(line.quantity, per_child)
        pieces.extend(_cut(line, [per_child] * whole + ([rest] if rest else [])))
    bins: list[tuple[Money, list[PricedLine]]] = []
    for piece in sorted(pieces, key=lambda p: -_goods_paid(p.amounts).minor):
        worth = _goods_paid(piece.amounts)
        for index, (used, members) in enumerate(bins):
            if used + worth <= limit:
                bins[index] = (used + worth, [*members, piece])
                break
        else:
            bins.append((worth, [piece]))
    return [members for _, members in bins]


GroupKey = tuple[uuid.UUID, GoodsKind, uuid.UUID | None]


def _group(line: PricedLine) -> GroupKey:
    kind = line.facts.kind
    warehouse = line.facts.warehouse_id if kind is GoodsKind.CROSS_BORDER else None
    return (line.facts.shop_id, kind, warehouse)


def _with(
    line: PricedLine, *, shipping: Money | None = None, gift_card: Money | None = None
) -> PricedLine:
    amounts = line.amounts
    if shipping is not None:
        amounts = attrs.evolve(amounts, shipping=shipping)
    if gift_card is not None:
        amounts = attrs.evolve(amounts, gift_card=gift_card)
    return attrs.evolve(line, amounts=amounts)


def plan_children(
    lines: Sequence[PricedLine],
    *,
    shipping: Mapping[uuid.UUID, Money],
    gift_card: Money,
    value_limit: Money,
) -> list[PlannedChild]:
    """The children of an order of ``lines``: ``shipping`` is each shop's fee (shops with
    shipped goods only), ``gift_card`` what the cards pay of the whole."""
    if not lines:
        raise InvalidOrder("an order has at least one line")
    currency = lines[0].unit_price.currency
    shipped = {line.facts.shop_id for line in lines if line.facts.kind is not GoodsKind.VIRTUAL}
    if set(shipping) - shipped:
        raise InvalidOrder("shipping is charged only to shops that ship goods")
    lines = _charge(lines, lambda ln: ln.facts.kind is not GoodsKind.VIRTUAL, shipping, currency)
    payable = sum((line.amounts.payable for line in lines), Money.zero(currency))
    if gift_card.is_negative() or gift_card > payable:
        raise InvalidOrder(f"gift cards may pay 0 to {payable}", details={"payable": payable.minor})
    cards = allocate(gift_card, [line.amounts.payable for line in lines])
    lines = [_with(line, gift_card=share) for line, share in zip(lines, cards, strict=True)]
    groups: dict[GroupKey, list[PricedLine]] = {}
    for line in lines:
        groups.setdefault(_group(line), []).append(line)
    children: list[PlannedChild] = []
    for (shop, kind, warehouse), members in groups.items():
        packs = _pack(members, value_limit) if kind is GoodsKind.CROSS_BORDER else [members]
        for pack in packs:
            planned = tuple(
                PlannedLine(
                    line_id=line.line_id,
                    facts=line.facts,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    amounts=line.amounts,
                )
                for line in pack
            )
            children.append(
                PlannedChild(shop_id=shop, kind=kind, warehouse_id=warehouse, lines=planned)
            )
    return children


def _charge(
    lines: Sequence[PricedLine],
    shipped: Callable[[PricedLine], bool],
    fees: Mapping[uuid.UUID, Money],
    currency: str,
) -> list[PricedLine]:
    """Each shop's fee over its shipped lines, by what they pay for goods."""
    result = [_with(line, shipping=Money.zero(currency)) for line in lines]
    for shop, fee in fees.items():
        if fee.is_negative():
            raise InvalidOrder("a shipping fee is never negative")
        places = [i for i, line in enumerate(lines) if line.facts.shop_id == shop and shipped(line)]
        shares = _spread(
            fee,
            [_goods_paid(lines[i].amounts) for i in places],
            [lines[i].quantity for i in places],
        )
        for index, share in zip(places, shares, strict=True):
            result[index] = _with(result[index], shipping=share)
    return result


__all__ = ["PlannedChild", "PlannedLine", "PricedLine", "plan_children"]
