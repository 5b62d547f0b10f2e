"""The kit's pytest plugin as a user meets it: a test file in a project of its own, run by
pytest, with the fixtures and the marker the plugin brings (loaded by its ``pytest11`` entry
point, as in a user's run — nothing here imports it)."""

from __future__ import annotations

import pytest

USER_TESTS = """
import uuid

import pytest

from shop_app.catalog.commands import CreateBrand
from shop_app.catalog.ports import CatalogQueries


@pytest.mark.rule("CAT-1")
async def test_a_fresh_runtime_per_test(shop):
    assert await shop.runtime.get(CatalogQueries).brands() == []
    await shop.runtime.bus.handle(CreateBrand(name="Acme"))
    assert [b.name for b in await shop.runtime.get(CatalogQueries).brands()] == ["Acme"]


async def test_and_the_next_one_starts_empty(shop):
    assert await shop.runtime.get(CatalogQueries).brands() == []


def test_the_clock_is_the_runtimes_and_moves(shop, shop_clock):
    before = shop.runtime.clock.now()
    shop_clock.advance(days=2)
    assert (shop.runtime.clock.now() - before).days == 2


async def test_the_client_serves_the_bundled_app(shop_client):
    response = await shop_client.get("/health/ready")
    assert response.status_code == 200


async def test_tokens_open_what_their_permissions_allow(shop_client, shop_tokens):
    body = {"name": "Acme"}
    writer = shop_tokens.headers(shop_tokens.operator("alice", "catalog.write"))
    reader = shop_tokens.headers(shop_tokens.operator("bob"))
    customer = shop_tokens.headers(shop_tokens.customer("carol"))
    statuses = [
        (await shop_client.post("/admin/catalog/brands", json=body, headers=h)).status_code
        for h in (writer, reader, customer, {})
    ]
    assert statuses == [201, 403, 403, 401]
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """An empty project of a user's: strict markers, pytest-asyncio in strict mode (the plugin's
    fixtures must not rely on our ``auto`` mode)."""
    pytester.makeini(
        "[pytest]\naddopts = --strict-markers -p no:cacheprovider\nasyncio_mode = strict\n"
    )
    return pytester


def test_the_plugins_fixtures_and_marker_work_in_a_users_project(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_mine=USER_TESTS.replace("async def test", "@pytest.mark.asyncio\nasync def test")
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=5)


def test_the_rule_marker_is_registered_by_the_plugin(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_marked="""
        import pytest

        @pytest.mark.rule("GC-7")
        def test_marked():
            pass
        """,
        test_unknown="""
        import pytest

        @pytest.mark.not_registered
        def test_unknown_marker():
            pass
        """,
    )
    result = project.runpytest_subprocess("--continue-on-collection-errors")
    # strict markers: the plugin's marker passes, an unregistered one is an error
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*'not_registered' not found in `markers`*"])


def test_a_users_conftest_overrides_the_plugins_fixtures(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
        import datetime as dt
        import pytest
        from shop_adapters.shared.system import FixedClock

        @pytest.fixture
        def shop_clock():
            return FixedClock(dt.datetime(2030, 5, 1, tzinfo=dt.UTC))
        """
    )
    project.makepyfile(
        test_clock="""
        def test_the_runtime_runs_on_my_clock(shop):
            assert shop.runtime.clock.now().year == 2030
        """
    )
    project.runpytest_subprocess("-p", "asyncio", "-o", "asyncio_mode=auto").assert_outcomes(
        passed=1
    )
