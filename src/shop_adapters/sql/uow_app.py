"""The application's SQL unit of work: the kernel's, plus what every context plugged in brings —
its repositories (``uow.coupons``, made on first use in each transaction) and its in-transaction
read models (ADR 0013). A repository with a ``before_commit`` coroutine has it awaited as the
unit commits (the one-time codes written back)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.plugin import ContextPlugin
from shop_adapters.sql.uow import SqlUnitOfWork
from shop_app.shared.ports import Clock, IdGenerator, OutboxMessage
from shop_app.shared.unit_of_work import Projection

_MAKERS: dict[tuple[int, ...], tuple[tuple[ContextPlugin, ...], dict[str, Any]]] = {}
"""Per list of contexts (by identity: the list is kept, so no id is reused while it is here),
the repositories they offer — collected once, not per unit of work."""


def _every_repository(contexts: Sequence[ContextPlugin]) -> dict[str, Callable[[Any], Any]]:
    key = tuple(id(context) for context in contexts)
    found = _MAKERS.get(key)
    if found is None:
        found = _MAKERS[key] = (tuple(contexts), _collect(contexts))
    return found[1]


def _collect(contexts: Sequence[ContextPlugin]) -> dict[str, Callable[[Any], Any]]:
    found: dict[str, Callable[[Any], Any]] = {}
    for context in contexts:
        for name, make in context.repositories.items():
            if name in found:
                raise ValueError(f"two contexts offer the repository uow.{name}")
            found[name] = make
    return found


class SqlShopUnitOfWork(SqlUnitOfWork):
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        ids: IdGenerator,
        contexts: Sequence[ContextPlugin] | None = None,
    ) -> None:
        super().__init__(engine, clock, ids)
        if contexts is None:
            from shop_adapters.contexts import CONTEXTS

            contexts = CONTEXTS
        self._makers: Mapping[str, Callable[[Any], Any]] = _every_repository(contexts)
        self._made: dict[str, Any] = {}
        self._projections: tuple[Projection, ...] = tuple(
            make(self) for context in contexts for make in context.projections
        )

    def _repositories(self) -> None:
        self._made = {}

    def __getattr__(self, name: str) -> Any:
        # only for names not found on the instance: the contexts' repositories
        makers = self.__dict__.get("_makers", {})
        if name not in makers:
            raise AttributeError(name)
        made = self.__dict__["_made"]
        found = made.get(name)
        if found is None:
            found = made[name] = makers[name](self)
        return found

    def projections(self) -> Sequence[Projection]:
        return self._projections

    async def _commit(self, messages: Sequence[OutboxMessage]) -> None:
        for repository in list(self._made.values()):
            before_commit = getattr(repository, "before_commit", None)
            if before_commit is not None:
                await before_commit()
        await super()._commit(messages)
