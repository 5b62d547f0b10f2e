"""``shop stock import`` against a real SQLite file (STK-1): a stock count from CSV with a
progress bar; a file with anything wrong changes nothing and says where; the same file again
changes nothing; a count below what is reserved is refused for its row only."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from shop_adapters.bootstrap import bootstrap
from shop_adapters.cli import main
from shop_adapters.settings import Settings
from shop_adapters.sql.engine import upgrade
from shop_app.fulfillment.ports import StockQueries
from shop_app.fulfillment.stock import CreateWarehouse, ReserveStock, StockLine

pytestmark = pytest.mark.rule("STK-1")
MUG, TEE = uuid.UUID(int=0x5C01), uuid.UUID(int=0x5C02)


def run(url: str, command: object) -> object:
    async def go() -> object:
        runtime = bootstrap(Settings(database_url=url))
        try:
            return await runtime.bus.handle(command)
        finally:
            await runtime.close()

    return asyncio.run(go())


def levels(url: str, sku: uuid.UUID) -> list[tuple[int, int]]:
    async def go() -> list[tuple[int, int]]:
        runtime = bootstrap(Settings(database_url=url))
        try:
            found = await runtime.get(StockQueries).levels(sku)
            return [(level.on_hand, level.reserved) for level in found]
        finally:
            await runtime.close()

    return asyncio.run(go())


def test_a_count_is_imported_once_and_a_bad_file_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/shop.db"
    upgrade(url)
    env = {"SHOP_DATABASE_URL": url}
    house = run(url, CreateWarehouse(code="SH-1", name="Shanghai", regions=frozenset({"310000"})))
    assert isinstance(house, uuid.UUID)
    runner = CliRunner()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"sku_id,warehouse,on_hand\n{MUG},SH-1,5\nnot-a-sku,SH-1,1\n{TEE},XX,1\n{TEE},SH-1,-2\n",
        encoding="utf-8",
    )
    refused = runner.invoke(main, ["stock", "import", str(bad)], env=env)
    assert refused.exit_code == 1
    for said in ("line 3", "line 4", "line 5", "nothing imported"):
        assert said in refused.output
    assert levels(url, MUG) == []

    good = tmp_path / "count.csv"
    good.write_text(f"sku_id,warehouse,on_hand\n{MUG},SH-1,5\n{TEE},SH-1,2\n", encoding="utf-8")
    done = runner.invoke(main, ["stock", "import", str(good), "--by", "ops"], env=env)
    assert done.exit_code == 0, done.output
    assert "counted 2 row(s); 0 refused" in done.output
    assert (levels(url, MUG), levels(url, TEE)) == ([(5, 0)], [(2, 0)])
    again = runner.invoke(main, ["stock", "import", str(good)], env=env)
    assert again.exit_code == 0
    assert (levels(url, MUG), levels(url, TEE)) == ([(5, 0)], [(2, 0)])

    run(url, ReserveStock(order_id=uuid.uuid4(), lines=(StockLine(MUG, house, 4),)))
    short = tmp_path / "short.csv"
    short.write_text(f"sku_id,warehouse,on_hand\n{MUG},SH-1,3\n{TEE},SH-1,9\n", encoding="utf-8")
    partly = runner.invoke(main, ["stock", "import", str(short)], env=env)
    assert partly.exit_code == 0
    assert "stock.below_reserved" in partly.output
    assert "counted 1 row(s); 1 refused" in partly.output
    assert (levels(url, MUG), levels(url, TEE)) == ([(5, 4)], [(9, 0)])
