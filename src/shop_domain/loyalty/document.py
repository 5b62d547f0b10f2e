"""The points programme as a document of plain data (what operators read and send, and what the
database keeps): every figure of :class:`~shop_domain.loyalty.programme.Programme`, decimals as
strings, nested by part — ``expiry``, ``shortfall``, ``time_zone``, ``earning``, ``checkout``,
``levels``.

:func:`programme_from_document` is strict: an unknown or missing key, a value of the wrong
type, or a figure the programme refuses is :class:`InvalidProgramme` naming where it is
(``details.field``, e.g. ``earning.check_in_scale``), so an operator's typo never becomes a rule.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from shop_domain.loyalty.earning import EarningRules
from shop_domain.loyalty.errors import InvalidProgramme
from shop_domain.loyalty.expiry import expiry_policy
from shop_domain.loyalty.membership import LevelRules, MemberLevel
from shop_domain.loyalty.programme import CheckoutRules, Programme

MAX_LEVELS = 20
T = TypeVar("T")


def programme_document(p: Programme) -> dict[str, Any]:
    earning, checkout, levels = p.earning, p.checkout, p.levels
    return {
        "expiry": {"policy": p.expiry.name, **p.expiry.params()},
        "shortfall": p.shortfall.value,
        "time_zone": p.time_zone,
        "earning": {
            "minor_per_point": earning.minor_per_point,
            "check_in_scale": list(earning.check_in_scale),
            "streak_bonus_every": earning.streak_bonus_every,
            "streak_bonus": earning.streak_bonus,
            "make_ups_per_month": earning.make_ups_per_month,
            "activities": dict(earning.activities),
            "review": earning.review,
        },
        "checkout": {"per_unit": checkout.per_unit, "max_share": str(checkout.max_share)},
        "levels": {
            "levels": [
                {
                    "number": level.number,
                    "name": level.name,
                    "min_growth": level.min_growth,
                    "points_multiplier": str(level.points_multiplier),
                }
                for level in levels.levels
            ],
            "window_months": levels.window_months,
            "sign_in": levels.sign_in,
            "per_yuan": str(levels.per_yuan),
            "review": levels.review,
            "review_min_price": levels.review_min_price,
            "photo": levels.photo,
            "photos": levels.photos,
        },
    }


class _Reader:
    """Reads one object of the document, naming the path of whatever is wrong."""

    def __init__(self, value: Any, path: str, keys: tuple[str, ...]) -> None:
        if not isinstance(value, Mapping):
            raise _bad(path, "is an object")
        unknown = sorted(set(value) - set(keys))
        if unknown:
            raise _bad(_at(path, str(unknown[0])), f"is not a setting; one of {', '.join(keys)}")
        missing = [key for key in keys if key not in value]
        if missing:
            raise _bad(_at(path, missing[0]), "is missing")
        self.value, self.path = value, path

    def whole(self, key: str) -> int:
        got = self.value[key]
        if isinstance(got, bool) or not isinstance(got, int):
            raise _bad(_at(self.path, key), "is a whole number")
        return got

    def text(self, key: str) -> str:
        got = self.value[key]
        if not isinstance(got, str):
            raise _bad(_at(self.path, key), "is a string")
        return got

    def decimal(self, key: str) -> decimal.Decimal:
        got = self.value[key]
        if isinstance(got, str) and len(got) <= 40:
            try:
                number = decimal.Decimal(got)
            except decimal.InvalidOperation:
                pass
            else:
                if number.is_finite():
                    return number
        raise _bad(_at(self.path, key), 'is a decimal written as a string, such as "1.5"')

    def items(self, key: str, most: int) -> list[Any]:
        got = self.value[key]
        if not isinstance(got, list) or len(got) > most:
            raise _bad(_at(self.path, key), f"is a list of at most {most} items")
        return got

    def reader(self, key: str, keys: tuple[str, ...]) -> _Reader:
        return _Reader(self.value[key], _at(self.path, key), keys)

    def build(self, key: str, make: Callable[[], T]) -> T:
        """``make()``, with the programme's own refusal placed at ``key``."""
        try:
            return make()
        except InvalidProgramme as refused:
            if refused.details and "field" in refused.details:
                raise  # placed already, deeper down
            raise _bad(_at(self.path, key), f"is refused: {refused.message}") from None


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path and key else path or key


def _bad(field: str, what: str) -> InvalidProgramme:
    field = field or "programme"
    return InvalidProgramme(f"{field} {what}", details={"field": field})


_TOP = ("expiry", "shortfall", "time_zone", "earning", "checkout", "levels")
_EARNING = (
    "minor_per_point",
    "check_in_scale",
    "streak_bonus_every",
    "streak_bonus",
    "make_ups_per_month",
    "activities",
    "review",
)
_LEVELS = (
    "levels",
    "window_months",
    "sign_in",
    "per_yuan",
    "review",
    "review_min_price",
    "photo",
    "photos",
)
_LEVEL = ("number", "name", "min_growth", "points_multiplier")


def _expiry(doc: _Reader) -> Any:
    raw = doc.value["expiry"]
    name = raw.get("policy") if isinstance(raw, Mapping) else None
    keys = {"never": ("policy",), "rolling": ("policy", "months", "time_zone")}.get(
        str(name), ("policy", "years", "time_zone")
    )
    expiry = doc.reader("expiry", keys)
    policy = expiry.text("policy")
    params: dict[str, Any] = {}
    for key in keys[1:]:
        params[key] = expiry.text(key) if key == "time_zone" else expiry.whole(key)
    return doc.build("expiry", lambda: expiry_policy(policy, params))


def _earning(doc: _Reader) -> EarningRules:
    e = doc.reader("earning", _EARNING)
    scale = e.items("check_in_scale", 31)
    activities = e.value["activities"]
    if not isinstance(activities, Mapping) or len(activities) > 100:
        raise _bad("earning.activities", "is an object of at most 100 activities and points")
    return e.build(
        "",
        lambda: EarningRules(
            minor_per_point=e.whole("minor_per_point"),
            check_in_scale=tuple(scale),
            streak_bonus_every=e.whole("streak_bonus_every"),
            streak_bonus=e.whole("streak_bonus"),
            make_ups_per_month=e.whole("make_ups_per_month"),
            activities=dict(activities),
            review=e.whole("review"),
        ),
    )


def _levels(doc: _Reader) -> LevelRules:
    lv = doc.reader("levels", _LEVELS)
    levels = []
    for n, raw in enumerate(lv.items("levels", MAX_LEVELS)):
        one = _Reader(raw, f"levels.levels[{n}]", _LEVEL)
        levels.append(
            MemberLevel(
                one.whole("number"),
                one.text("name"),
                one.whole("min_growth"),
                one.decimal("points_multiplier"),
            )
        )
    figures = {key: lv.whole(key) for key in _LEVELS if key not in ("levels", "per_yuan")}
    per_yuan = lv.decimal("per_yuan")
    return lv.build("", lambda: LevelRules(levels=tuple(levels), per_yuan=per_yuan, **figures))


def programme_from_document(document: Any) -> Programme:
    """The programme ``document`` describes (as :func:`programme_document` writes it)."""
    doc = _Reader(document, "", _TOP)
    expiry = _expiry(doc)
    earning = _earning(doc)
    co = doc.reader("checkout", ("per_unit", "max_share"))
    checkout = co.build(
        "", lambda: CheckoutRules(per_unit=co.whole("per_unit"), max_share=co.decimal("max_share"))
    )
    levels = _levels(doc)
    shortfall, zone = doc.text("shortfall"), doc.text("time_zone")
    return doc.build(
        "",
        lambda: Programme(
            expiry=expiry,
            shortfall=shortfall,
            earning=earning,
            checkout=checkout,
            levels=levels,
            time_zone=zone,
        ),
    )


__all__ = ["programme_document", "programme_from_document"]
