"""Points accounts in their tables (the mapper of ADR 0023).

An account's lots, orders and entries are children it does not load with itself
(``Children(loaded=False)``): the repository loads the lots and orders an operation needs
(:mod:`.repositories`), and the entries — the history — are never read back by the aggregate,
only added. An order's parts and keys are JSON lists in its row; a lot's ``spend_until`` is
derived from its expiry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from shop_adapters.sql.loyalty.tables import (
    NEVER,
    loyalty_programme_revisions,
    loyalty_programmes,
    mall_items,
    mall_redemptions,
    member_growth,
    members,
    points_accounts,
    points_check_ins,
    points_entries,
    points_lots,
    points_orders,
)
from shop_adapters.sql.mapper import Children, TableMap, Value, money
from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.checkins import CheckInCalendar
from shop_domain.loyalty.document import programme_document, programme_from_document
from shop_domain.loyalty.lots import Entry, Lot, Part
from shop_domain.loyalty.mall import MallItem, Redemption
from shop_domain.loyalty.membership import GrowthEntry, Member
from shop_domain.loyalty.orders import OrderPoints
from shop_domain.loyalty.settings import ProgrammeRevision, ProgrammeSettings


def _parts_from(rows: list[list[Any]]) -> list[Part]:
    return [
        Part(
            uuid.UUID(lot_id),
            points,
            None if ends is None else dt.datetime.fromisoformat(ends),
            back,
        )
        for lot_id, points, ends, back in rows
    ]


def _parts_to(parts: list[Part]) -> tuple[Any, ...]:
    return (
        [
            [
                str(p.lot_id),
                p.points,
                None if p.expires_at is None else p.expires_at.isoformat(),
                p.returned,
            ]
            for p in parts
        ],
    )


def _keys_from(rows: dict[str, Any]) -> dict[str, Any]:
    return {
        key: ((name, tuple(figures)), answer) for key, ((name, figures), answer) in rows.items()
    }


def _keys_to(keys: dict[str, Any]) -> tuple[Any, ...]:
    return (
        {key: [[name, list(figures)], answer] for key, ((name, figures), answer) in keys.items()},
    )


def _runs_from(rows: list[list[str]]) -> list[tuple[dt.date, dt.date]]:
    return [(dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for a, b in rows]


def _runs_to(runs: list[tuple[dt.date, dt.date]]) -> tuple[Any, ...]:
    return ([[a.isoformat(), b.isoformat()] for a, b in runs],)


def _days_from(rows: list[str]) -> list[dt.date]:
    return [dt.date.fromisoformat(day) for day in rows]


def _days_to(days: list[dt.date]) -> tuple[Any, ...]:
    return ([day.isoformat() for day in days],)


CHECK_INS = TableMap(
    CheckInCalendar,
    points_check_ins,
    values=[
        Value("runs", ("runs",), _runs_from, _runs_to),
        Value("made_up", ("made_up",), _days_from, _days_to),
    ],
)
LOTS = TableMap(
    Lot,
    points_lots,
    parent_column="account_id",
    derived=lambda lot, _account: {"spend_until": lot.expires_at or NEVER},
    derived_columns=("spend_until",),
    versioned=False,
)
ORDERS = TableMap(
    OrderPoints,
    points_orders,
    parent_column="account_id",
    values=[
        Value("hold_parts", ("hold_parts",), _parts_from, _parts_to),
        Value("spent_parts", ("spent_parts",), _parts_from, _parts_to),
        Value("keys", ("keys",), _keys_from, _keys_to),
    ],
    versioned=False,
)
ENTRIES = TableMap(Entry, points_entries, parent_column="account_id", versioned=False)
ACCOUNTS = TableMap(
    PointsAccount,
    points_accounts,
    children=[
        Children("lots", LOTS, "account_id", "spend_until", keyed_by="id", loaded=False),
        Children("orders", ORDERS, "account_id", "order_id", keyed_by="order_id", loaded=False),
        Children("entries", ENTRIES, "account_id", "seq", loaded=False),
    ],
)

GROWTH = TableMap(GrowthEntry, member_growth, parent_column="member_id", versioned=False)
MEMBERS = TableMap(
    Member, members, children=[Children("entries", GROWTH, "member_id", "seq", loaded=False)]
)

MALL_ITEMS = TableMap(
    MallItem, mall_items, values=[money("cash", "cash_minor", "cash_currency", optional=True)]
)
REDEMPTIONS = TableMap(
    Redemption,
    mall_redemptions,
    values=[money("cash", "cash_minor", "cash_currency", optional=True)],
)

REVISIONS = TableMap(
    ProgrammeRevision, loyalty_programme_revisions, parent_column="programme_id", versioned=False
)
PROGRAMMES = TableMap(
    ProgrammeSettings,
    loyalty_programmes,
    values=[
        Value(
            "programme",
            ("programme",),
            programme_from_document,
            lambda programme: (programme_document(programme),),
        )
    ],
    children=[Children("revisions", REVISIONS, "programme_id", "revision", loaded=False)],
)

__all__ = [
    "ACCOUNTS",
    "CHECK_INS",
    "ENTRIES",
    "GROWTH",
    "LOTS",
    "MALL_ITEMS",
    "MEMBERS",
    "ORDERS",
    "PROGRAMMES",
    "REDEMPTIONS",
    "REVISIONS",
]
