"""A promotion's kind on the wire: ``{"name": <registered name>, "params": {...}}``.

The parameters are read and written by the same codec that stores kinds
(:mod:`shop_adapters.sql.pricing.kind_codec`): it knows no kind, it reads each kind's fields,
so a kind an embedder registers is taken over HTTP with no code of ours. One thing differs from
storage: amounts are written as everywhere in the API, ``{"amount": "99.00", "currency":
"CNY"}`` (an exact decimal string in major units, MON-1), where storage keeps minor units.

What the codec or the kind refuses is a 422, never a 500: an unknown name is
``promotion.unknown_kind``; parameters that do not fit the kind (a missing or unexpected field,
a value of the wrong shape, one the kind's own rules refuse) are ``promotion.invalid`` with
``details.kind`` and ``details.params`` saying where; an amount with too many decimals is
``money.too_precise``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import shop_domain.pricing.kinds  # noqa: F401  (registers every kind of ours)
from shop_adapters.sql.pricing import kind_codec
from shop_adapters.sql.pricing.kind_values import UnreadableKind
from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import PromotionKind, kind_named
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money

_MONEY_IN = frozenset({"amount", "currency"})
_MONEY_STORED = frozenset({"minor", "currency"})


def _stored(value: Any) -> Any:
    """Wire parameters as the codec reads them (amounts in minor units)."""
    if isinstance(value, dict):
        if set(value) == _MONEY_IN and all(isinstance(v, str) for v in value.values()):
            money = Money.of(value["amount"], value["currency"])  # money.* (422) if it is not
            return {"minor": money.minor, "currency": money.currency}
        return {key: _stored(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_stored(item) for item in value]
    return value


def _wire(value: Any) -> Any:
    """Stored parameters as the API writes them (amounts in major units)."""
    if isinstance(value, dict):
        if set(value) == _MONEY_STORED:
            money = Money(value["minor"], value["currency"])
            return {"amount": f"{money.amount:.{money.exponent}f}", "currency": money.currency}
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


def kind_from_wire(name: str, params: Mapping[str, Any]) -> PromotionKind:
    """The kind registered as ``name`` with ``params``; the domain's errors (→ 422) when it
    cannot be one."""
    kind_named(name)  # promotion.unknown_kind
    try:
        stored = _stored(dict(params))
        return kind_codec.decode({"kind": name, "params": stored})
    except DomainError:
        raise
    except (UnreadableKind, ArithmeticError, ValueError, TypeError, RecursionError) as exc:
        raise InvalidPromotion(
            f"the parameters do not fit the kind {name!r}: {exc}",
            details={"kind": name, "params": str(exc)},
        ) from exc


def kind_to_wire(kind: PromotionKind) -> tuple[str, dict[str, Any]]:
    """``(name, params)`` as :func:`kind_from_wire` takes them back."""
    encoded = kind_codec.encode(kind)
    params: dict[str, Any] = _wire(encoded["params"])
    return kind.name, params


__all__ = ["kind_from_wire", "kind_to_wire"]
