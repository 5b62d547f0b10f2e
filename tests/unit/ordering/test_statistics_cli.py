"""``shop orders stats`` against a real SQLite file (ORD-10): the figures as a table; a bad
range is a usage error."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from shop_adapters.cli.ordering_stats import STATS_COMMAND
from shop_adapters.shared.system import FixedClock, UuidV7Generator
from shop_adapters.sql.engine import make_engine, upgrade
from shop_adapters.sql.ordering.statistics_projection import SqlOrderStatistics
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_domain.ordering.events import OrderPaid

PAID_AT = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)


def _paid(url: str) -> None:
    event = OrderPaid(
        occurred_at=PAID_AT,
        order_id=uuid.UUID(int=1),
        number="N1",
        user_id=uuid.UUID(int=2),
        channel="web",
        payable=9999,
        external=9999,
        gift_card=0,
        points_used=0,
        currency="CNY",
        payment_id=None,
        children=(),
    )

    async def run() -> None:
        engine = make_engine(url)
        try:
            async with SqlShopUnitOfWork(engine, FixedClock(PAID_AT), UuidV7Generator()) as uow:
                await SqlOrderStatistics(uow).apply([event])
                await uow.commit()
        finally:
            await engine.dispose()

    asyncio.run(run())


@pytest.mark.rule("ORD-10")
def test_the_figures_are_printed(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/shop.db"
    upgrade(url)
    _paid(url)
    env = {"SHOP_DATABASE_URL": url}
    asked = ["--period", "month", "--from", "2026-04-01", "--to", "2026-04-30"]
    done = CliRunner().invoke(STATS_COMMAND, [*asked, "--channel", "web"], env=env)
    assert done.exit_code == 0, done.output
    assert "orders per month, web (Asia/Shanghai)" in done.output
    assert "99.99" in done.output
    wrong = CliRunner().invoke(
        STATS_COMMAND, ["--from", "2026-04-02", "--to", "2026-04-01"], env=env
    )
    assert wrong.exit_code == 2
    assert "ends before it starts" in wrong.output
