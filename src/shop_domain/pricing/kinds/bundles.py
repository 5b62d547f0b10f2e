"""Bundles and multi-buys (PRO-1 (d), (g)) — the second level of PRO-4: a set of SKUs at a
fixed price 套装, any N items for a price N元任选M件 / 打包一口价, and M items at a rate M件N折.

Each one takes an amount off the lines whose units it groups (a :class:`Reduction`, allocated
over those lines by MON-3). Units are grouped the way that saves the customer most: the most
expensive units first, cut into consecutive groups (the priciest N together, then the next N),
with ties between lines of one price taken in the lines' order so that the same cart always
groups the same way (PRO-12).

That is the best grouping: a group's saving ``max(0, its units' price - the fixed price)``
grows with what its units cost and is convex, so taking the priciest units and keeping the
priciest together in one group gives the largest sum (an exchange argument; the tests check it
against every grouping of small carts). For a rate, the discount grows with the grouped units'
total alone, which the priciest units make largest.

The grouping works on runs of equal units (one per line), not on single units, so a line of a
thousand units costs no more than a line of one.
"""

from __future__ import annotations

import decimal
import operator
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import ClassVar, NamedTuple

import attrs

from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import (
    MISSING_ITEMS,
    Applied,
    Context,
    Missed,
    Outcome,
    Reduction,
    Stage,
    register,
)
from shop_domain.pricing.kinds.support import (
    NO_SAVING,
    check_count,
    check_money,
    check_rate,
    figure,
    no_lines,
    other_currency,
    rate_label,
    rate_off,
    validated,
)
from shop_domain.pricing.lines import Line, count_of
from shop_domain.shared.money import Money


class Block(NamedTuple):
    """``repeat`` groups of units, each worth ``total`` minor units, drawn from the lines at
    positions ``lines``."""

    total: int
    repeat: int
    lines: tuple[int, ...]


Run = tuple[int, int, int]
"""``(unit price in minor units, position of the line, quantity)``."""


def runs_of(lines: Sequence[Line], positions: Iterable[int]) -> list[Run]:
    """The runs of the lines at ``positions`` (ascending), most expensive first, ties in the
    lines' order (a stable sort keeps it, reversed or not)."""
    runs = [(lines[i].unit_price.minor, i, lines[i].quantity) for i in positions]
    return sorted(runs, key=_price, reverse=True)


_price = operator.itemgetter(0)


def blocks(runs: Sequence[Run], size: int) -> Iterator[Block]:
    """The units of ``runs``, in their order, cut into consecutive groups of ``size``; equal
    groups in a row inside one run come as one :class:`Block`. Units left over after the last
    full group are in none."""
    total, count, positions = 0, 0, list[int]()
    for price, position, quantity in runs:
        left = quantity
        if count:
            taken = min(left, size - count)
            total, count, left = total + taken * price, count + taken, left - taken
            positions.append(position)
            if count < size:
                continue
            yield Block(total, 1, tuple(positions))
            total, count, positions = 0, 0, []
        whole, left = divmod(left, size)
        if whole:
            yield Block(size * price, whole, (position,))
        if left:
            total, count, positions = left * price, left, [position]


def side_by_side(streams: Sequence[Iterator[Block]]) -> Iterator[Block]:
    """Blocks of several streams joined group by group (the k-th group of each together),
    as long as every stream has groups left."""
    heads = [next(stream, None) for stream in streams]
    left = [head.repeat if head is not None else 0 for head in heads]
    while heads and all(head is not None for head in heads):
        ready = [head for head in heads if head is not None]
        repeat = min(left)
        lines = sorted({position for head in ready for position in head.lines})
        yield Block(sum(head.total for head in ready), repeat, tuple(lines))
        for index, stream in enumerate(streams):
            left[index] -= repeat
            if left[index] == 0:
                head = next(stream, None)
                heads[index] = head
                left[index] = head.repeat if head is not None else 0


def _reduction(
    lines: Sequence[Line],
    saving: int,
    positions: set[int],
    currency: str,
    tag: Callable[[], str],
) -> Outcome:
    if saving <= 0:
        return Missed(NO_SAVING, f"{tag()} would not lower the price of these items")
    line_ids = tuple(line.line_id for i, line in enumerate(lines) if i in positions)
    return Applied((Reduction(Money(saving, currency), line_ids),))


def _saving_over(
    groups: Iterable[Block], price: int, *, priciest_first: bool = False
) -> tuple[int, set[int]]:
    """What fixing each group's price at ``price`` saves, and the lines of the groups that
    save something (``priciest_first``: the groups never cost more than the one before, so
    the first that saves nothing ends it)."""
    saving, positions = 0, set[int]()
    for group in groups:
        if group.total > price:
            saving += (group.total - price) * group.repeat
            positions.update(group.lines)
        elif priciest_first:
            break
    return saving, positions


@attrs.frozen
class BundleItem:
    """``quantity`` units of the SKU ``sku_id`` in one set of a bundle."""

    sku_id: uuid.UUID = attrs.field()
    quantity: int = attrs.field(
        default=1, validator=validated(check_count, "a bundle item's quantity", least=1)
    )

    @sku_id.validator
    def _sku(self, _attribute: object, value: object) -> None:
        if not isinstance(value, uuid.UUID):
            raise InvalidPromotion(f"a bundle item's SKU is a UUID, not {value!r}")


def _items(value: Iterable[BundleItem]) -> tuple[BundleItem, ...]:
    items = tuple(value)
    for item in items:
        if not isinstance(item, BundleItem):
            raise InvalidPromotion(f"a bundle's items are BundleItem, not {item!r}")
    return items


@register
@attrs.frozen
class BundlePrice:
    """套装: one set of ``items`` (each SKU with its quantity) costs ``price`` (A 50 + B 80 as
    a set for 100 saves 30 a set).

    The cart holds as many sets as full sets of the items are in it; units beyond the last full
    set pay their price. Each set's saving is what its units cost less ``price`` (nothing for
    a set that costs no more than that); the sum is taken off the lines of the sets. With no
    full set in the cart the kind misses with :data:`MISSING_ITEMS`, naming the units missing
    for one set. A set holds at least two units and names each SKU once.
    """

    name: ClassVar[str] = "bundle_price"
    stage: ClassVar[Stage] = Stage.BUNDLE

    items: tuple[BundleItem, ...] = attrs.field(converter=_items)
    price: Money = attrs.field(validator=validated(check_money, "a bundle price"))

    def __attrs_post_init__(self) -> None:
        if sum(item.quantity for item in self.items) < 2:
            raise InvalidPromotion("a bundle holds at least two units")
        if len(self.sku_ids) != len(self.items):
            raise InvalidPromotion("a bundle names each SKU once (give it a quantity)")

    @property
    def sku_ids(self) -> frozenset[uuid.UUID]:
        """The SKUs of the bundle (what its promotion targets)."""
        return frozenset(item.sku_id for item in self.items)

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        if not lines:
            return no_lines(self.tag)
        missed = other_currency(self.price.currency, context, self.tag)
        if missed is not None:
            return missed
        holdings = []
        for item in self.items:
            positions = [i for i, line in enumerate(lines) if line.item.sku_id == item.sku_id]
            held = sum(lines[i].quantity for i in positions)
            holdings.append((item, positions, held))
        missing = [
            (item, item.quantity - held) for item, _, held in holdings if held < item.quantity
        ]
        if missing:
            return Missed(
                MISSING_ITEMS,
                "add "
                + ", ".join(f"{count} × SKU {item.sku_id}" for item, count in missing)
                + f" for {self.tag()}",
                missing_count=sum(count for _, count in missing),
            )
        sets = side_by_side(
            [blocks(runs_of(lines, positions), item.quantity) for item, positions, _ in holdings]
        )
        saving, earning = _saving_over(sets, self.price.minor)
        return _reduction(lines, saving, earning, context.currency, self.tag)

    def slope(self) -> decimal.Decimal:
        """Its saving grows by at most what the lines' prices grow (the set costs its price
        whatever its parts cost): the search's bound reads this (ADR 0035)."""
        return decimal.Decimal(1)

    slope_is_exact: ClassVar[bool] = True
    """The saving follows the slope to the minor unit: a set price rounds nothing."""

    def tag(self) -> str:
        return f"套装价 {figure(self.price)}"


def _too_few(count: int, held: int, tag: Callable[[], str]) -> Missed:
    return Missed(
        MISSING_ITEMS,
        f"add {count - held} more item{'s' if count - held > 1 else ''} for {tag()}",
        missing_count=count - held,
    )


@register
@attrs.frozen
class MultiBuyPrice:
    """N元任选M件 / 打包一口价: any ``count`` units of the targeted goods cost ``price``
    together.

    The units are grouped most expensive first (see the module): the customer pays ``price`` for
    each full group, and a group whose units cost no more than ``price`` keeps their prices.
    Units beyond the last full group pay their price. Fewer than ``count`` units miss with
    :data:`MISSING_ITEMS` and the number of items missing.
    """

    name: ClassVar[str] = "multi_buy_price"
    stage: ClassVar[Stage] = Stage.BUNDLE

    count: int = attrs.field(validator=validated(check_count, "a multi-buy's count", least=2))
    price: Money = attrs.field(validator=validated(check_money, "a multi-buy price"))

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        if not lines:
            return no_lines(self.tag)
        missed = other_currency(self.price.currency, context, self.tag)
        if missed is not None:
            return missed
        held = count_of(lines)
        if held < self.count:
            return _too_few(self.count, held, self.tag)
        runs = runs_of(lines, range(len(lines)))
        saving, positions = _saving_over(
            blocks(runs, self.count), self.price.minor, priciest_first=True
        )
        return _reduction(lines, saving, positions, context.currency, self.tag)

    def slope(self) -> decimal.Decimal:
        """Its saving grows by at most what the lines' prices grow (the set costs its price
        whatever its parts cost): the search's bound reads this (ADR 0035)."""
        return decimal.Decimal(1)

    slope_is_exact: ClassVar[bool] = True
    """The saving follows the slope to the minor unit: a set price rounds nothing."""

    def tag(self) -> str:
        return f"{self.count}件{figure(self.price)}"


@register
@attrs.frozen
class MultiBuyRate:
    """M件N折: every complete group of ``count`` units of the targeted goods costs the
    fraction ``rate`` of its price (``0.8`` is 8折); units beyond the last complete group pay
    their price. (Buying at least M and paying the rate on everything is a threshold discount by
    count, 满折.)

    The groups take the most expensive units (see the module). The discount is the grouped
    units' total times ``1 - rate``, rounded half-up once (MON-2) over all groups together.
    Fewer than ``count`` units miss with :data:`MISSING_ITEMS` and the number missing.
    """

    name: ClassVar[str] = "multi_buy_rate"
    stage: ClassVar[Stage] = Stage.BUNDLE

    count: int = attrs.field(validator=validated(check_count, "a multi-buy's count", least=2))
    rate: decimal.Decimal = attrs.field(validator=validated(check_rate, "a multi-buy rate"))

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        if not lines:
            return no_lines(self.tag)
        held = count_of(lines)
        if held < self.count:
            return _too_few(self.count, held, self.tag)
        grouped, positions = 0, set[int]()
        for group in blocks(runs_of(lines, range(len(lines))), self.count):
            grouped += group.total * group.repeat
            positions.update(group.lines)
        off = rate_off(grouped, self.rate)
        return _reduction(lines, off, positions, context.currency, self.tag)

    def slope(self) -> decimal.Decimal:
        """Its saving grows by at most ``1 - rate`` of what the lines' prices grow."""
        return decimal.Decimal(1) - self.rate

    def tag(self) -> str:
        return f"{self.count}件{rate_label(self.rate)}"


__all__ = [
    "Block",
    "BundleItem",
    "BundlePrice",
    "MultiBuyPrice",
    "MultiBuyRate",
    "blocks",
    "runs_of",
    "side_by_side",
]
