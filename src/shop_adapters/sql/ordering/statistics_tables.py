"""Tables of the order statistics (ORD-10), kept by the statistics projection in the same
transaction as the orders and payments (decision 0044).

- ``order_stats_days``: per day in the statistics' time zone, channel and currency, the orders
  submitted and paid, the GMV and the refunds; spread over :data:`STATS_SLOTS` rows, which a
  commit picks at random and adds its figures to with one upsert, so that many orders paid at
  once rarely wait for one row; readers sum the slots. ``week`` and ``month`` (their first days)
  let one ``GROUP BY`` answer every period.
- ``order_stats_payers``: one row per (day, channel, currency, customer) who paid that day, so
  that the distinct paying customers of a week or a month are counted exactly across its days.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import BigInteger, CheckConstraint, Column, Date, SmallInteger, String, Table, Uuid

from shop_adapters.sql.metadata import metadata

STATS_SLOTS: Final = 8
FIGURES: Final = ("submitted", "paid", "gmv_minor", "refunded_minor")


def _when() -> list[Column[object]]:
    return [
        Column("day", Date, primary_key=True),
        Column("channel", String(32), primary_key=True),
        Column("currency", String(3), primary_key=True),
    ]


order_stats_days = Table(
    "order_stats_days",
    metadata,
    *_when(),
    Column("slot", SmallInteger, primary_key=True, autoincrement=False),
    Column("week", Date, nullable=False),
    Column("month", Date, nullable=False),
    *(Column(name, BigInteger, nullable=False) for name in FIGURES),
    CheckConstraint(
        "submitted >= 0 AND paid >= 0 AND gmv_minor >= 0 AND refunded_minor >= 0",
        name="figures",
    ),
)

order_stats_payers = Table(
    "order_stats_payers",
    metadata,
    *_when(),
    Column("user_id", Uuid, primary_key=True),
    Column("week", Date, nullable=False),
    Column("month", Date, nullable=False),
)

__all__ = ["FIGURES", "STATS_SLOTS", "order_stats_days", "order_stats_payers"]
