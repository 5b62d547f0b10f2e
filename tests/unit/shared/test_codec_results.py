"""Registered result types survive the idempotency store's round trip (SEC-5)."""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid

import attrs
import pytest

from shop_app.coupons.results import Acquired, CouponOutcome, IssueReport, OrderCoupons
from shop_app.shared import codec
from shop_domain.coupons.coupon import Outcome

WHEN = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def round_trip(value: object) -> object:
    return codec.decode(json.loads(json.dumps(codec.encode(value))))


@pytest.mark.rule("SEC-5")
@pytest.mark.parametrize(
    "result",
    [
        Acquired(uuid.uuid4(), uuid.uuid4(), WHEN, WHEN + dt.timedelta(days=7), replayed=False),
        IssueReport(
            issued=((uuid.uuid4(), uuid.uuid4()),),
            already=(),
            refused=((uuid.uuid4(), "coupon.sold_out"),),
        ),
        OrderCoupons(uuid.uuid4(), (CouponOutcome(uuid.uuid4(), Outcome.ALREADY),)),
        (1, "two", [3]),
    ],
)
def test_registered_results_come_back_equal_and_typed(result: object) -> None:
    back = round_trip(result)
    assert back == result
    assert type(back) is type(result)


def test_unregistered_types_are_refused_not_guessed() -> None:
    @attrs.frozen
    class Stranger:
        value: int

    class Colour(enum.Enum):
        RED = "red"

    with pytest.raises(TypeError):
        codec.encode(Stranger(1))
    with pytest.raises(TypeError):
        codec.encode(Colour.RED)
    with pytest.raises(TypeError):
        codec.register(int)
