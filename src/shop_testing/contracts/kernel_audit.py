"""Contract of the audit log: ``uow.audit`` writes with the unit of work, ``backend.audit()``
reads (SEC-2)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from shop_app.catalog.commands import CreateBrand, CreateCategory, RenameCategory
from shop_app.shared.audit import AuditEntry
from shop_app.shared.auth import Principal
from shop_domain.catalog import CategoryNotFound
from shop_testing.contracts.backend import T0, Backend

OPERATOR = Principal("op-1", "operator", frozenset({"catalog.write"}))


def entry(
    n: int,
    *,
    actor: str = "op-1",
    action: str = "create_brand",
    target: str = "",
    outcome: str = "done",
) -> AuditEntry:
    return AuditEntry(
        id=uuid.UUID(int=0x0190_0000_0000_7000_8000_0000_0000_0000 + n),
        at=T0 + dt.timedelta(seconds=n),
        actor_kind="operator",
        actor=actor,
        action=action,
        target=target,
        outcome=outcome,
        detail={"n": n, "name": {"$money": [100, "CNY"]}, "tags": ["a", "b"], "none": None},
    )


class AuditLogContract:
    """The audit log of a backend's unit of work and its read side. Subclasses provide the
    ``backend`` fixture."""

    pytestmark = [pytest.mark.asyncio]

    @pytest.mark.rule("SEC-2")
    async def test_an_entry_appended_in_a_unit_of_work_commits_with_it(
        self, backend: Backend
    ) -> None:
        written = entry(1, target="t-1")
        async with backend.uow() as uow:
            await uow.audit.append(written)
            await uow.commit()
        assert await backend.audit().list() == [written]
        assert await backend.audit().count() == 1

    @pytest.mark.rule("SEC-2")
    async def test_an_entry_of_a_rolled_back_unit_of_work_is_not_kept(
        self, backend: Backend
    ) -> None:
        async with backend.uow() as uow:
            await uow.audit.append(entry(1))
        assert await backend.audit().list() == []

    async def test_lists_newest_first_with_filters_and_pages(self, backend: Backend) -> None:
        entries = [
            entry(1, actor="op-1", action="create_brand", target="b-1"),
            entry(2, actor="op-2", action="create_brand", target="b-2"),
            entry(3, actor="op-1", action="rename_category", target="c-1", outcome="refused"),
            entry(4, actor="op-1", action="create_brand", target="b-1"),
        ]
        async with backend.uow() as uow:
            for item in entries:
                await uow.audit.append(item)
            await uow.commit()
        audit = backend.audit()
        assert [e.id for e in await audit.list()] == [e.id for e in reversed(entries)]
        assert [e.detail["n"] for e in await audit.list(actor="op-1")] == [4, 3, 1]
        assert [e.detail["n"] for e in await audit.list(action="create_brand")] == [4, 2, 1]
        assert [e.detail["n"] for e in await audit.list(target="b-1")] == [4, 1]
        assert [e.detail["n"] for e in await audit.list(actor="op-1", action="create_brand")] == [
            4,
            1,
        ]
        assert [e.detail["n"] for e in await audit.list(limit=2, offset=1)] == [3, 2]
        assert await audit.list(actor="nobody") == []
        assert await audit.count(actor="op-1") == 3
        assert await audit.count(action="create_brand", target="b-1") == 2
        assert await audit.count(target="zzz") == 0

    @pytest.mark.rule("SEC-2")
    async def test_the_bus_audits_an_operators_actions_done_and_refused(
        self, backend: Backend
    ) -> None:
        bus = backend.bus()
        category_id = await bus.handle(CreateCategory(name="Phones"), actor=OPERATOR)
        backend.clock.advance(seconds=1)
        await bus.handle(RenameCategory(category_id, "Mobiles"), actor=OPERATOR)
        backend.clock.advance(seconds=1)
        missing = uuid.uuid4()
        with pytest.raises(CategoryNotFound):
            await bus.handle(RenameCategory(missing, "Nope"), actor=OPERATOR)
        await bus.handle(CreateBrand(name="Acme"))  # no actor: not an operator action
        entries = await backend.audit().list()
        assert [(e.action, e.outcome, e.target) for e in entries] == [
            ("rename_category", "refused", str(missing)),
            ("rename_category", "done", str(category_id)),
            ("create_category", "done", ""),
        ]
        refused, renamed, created = entries
        assert renamed.detail == {"category_id": {"$uuid": str(category_id)}, "name": "Mobiles"}
        assert created.detail == {"name": "Phones", "parent_id": None}
        assert refused.detail["$error"] == "catalog.category_not_found"
        assert [e.at for e in entries] == [T0 + dt.timedelta(seconds=s) for s in (2, 1, 0)]
        assert {(e.actor_kind, e.actor) for e in entries} == {("operator", "op-1")}
