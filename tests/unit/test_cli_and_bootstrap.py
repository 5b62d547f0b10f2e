"""The composition root and the `shop` command line, on real SQLite files."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner

from shop_adapters.bootstrap import bootstrap
from shop_adapters.cli import main
from shop_adapters.settings import Settings
from shop_app.catalog.commands import CreateBrand
from shop_app.catalog.ports import CatalogQueries
from shop_app.catalog.queries import SearchCriteria
from shop_domain.shared.errors import InvalidValue


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "SHOP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/shop.db",
        "SHOP_JWT_SECRET_FILE": str(tmp_path / "jwt.secret"),
        "SHOP_GIFTCARD_KEY_FILE": str(tmp_path / "giftcard.keys"),
    }


def test_db_upgrade_demo_data_and_relay(env: dict[str, str]) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    assert runner.invoke(main, ["db", "check"], env=env).exit_code == 0
    first = runner.invoke(main, ["demo-data"], env=env)
    assert first.exit_code == 0, first.output
    assert "seeded the demo catalog: 3 products" in first.output
    again = runner.invoke(main, ["demo-data"], env=env)
    assert "already there" in again.output
    relayed = runner.invoke(main, ["relay", "--once"], env=env)
    assert relayed.exit_code == 0
    assert "published" in relayed.output
    assert "published 0 message(s)" not in relayed.output
    assert "published 0 message(s)" in runner.invoke(main, ["relay", "--once"], env=env).output


@pytest.mark.rule("SEC-1")
def test_token_is_a_valid_jwt_with_the_permissions(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        main, ["token", "alice", "--operator", "--perm", "catalog.write"], env=env
    )
    assert result.exit_code == 0
    secret = Path(env["SHOP_JWT_SECRET_FILE"]).read_text().strip()
    claims = jwt.decode(result.output.strip(), secret, algorithms=["HS256"], issuer="shop")
    assert claims["sub"] == "alice"
    assert claims["kind"] == "operator"
    assert claims["perms"] == ["catalog.write"]


def test_a_customer_token_cannot_carry_permissions(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["token", "bob", "--perm", "catalog.write"], env=env)
    assert result.exit_code != 0
    assert "customers hold no permissions" in result.output


def test_bad_settings_are_refused_with_a_message() -> None:
    with pytest.raises(InvalidValue) as err:
        Settings.from_env({"SHOP_BROKER": "kafka"})
    assert err.value.code == "settings.invalid"
    with pytest.raises(InvalidValue):
        Settings.from_env({"SHOP_JWT_SECRET": "short"})
    result = CliRunner().invoke(main, ["db", "upgrade"], env={"SHOP_MAX_CATEGORY_DEPTH": "9"})
    assert result.exit_code != 0
    assert "SHOP_MAX_CATEGORY_DEPTH" in result.output


def test_the_secret_is_not_in_the_settings_repr() -> None:
    secret = "a-secret-of-at-least-32-characters-long!"
    assert secret not in repr(Settings.from_env({"SHOP_JWT_SECRET": secret}))


async def test_bootstrap_in_memory_runs_commands_and_queries() -> None:
    shop = bootstrap(Settings(database_url="memory://"))
    try:
        brand = await shop.bus.handle(CreateBrand(name="Acme"))
        catalog = shop.get(CatalogQueries)
        assert [b.id for b in await catalog.brands()] == [brand]
        page = await catalog.search(SearchCriteria(), shop.clock.now())
        assert page.total == 0
        await shop.check_ready()
    finally:
        await shop.close()


async def test_bootstrap_on_sqlite_is_ready_and_relays(env: dict[str, str]) -> None:
    from shop_adapters.sql.engine import upgrade_async

    await upgrade_async(env["SHOP_DATABASE_URL"])
    shop = bootstrap(Settings(database_url=env["SHOP_DATABASE_URL"]))
    try:
        await shop.check_ready()
        await shop.bus.handle(CreateBrand(name="Acme"))
        assert shop.relay is not None
        assert await shop.relay.run_once() == 1
        assert await shop.relay.run_once() == 0
    finally:
        await shop.close()
