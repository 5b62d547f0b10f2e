"""The registry of promotion kinds, and what evaluating a kind on cart lines gives.

Each kind (PRO-1) is its own frozen attrs class holding its parameters, validated when built;
it declares the ``stage`` of pricing it acts at (PRO-4) and knows:

- :meth:`PromotionKind.evaluate` — given the lines the promotion targets (already chosen by
  its targets, priced by the earlier levels), what it does: an :class:`Applied` carrying its
  effects, or a :class:`Missed` saying why not and what is missing (PRO-8);
- :meth:`PromotionKind.tag` — the short label a product page shows ("满300减50").

Kinds register themselves under a stable ``name`` (:func:`register`); a promotion stores that
name and the kind's parameters, and :func:`kind_named` finds the class back.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

import attrs

from shop_domain.pricing.errors import UnknownPromotionKind
from shop_domain.pricing.lines import Line
from shop_domain.shared.money import Money


class Stage(enum.IntEnum):
    """Where in PRO-4's order a kind acts. A threshold kind's *level* is the shop/category one
    or the order/platform one, by its promotion's targets (see ``Promotion.level``)."""

    ITEM = 1
    """Item prices: flash price, direct reduction, percent off, special and member price."""
    BUNDLE = 2
    """Bundles and multi-buy."""
    THRESHOLD = 3
    """Thresholds: 满减, 满折, 满赠, add-price gifts and add-on purchases."""


# --- what a kind does ---------------------------------------------------------------------------


@attrs.frozen
class PriceCut:
    """Item level: each listed line's unit price becomes ``unit_prices[line_id]`` (never more
    than it was)."""

    unit_prices: Mapping[str, Money]


@attrs.frozen
class Reduction:
    """An amount off the listed lines together (allocated over them by MON-3)."""

    amount: Money
    line_ids: tuple[str, ...]


@attrs.frozen
class Gift:
    """``quantity`` of ``sku_id`` given free (or at ``price`` for an add-price gift), worth
    ``value`` each at list price."""

    sku_id: uuid.UUID
    quantity: int
    value: Money
    price: Money | None = None


@attrs.frozen
class GiftGrant:
    """Gifts earned by the listed lines (their value is allocated over them, PRO-9)."""

    gifts: tuple[Gift, ...]
    line_ids: tuple[str, ...]


@attrs.frozen
class AddOnOffer:
    """Past a threshold, ``sku_id`` may be bought at ``price`` (up to ``quantity``)."""

    sku_id: uuid.UUID
    price: Money
    quantity: int
    line_ids: tuple[str, ...]


Effect = PriceCut | Reduction | GiftGrant | AddOnOffer


@attrs.frozen
class Applied:
    effects: tuple[Effect, ...]

    def saving(self, currency: str) -> Money:
        """What the effects take off the lines' price (gifts and offers take nothing off)."""
        total = Money.zero(currency)
        for effect in self.effects:
            if isinstance(effect, Reduction):
                total += effect.amount
        return total


@attrs.frozen
class Missed:
    """Why the kind did not apply (a stable ``reason`` code and words) and, for a threshold,
    what is missing to reach the nearest tier: an amount or an item count."""

    reason: str
    message: str
    missing_amount: Money | None = None
    missing_count: int | None = None


Outcome = Applied | Missed


@attrs.frozen
class Context:
    """What a kind may read besides the lines: the cart's currency and the customer's member
    level (member prices)."""

    currency: str
    member_level: int = 0


NO_LINES = "promotion.no_lines"
"""The reason of a :class:`Missed` when none of the cart's lines is targeted."""
BELOW_THRESHOLD = "promotion.below_threshold"
MISSING_ITEMS = "promotion.missing_items"
OTHER_CURRENCY = "promotion.other_currency"
"""The reason of a :class:`Missed` when the kind's amounts are in another currency than the
cart's."""


class PromotionKind(Protocol):
    name: ClassVar[str]
    stage: ClassVar[Stage]

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        """What the kind does to ``lines``: the targeted lines, priced by the earlier levels,
        all in ``context.currency``. Never raises for a cart it does not fit: that is a
        :class:`Missed`."""
        ...

    def tag(self) -> str:
        """The short label of a product page ("满300减50", "直降 30.00")."""
        ...


K = TypeVar("K", bound=type[Any])

_KINDS: dict[str, type[Any]] = {}


def register(kind: K) -> K:
    """Class decorator: make ``kind`` findable by its ``name``; two kinds never share one."""
    name = kind.name
    if name in _KINDS and _KINDS[name] is not kind:
        raise ValueError(f"two promotion kinds are named {name!r}")
    _KINDS[name] = kind
    return kind


def kind_named(name: str) -> type[Any]:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownPromotionKind(f"no promotion kind is named {name!r}") from None


def kinds() -> Mapping[str, type[Any]]:
    """Every registered kind, by name."""
    return dict(_KINDS)


__all__ = [
    "BELOW_THRESHOLD",
    "MISSING_ITEMS",
    "NO_LINES",
    "OTHER_CURRENCY",
    "AddOnOffer",
    "Applied",
    "Context",
    "Effect",
    "Gift",
    "GiftGrant",
    "Missed",
    "Outcome",
    "PriceCut",
    "PromotionKind",
    "Reduction",
    "Stage",
    "kind_named",
    "kinds",
    "register",
]
