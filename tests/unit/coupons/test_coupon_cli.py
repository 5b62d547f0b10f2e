"""``shop coupons …`` against a real SQLite file: codes, export, segments, expiry."""

from __future__ import annotations

import asyncio
import csv
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.unit.coupons.coupon_builders import definition

from shop_adapters.bootstrap import bootstrap
from shop_adapters.cli import main
from shop_adapters.settings import Settings
from shop_adapters.sql.engine import upgrade
from shop_app.coupons import commands as c
from shop_app.coupons.queries import WalletQuery
from shop_app.coupons.services import CouponServices
from shop_domain.coupons import Distribution, Limits, Validity
from shop_domain.coupons.codes import ALPHABET, CODE_LENGTH


@pytest.fixture
def sqlite_file(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path}/shop.db"
    upgrade(url)
    return url


def _template(url: str, total: int) -> uuid.UUID:
    async def run() -> uuid.UUID:
        runtime = bootstrap(Settings(database_url=url))
        try:
            template_id: uuid.UUID = await runtime.bus.handle(
                c.CreateTemplate(
                    definition=definition(
                        limits=Limits(total, per_user=None, per_user_per_day=None),
                        distribution=Distribution.BOTH,
                        validity=Validity.relative(30),
                    ),
                    created_by="op",
                )
            )
            await runtime.bus.handle(c.ActivateTemplate(template_id=template_id))
            return template_id
        finally:
            await runtime.close()

    return asyncio.run(run())


def _wallet_count(url: str, user: uuid.UUID) -> int:
    async def run() -> int:
        runtime = bootstrap(Settings(database_url=url))
        try:
            wallet = await runtime.get(CouponServices).queries.wallet(
                WalletQuery(user_id=user), runtime.clock.now()
            )
            return sum(wallet.counts.values())
        finally:
            await runtime.close()

    return asyncio.run(run())


@pytest.mark.rule("CPN-4")
def test_codes_are_generated_with_progress_and_exported(sqlite_file: str, tmp_path: Path) -> None:
    env = {"SHOP_DATABASE_URL": sqlite_file}
    template_id = _template(sqlite_file, 5000)
    runner = CliRunner()

    made = runner.invoke(
        main, ["coupons", "generate-codes", str(template_id), "--count", "3000"], env=env
    )
    assert made.exit_code == 0, made.output
    assert "succeeded" in made.output
    batch_id = made.output.split("batch ", 1)[1].split()[0]

    out = tmp_path / "codes.csv"
    exported = runner.invoke(main, ["coupons", "export-codes", batch_id, "-o", str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["code"]
    codes = [row[0] for row in rows[1:]]
    assert len(codes) == len(set(codes)) == 3000
    assert all(len(code) == CODE_LENGTH and set(code) <= set(ALPHABET) for code in codes)

    # more codes than the total allows are refused, and nothing is reserved
    refused = runner.invoke(
        main, ["coupons", "generate-codes", str(template_id), "--count", "2001"], env=env
    )
    assert refused.exit_code != 0
    assert "coupon.codes_exceed_total" in refused.output


@pytest.mark.rule("CPN-3")
def test_a_segment_file_is_issued_once_per_campaign_key(sqlite_file: str, tmp_path: Path) -> None:
    env = {"SHOP_DATABASE_URL": sqlite_file}
    template_id = _template(sqlite_file, 100)
    users = [uuid.uuid4() for _ in range(120)]
    segment = tmp_path / "segment.csv"
    segment.write_text("user_id\n" + "\n".join(str(u) for u in users) + "\n")
    runner = CliRunner()

    first = runner.invoke(
        main,
        ["coupons", "issue-segment", str(template_id), str(segment), "--campaign-key", "spring"],
        env=env,
    )
    assert first.exit_code == 0, first.output
    assert "'issued': 100" in first.output
    assert "'coupon.sold_out': 20" in first.output
    again = runner.invoke(
        main,
        ["coupons", "issue-segment", str(template_id), str(segment), "--campaign-key", "spring"],
        env=env,
    )
    assert again.exit_code == 0, again.output
    assert "'issued': 0" in again.output
    assert "'already': 100" in again.output
    assert _wallet_count(sqlite_file, users[0]) == 1
    assert _wallet_count(sqlite_file, users[-1]) == 0

    bad = tmp_path / "bad.csv"
    bad.write_text(f"{users[0]}\nnot-a-user\n")
    refused = runner.invoke(
        main,
        ["coupons", "issue-segment", str(template_id), str(bad), "--campaign-key", "x"],
        env=env,
    )
    assert refused.exit_code != 0
    assert "line 2" in refused.output


@pytest.mark.rule("CPN-12")
def test_the_expiry_sweep_runs_from_the_command_line(sqlite_file: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["coupons", "expire"], env={"SHOP_DATABASE_URL": sqlite_file})
    assert result.exit_code == 0, result.output
    assert "expired 0 coupon(s)" in result.output
    swept = runner.invoke(main, ["sweep"], env={"SHOP_DATABASE_URL": sqlite_file})
    assert swept.exit_code == 0, swept.output
    assert "expired 0 coupon(s)" in swept.output
