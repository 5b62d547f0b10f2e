"""``shop orders stats``: the order statistics (ORD-10) as a table — per day, ISO week or month
from one day to another (days of the statistics' time zone), for one channel or all.

:data:`STATS_COMMAND` is the ``stats`` command of the ordering plug-in's ``orders`` group
(decision 0044).
"""

from __future__ import annotations

import datetime as dt

import click
from rich.table import Table

from shop_adapters.cli.support import console, run_with_runtime
from shop_adapters.runtime import Runtime
from shop_app.ordering.statistics import StatisticsQueries, StatisticsQuery, StatisticsReport
from shop_domain.shared.errors import DomainError
from shop_domain.shared.money import Money

COLUMNS = (
    "from",
    "to",
    "currency",
    "submitted",
    "paid",
    "customers",
    "GMV",
    "refunded",
    "net",
    "AOV",
)


def _amount(money: Money | None) -> str:
    return "-" if money is None else f"{money.amount:.{money.exponent}f}"


def _table(report: StatisticsReport) -> Table:
    table = Table(
        title=f"orders per {report.query.period.value}, {report.query.channel} ({report.time_zone})"
    )
    for name in COLUMNS:
        table.add_column(name, justify="left" if name in ("from", "to", "currency") else "right")
    for p in report.periods:
        table.add_row(
            p.start.isoformat(),
            p.end.isoformat(),
            p.currency,
            str(p.submitted),
            str(p.paid),
            str(p.paying_customers),
            _amount(p.gmv),
            _amount(p.refunded),
            _amount(p.net),
            _amount(p.average_order_value),
        )
    return table


@click.command("stats")
@click.option(
    "--period", type=click.Choice(["day", "week", "month"]), default="day", show_default=True
)
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--channel", default=None, help="app, h5, web, mini_program… (all if not given)")
def stats(period: str, start: dt.datetime, end: dt.datetime, channel: str | None) -> None:
    """GMV, orders, paying customers and average order value per period (ORD-10)."""
    try:
        query = StatisticsQuery.of(period, start.date(), end.date(), channel)
    except DomainError as exc:
        raise click.UsageError(exc.message) from exc

    async def job(runtime: Runtime) -> StatisticsReport:
        found: StatisticsReport = await runtime.get(StatisticsQueries).figures(query)
        return found

    console.print(_table(run_with_runtime(job)))


STATS_COMMAND = stats

__all__ = ["STATS_COMMAND"]
