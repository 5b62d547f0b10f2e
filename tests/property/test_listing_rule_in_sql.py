"""CAT-7's listing rule is written twice: in the domain (``listed_at``, which a checkout's SKU facts
apply to the row they read) and in SQL (``statements.listed_at``, which catalog reads filter
by). For any stored status, schedules (ties included) and moment, both say the same."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, Table, create_engine, insert, select

from shop_adapters.sql.catalog.statements import NOW, listed_at
from shop_adapters.sql.catalog.tables import products
from shop_domain.catalog.listing import listed_at as domain_listed_at
from shop_domain.catalog.model import ListingStatus

T0 = dt.datetime(2026, 4, 2, 12, 0, tzinfo=dt.UTC)
moments = st.sampled_from([T0 + dt.timedelta(minutes=m) for m in (-20, -10, 0, 10, 20)])
schedules = st.none() | moments

_meta = MetaData()
_columns = ("status", "list_at", "delist_at", "min_price_minor")
_products = Table("products", _meta, *(products.c[name]._copy() for name in _columns))


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    made = create_engine("sqlite://")
    _meta.create_all(made)
    yield made
    made.dispose()


@pytest.mark.rule("CAT-7")
@settings(max_examples=300, deadline=None)
@given(
    status=st.sampled_from(list(ListingStatus)),
    list_at=schedules,
    delist_at=schedules,
    priced=st.booleans(),
    now=moments,
)
def test_the_domain_and_sql_agree_on_whether_a_product_is_listed(
    engine,  # type: ignore[no-untyped-def]
    status: ListingStatus,
    list_at: dt.datetime | None,
    delist_at: dt.datetime | None,
    priced: bool,
    now: dt.datetime,
) -> None:
    row = {
        "status": status,
        "list_at": list_at,
        "delist_at": delist_at,
        "min_price_minor": 100 if priced else None,
    }
    with engine.begin() as conn:
        conn.execute(_products.delete())
        conn.execute(insert(_products).values(row))
        in_sql = conn.execute(select(listed_at(NOW)), {"now": now}).scalar_one()
    assert bool(in_sql) == domain_listed_at(status, list_at, delist_at, priced, now)
