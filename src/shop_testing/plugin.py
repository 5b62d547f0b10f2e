"""The kit's pytest plugin, loaded by pytest through the ``pytest11`` entry point ``shop``.

Fixtures (each may be overridden by a fixture of the same name in your ``conftest.py``):

- ``shop_clock`` — a :class:`FixedClock` the test moves (``shop_clock.advance(days=1)``);
- ``shop_settings`` — the :class:`Settings` of the runtime (``memory://``, SMS kept in memory);
- ``shop_contexts`` — the contexts plugged in: ours; add yours (``(*CONTEXTS, mine)``);
- ``shop`` — a fresh :class:`~shop_testing.harness.MemoryShop` per test: a runtime on a
  ``memory://`` database of its own, on ``shop_clock``, closed after the test;
- ``shop_tokens`` — bearer tokens for customers and operators, signed for that runtime;
- ``shop_client`` — an HTTP client of the bundled app over that runtime (Litestar's
  ``AsyncTestClient``: ``await shop_client.get("/health/ready")``).

Loading the plugin imports nothing of `shop`: a fixture imports what it needs when a test asks
for it, so a pytest run that uses none of them pays nothing. The plugin also registers the
``rule`` marker (``@pytest.mark.rule("CPN-2")``: the business rule a test checks). The async
fixtures need ``pytest-asyncio`` (``pip install shop[testing]``); they work in its strict and
auto modes alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import pytest
import pytest_asyncio

if TYPE_CHECKING:  # `shop` is imported by the fixtures, not when pytest loads the plugin
    from shop_adapters.plugin import ContextPlugin
    from shop_adapters.settings import Settings
    from shop_adapters.shared.system import FixedClock
    from shop_testing.harness import MemoryShop


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(id): the business rule (RULES.md) a test checks")


@attrs.frozen
class Tokens:
    """Bearer tokens a runtime accepts: a customer's, or an operator's with permissions.

    ``shop_tokens.operator("alice", "coupons.write")`` is a token; ``shop_tokens.headers(...)``
    the ``Authorization`` header that carries it."""

    settings: Settings

    def customer(self, subject: str = "customer-1", *permissions: str) -> str:
        return self._mint(subject, "customer", permissions)

    def operator(self, subject: str = "operator-1", *permissions: str) -> str:
        """An operator's token; without permissions it may do nothing an operator is guarded
        for (``"*"`` is every permission)."""
        return self._mint(subject, "operator", permissions)

    def headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def _mint(self, subject: str, kind: Any, permissions: Iterable[str]) -> str:
        from shop_adapters.http import mint_token  # the HTTP adapter only when tokens are asked

        return mint_token(self.settings, subject, kind, permissions)


@pytest.fixture
def shop_clock() -> FixedClock:
    from shop_adapters.shared.system import FixedClock

    return FixedClock()


@pytest.fixture
def shop_settings() -> Settings:
    from shop_testing.harness import memory_settings

    return memory_settings()


@pytest.fixture
def shop_contexts() -> Sequence[ContextPlugin]:
    from shop_adapters.contexts import CONTEXTS

    return CONTEXTS


@pytest_asyncio.fixture
async def shop(
    shop_settings: Settings, shop_clock: FixedClock, shop_contexts: Sequence[ContextPlugin]
) -> AsyncIterator[MemoryShop]:
    from shop_testing.harness import memory_shop

    opened = memory_shop(shop_settings, clock=shop_clock, contexts=shop_contexts)
    try:
        await opened.runtime.start()
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def shop_tokens(shop: MemoryShop) -> Tokens:
    return Tokens(shop.runtime.settings)


@pytest_asyncio.fixture
async def shop_client(shop: MemoryShop) -> AsyncIterator[Any]:
    from litestar.testing import AsyncTestClient

    from shop_adapters.http import create_app

    async with AsyncTestClient(app=create_app(shop.runtime)) as client:
        yield client
