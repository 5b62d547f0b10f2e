"""The codec that stores promotion kinds as JSON (``shop_adapters.sql.pricing.kind_codec``):
any registered kind round-trips through it and through JSON text, each type by its rule, and
what cannot be stored or read back is refused, saying where."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.kit.strategies_support import reach
from tests.unit.pricing.kind_strategies import own_kinds
from tests.unit.pricing.promotion_builders import FlatOff, OneOff

from shop_adapters.sql.pricing.kind_codec import (
    KindNotStorable,
    UnreadableKind,
    decode,
    encode,
)
from shop_domain.pricing.errors import InvalidPromotion
from shop_domain.pricing.kinds.base import Applied, Context, Outcome, Stage, kinds, register
from shop_domain.pricing.lines import Line
from shop_domain.shared.money import Money
from shop_testing.strategies import ids, money, promotion_kinds


class Colour(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


class Size(enum.IntEnum):
    SMALL = 1
    LARGE = 2


@attrs.frozen
class Tier:
    at: Money | int
    """An amount, or an item count (a union told apart by its JSON type)."""
    rate: decimal.Decimal
    label: str | None = None


class _Base:
    """What every kind of these tests does: nothing (only storing them is tested here)."""

    stage: ClassVar[Stage] = Stage.THRESHOLD

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        return Applied(())

    def tag(self) -> str:
        return ""


@register
@attrs.frozen
class EveryType(_Base):
    """A kind an embedder might register, with a field of every type the codec has a rule for."""

    name: ClassVar[str] = "test.codec_every_type"

    price: Money
    rate: decimal.Decimal
    sku: uuid.UUID
    colour: Colour
    size: Size
    on: bool
    count: int
    note: str
    starts: dt.datetime
    tiers: tuple[Tier, ...]
    skus: frozenset[uuid.UUID]
    pair: tuple[int, str]
    cap: Money | None = None
    derived: int = attrs.field(init=False, default=0)
    """Computed by the class: not stored."""


@attrs.frozen
class Node:
    """A class that holds itself."""

    label: str
    children: tuple[Node, ...] = ()


@register
@attrs.frozen
class Tree(_Base):
    name: ClassVar[str] = "test.codec_tree"
    root: Node


@register
@attrs.frozen
class Checked(_Base):
    """A kind whose own validation refuses a negative ``off``."""

    name: ClassVar[str] = "test.codec_checked"
    off: int = attrs.field()
    extra: int = 7

    @off.validator
    def _positive(self, _attribute: Any, value: int) -> None:
        if value < 0:
            raise InvalidPromotion("off is 0 or more")


_aware = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)
_tiers = st.builds(
    Tier,
    at=money() | st.integers(min_value=0, max_value=10**6),
    rate=st.decimals(allow_nan=False, allow_infinity=False, places=4),
    label=st.none() | st.text(max_size=8),
)
_every_type = st.builds(
    EveryType,
    price=money(),
    rate=st.decimals(allow_nan=False, allow_infinity=False),
    sku=ids(),
    colour=st.sampled_from(Colour),
    size=st.sampled_from(Size),
    on=st.booleans(),
    count=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    note=st.text(),
    starts=_aware,
    tiers=st.lists(_tiers, max_size=3).map(tuple),
    skus=st.frozensets(ids(), max_size=4),
    pair=st.tuples(st.integers(), st.text(max_size=4)),
    cap=st.none() | money(),
)


def _through_json(stored: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(stored))
    return loaded


_nodes = st.recursive(
    st.builds(Node, label=st.text(max_size=3)),
    lambda children: st.builds(
        Node, label=st.text(max_size=3), children=st.lists(children, max_size=3).map(tuple)
    ),
    max_leaves=8,
)


def _round_trips(kind: Any) -> None:
    stored = encode(kind)
    assert stored["kind"] == kind.name
    assert _through_json(stored) == stored  # JSON data, nothing else
    assert decode(_through_json(stored)) == kind


@settings(max_examples=300)
@given(kind=st.one_of(promotion_kinds(), own_kinds(), _every_type, st.builds(Tree, root=_nodes)))
def test_every_drawn_kind_round_trips_through_json(kind: Any) -> None:
    _round_trips(kind)


def test_each_registered_kind_of_ours_round_trips() -> None:
    ours = sorted(name for name in kinds() if not name.startswith("test."))
    assert len(ours) >= 15  # the registry is really filled by the kinds package
    for name in ours:
        _round_trips(reach(promotion_kinds(), lambda kind, name=name: kind.name == name))


def test_each_type_is_stored_by_its_rule() -> None:
    sku, other = uuid.UUID(int=2), uuid.UUID(int=1)
    kind = EveryType(
        price=Money(2500, "CNY"),
        rate=decimal.Decimal("0.850"),
        sku=sku,
        colour=Colour.BLUE,
        size=Size.LARGE,
        on=True,
        count=3,
        note="满300减50",
        starts=dt.datetime(2026, 4, 1, 8, tzinfo=dt.UTC),
        tiers=(Tier(Money(30000, "CNY"), decimal.Decimal("0.9")), Tier(3, decimal.Decimal(1), "3")),
        skus=frozenset({sku, other}),
        pair=(1, "a"),
    )
    assert encode(kind) == {
        "kind": "test.codec_every_type",
        "params": {
            "price": {"minor": 2500, "currency": "CNY"},
            "rate": "0.850",  # the exact decimal, its exponent kept
            "sku": str(sku),
            "colour": "blue",
            "size": 2,
            "on": True,
            "count": 3,
            "note": "满300减50",
            "starts": "2026-04-01T08:00:00+00:00",
            "tiers": [
                {"at": {"minor": 30000, "currency": "CNY"}, "rate": "0.9", "label": None},
                {"at": 3, "rate": "1", "label": "3"},
            ],
            "skus": [str(other), str(sku)],  # a set in one order, whatever it iterates in
            "pair": [1, "a"],
            "cap": None,
        },
    }
    assert str(decode(encode(kind)).rate) == "0.850"  # type: ignore[attr-defined]


def test_the_tests_own_kinds_are_stored_without_code_naming_them() -> None:
    assert encode(FlatOff(250)) == {"kind": "test.flat_off", "params": {"off": 250}}
    assert encode(OneOff()) == {"kind": "test.one_off", "params": {}}
    assert decode({"kind": "test.one_off", "params": {}}) == OneOff()


def test_an_unknown_kind_name_on_read_says_what_to_do() -> None:
    with pytest.raises(UnreadableKind, match=r"'test.gone'.*no code registered.*import"):
        decode({"kind": "test.gone", "params": {}})
    with pytest.raises(UnreadableKind, match="None"):
        decode({"params": {}})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"off": "3"}, r"test.codec_checked: params.off: expected an integer, found '3'"),
        ({"off": True}, r"params.off: expected an integer"),
        ({"off": -1}, r"params: off is 0 or more"),  # the kind's own validation
        ({}, r"params: 'off' is missing"),
        ({"off": 1, "colour": "red"}, r"params: Checked has no field \['colour'\]"),
        (None, r"params: expected an object, found None"),
    ],
)
def test_parameters_that_do_not_fit_the_kind_are_refused(params: Any, message: str) -> None:
    with pytest.raises(UnreadableKind, match=message):
        decode({"kind": "test.codec_checked", "params": params})


def test_a_parameter_missing_from_a_stored_kind_takes_its_default() -> None:
    assert decode({"kind": "test.codec_checked", "params": {"off": 1}}) == Checked(1, 7)


def test_values_of_the_wrong_shape_are_refused_where_they_are() -> None:
    good = encode(
        EveryType(
            price=Money(1, "CNY"),
            rate=decimal.Decimal(1),
            sku=uuid.UUID(int=1),
            colour=Colour.RED,
            size=Size.SMALL,
            on=False,
            count=0,
            note="",
            starts=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            tiers=(Tier(1, decimal.Decimal(1)),),
            skus=frozenset(),
            pair=(0, ""),
        )
    )
    broken = {
        "price": ({"minor": 1}, r"params.price: expected \{'minor', 'currency'\}"),
        "rate": ("NaN", r"params.rate: 'NaN' is not a decimal number"),
        "sku": ("nope", r"params.sku: 'nope' is not a UUID"),
        "colour": ("green", r"params.colour: 'green' is not a Colour"),
        "starts": ("2026-01-01T00:00:00", r"params.starts: .* is not an aware ISO 8601 time"),
        "tiers": ([{"at": 1.5, "rate": "1", "label": None}], r"params.tiers\[0\].at: 1.5 is of"),
        "pair": ([1], r"params.pair: expected 2 items, found 1"),
        "skus": ("x", r"params.skus: expected a list"),
    }
    for field, (value, message) in broken.items():
        stored = {"kind": good["kind"], "params": {**good["params"], field: value}}
        with pytest.raises(UnreadableKind, match=message):
            decode(stored)


def test_a_field_of_a_type_without_a_rule_is_refused_naming_it() -> None:
    @attrs.frozen
    class Floats(_Base):
        name: ClassVar[str] = "test.codec_floats"
        rate: float

    @attrs.frozen
    class Alike(_Base):
        name: ClassVar[str] = "test.codec_alike"
        rate: decimal.Decimal | str

    @attrs.frozen
    class Mapped(_Base):
        name: ClassVar[str] = "test.codec_mapped"
        prices: dict[str, int]

    cases = [(Floats(0.5), "Floats.rate"), (Alike("x"), "union"), (Mapped({}), "Mapped.prices")]
    for kind, named in cases:
        with pytest.raises(KindNotStorable, match=named):
            encode(kind)


def test_a_kind_not_registered_under_its_name_is_refused() -> None:
    @attrs.frozen
    class Impostor(_Base):
        name: ClassVar[str] = "test.flat_off"  # FlatOff's name
        off: int = 1

    @attrs.frozen
    class Unlisted(_Base):
        name: ClassVar[str] = "test.codec_unlisted"

    for kind in (Impostor(), Unlisted()):
        with pytest.raises(KindNotStorable, match="register it"):
            encode(kind)
