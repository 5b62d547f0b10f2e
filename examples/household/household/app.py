"""The service: `shop`'s contexts with the household rule in front of them.

``python -m household`` serves it over HTTP on http://127.0.0.1:8001 (SQLite in ``./var`` by
default, or ``SHOP_DATABASE_URL``), with `shop`'s whole back office plus
``PUT /household/address``.
"""

from __future__ import annotations

from shop_adapters.bootstrap import bootstrap
from shop_adapters.contexts import CONTEXTS
from shop_adapters.plugin import ContextPlugin
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings

from household.context import HOUSEHOLDS

SERVICE_CONTEXTS: tuple[ContextPlugin, ...] = (HOUSEHOLDS, *CONTEXTS)
"""The household context first: its check wraps each claim before `shop`'s batching does."""


def build_runtime(settings: Settings | None = None) -> Runtime:
    """The service's runtime (``Settings.from_env()`` when no settings are given)."""
    return bootstrap(settings, contexts=SERVICE_CONTEXTS)


__all__ = ["SERVICE_CONTEXTS", "build_runtime"]
