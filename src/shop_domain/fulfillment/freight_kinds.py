"""The kinds of a freight template (SHP-1), each its own type in a registry.

A **rate** says what a quantity of goods costs to ship: :class:`PieceRate` (the first
``first`` pieces for ``first_fee``, each further ``step`` pieces — a started step counts whole —
for ``step_fee``) and :class:`WeightRate` (the same in whole kilograms: the weight in grams is
rounded *up* to the kilogram, a started kilogram counts whole, and even goods weighing nothing
pay the first fee). A **free condition** says when a template's goods ship free:
:class:`FreeFromPieces` and :class:`FreeFromAmount`, each optionally only for some regions.

Each kind registers under a stable ``name`` (:func:`rate_kind`, :func:`free_kind` find the
class back); its :meth:`params` are plain data (what a store keeps; amounts in minor units
with their ``currency``) and ``from_params(params, currency)`` rebuilds it, validated, its
amounts in ``currency`` (a ``currency`` key of ``params`` is ignored). A kind of an embedder's
registers the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Final, Protocol, TypeVar

import attrs

from shop_domain.fulfillment.errors import InvalidFreight
from shop_domain.fulfillment.warehouse import region_prefix
from shop_domain.shared.errors import InvalidValue
from shop_domain.shared.money import Money

MAX_STEP: Final = 1_000_000
GRAMS_PER_KG: Final = 1000


@attrs.frozen
class FreightBasis:
    """What a group of lines weighs on a rule: pieces, grams (pieces × unit weight) and the
    goods amount (after promotions and coupons, before points)."""

    pieces: int
    grams: int
    amount: Money


def whole(value: Any, what: str, least: int = 1, most: int = MAX_STEP) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise InvalidFreight(f"{what} is a whole number from {least} to {most:,}")
    return value


def fee(value: Any, currency: str, what: str) -> Money:
    if not isinstance(value, Money) or value.currency != currency or value.is_negative():
        raise InvalidFreight(f"{what} is an amount of {currency}, zero or more")
    return value


def regions_of(value: Iterable[Any]) -> frozenset[str]:
    try:
        regions = frozenset(value)
        for region in regions:
            region_prefix(region)
    except (InvalidValue, TypeError) as exc:
        raise InvalidFreight(f"regions are six-digit region codes: {exc}") from None
    return regions


def covers(regions: frozenset[str], region: str) -> bool:
    """Whether ``region`` lies in one of ``regions`` (every region when there are none)."""
    wanted = region_prefix(region)
    return not regions or any(wanted.startswith(region_prefix(r)) for r in regions)


# --- rates --------------------------------------------------------------------------------------


class Rate(Protocol):
    name: ClassVar[str]

    def fee(self, basis: FreightBasis) -> Money: ...

    def params(self) -> dict[str, Any]: ...


@attrs.frozen
class _StepRate:
    """The first ``first`` units for ``first_fee``, each further ``step`` units (a started
    step counts whole) for ``step_fee``; at least the first fee."""

    name: ClassVar[str]
    first: int
    first_fee: Money
    step: int
    step_fee: Money

    def units(self, basis: FreightBasis) -> int:
        raise NotImplementedError

    def fee(self, basis: FreightBasis) -> Money:
        extra = max(0, self.units(basis) - self.first)
        return self.first_fee + self.step_fee * -(-extra // self.step)

    def params(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "first_fee": self.first_fee.minor,
            "step": self.step,
            "step_fee": self.step_fee.minor,
            "currency": self.first_fee.currency,
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any], currency: str) -> Any:
        try:
            first_fee = Money(params["first_fee"], currency)
            step_fee = Money(params["step_fee"], currency)
            first, step = params["first"], params["step"]
        except (KeyError, TypeError, InvalidValue) as exc:
            raise InvalidFreight(
                f"a {cls.name} rate needs first, first_fee, step, step_fee: {exc}"
            ) from None
        return cls(
            whole(first, f"a {cls.name} rate's first units"),
            fee(first_fee, currency, "a first fee"),
            whole(step, f"a {cls.name} rate's step"),
            fee(step_fee, currency, "a step fee"),
        )


_RATES: dict[str, type[Any]] = {}
_FREE: dict[str, type[Any]] = {}
K = TypeVar("K", bound=type)


def _registrar(registry: dict[str, type[Any]], what: str) -> Callable[[K], K]:
    def register(kind: K) -> K:
        name = kind.name  # type: ignore[attr-defined]
        if registry.get(name, kind) is not kind:
            raise ValueError(f"two {what} are named {name!r}")
        registry[name] = kind
        return kind

    return register


register_rate = _registrar(_RATES, "freight rates")
register_free = _registrar(_FREE, "free-shipping conditions")


def _named(registry: Mapping[str, type[Any]], name: Any, what: str) -> type[Any]:
    try:
        return registry[name]
    except (KeyError, TypeError):
        raise InvalidFreight(
            f"no {what} is named {name!r}", details={"kinds": sorted(registry)}
        ) from None


def rate_kind(name: Any) -> type[Any]:
    return _named(_RATES, name, "freight rate")


def free_kind(name: Any) -> type[Any]:
    return _named(_FREE, name, "free-shipping condition")


@register_rate
@attrs.frozen
class PieceRate(_StepRate):
    """By piece: ``first`` pieces for ``first_fee``, each further ``step`` pieces for
    ``step_fee``."""

    name: ClassVar[str] = "piece"

    def units(self, basis: FreightBasis) -> int:
        return basis.pieces


@register_rate
@attrs.frozen
class WeightRate(_StepRate):
    """By weight: ``first`` kg for ``first_fee``, each further ``step`` kg for ``step_fee``;
    the weight is rounded up to the whole kilogram (1001 g is 2 kg)."""

    name: ClassVar[str] = "weight"

    def units(self, basis: FreightBasis) -> int:
        return -(-basis.grams // GRAMS_PER_KG)


# --- free-shipping conditions -------------------------------------------------------------------


class FreeCondition(Protocol):
    name: ClassVar[str]
    regions: frozenset[str]

    def met(self, basis: FreightBasis, region: str) -> bool: ...

    def params(self) -> dict[str, Any]: ...


@register_free
@attrs.frozen
class FreeFromPieces:
    """Free from ``pieces`` pieces of the template's goods (in ``regions``, or everywhere)."""

    name: ClassVar[str] = "pieces"
    pieces: int
    regions: frozenset[str] = frozenset()

    def met(self, basis: FreightBasis, region: str) -> bool:
        return basis.pieces >= self.pieces and covers(self.regions, region)

    def params(self) -> dict[str, Any]:
        return {"pieces": self.pieces, "regions": sorted(self.regions)}

    @classmethod
    def from_params(cls, params: Mapping[str, Any], _currency: str) -> FreeFromPieces:
        return cls(
            whole(params.get("pieces"), "a free-from number of pieces"),
            regions_of(params.get("regions", ())),
        )


@register_free
@attrs.frozen
class FreeFromAmount:
    """Free from an ``amount`` of the template's goods (in ``regions``, or everywhere)."""

    name: ClassVar[str] = "amount"
    amount: Money
    regions: frozenset[str] = frozenset()

    def met(self, basis: FreightBasis, region: str) -> bool:
        return basis.amount >= self.amount and covers(self.regions, region)

    def params(self) -> dict[str, Any]:
        return {
            "amount": self.amount.minor,
            "currency": self.amount.currency,
            "regions": sorted(self.regions),
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any], currency: str) -> FreeFromAmount:
        try:
            amount = Money(params["amount"], currency)
        except (KeyError, TypeError, InvalidValue) as exc:
            raise InvalidFreight(f"a free-from amount is an amount of {currency}: {exc}") from None
        return cls(
            fee(amount, currency, "a free-from amount"), regions_of(params.get("regions", ()))
        )


__all__ = [
    "FreeCondition",
    "FreeFromAmount",
    "FreeFromPieces",
    "FreightBasis",
    "PieceRate",
    "Rate",
    "WeightRate",
    "covers",
    "free_kind",
    "rate_kind",
    "register_free",
    "register_rate",
]
