"""An embedder runs a shipped suite against an adapter of their own in a few lines (issue 11):
a test module of theirs, run by pytest with none of our configuration (pytest-asyncio in strict
mode, no conftest of ours), passes with a faithful adapter and fails with a broken one — so the
suite really runs on the embedder's adapter, not on ours."""

from __future__ import annotations

import pytest

from shop_testing.contracts import GiftCardStoreContract

USER_MODULE = """
import pytest_asyncio

from shop_adapters.sql.giftcards.store import SqlCardStore
from shop_testing.contracts import GiftCardStoreContract, SqlBackend


class MyCardStore:
    def __init__(self, engine):
        self._ours = SqlCardStore(engine)

    async def insert_chunk(self, batch_id, chunk, now):
        inserted = await self._ours.insert_chunk(batch_id, chunk, now)
        return inserted + {miscount}


class MyBackend(SqlBackend):
    def card_store(self):
        return MyCardStore(self.engine)


class TestMyCardStore(GiftCardStoreContract):
    @pytest_asyncio.fixture
    async def backend(self):
        backend = MyBackend()
        yield backend
        await backend.close()
"""

SUITE_SIZE = sum(1 for name in dir(GiftCardStoreContract) if name.startswith("test_"))


def run(pytester: pytest.Pytester, miscount: int) -> pytest.RunResult:
    pytester.makepyfile(test_my_card_store=USER_MODULE.format(miscount=miscount))
    strict = ("-o", "asyncio_mode=strict", "-o", "asyncio_default_fixture_loop_scope=function")
    return pytester.runpytest("-p", "no:cacheprovider", *strict, "-rf")


def test_the_suite_passes_on_a_faithful_adapter(pytester: pytest.Pytester) -> None:
    run(pytester, miscount=0).assert_outcomes(passed=SUITE_SIZE)


def test_the_suite_fails_on_a_broken_adapter(pytester: pytest.Pytester) -> None:
    """A card store that says it wrote one card more than it did."""
    result = run(pytester, miscount=1)
    assert result.parseoutcomes().get("failed", 0) > 0
    result.stdout.fnmatch_lines(
        ["FAILED *test_chunks_fill_the_batch_up_to_requested_and_no_further*"]
    )
