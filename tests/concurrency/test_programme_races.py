"""Operators changing the points programme at once on PostgreSQL: of twelve changes made from
the same revision, across six processes, exactly one is put in force; the others are refused
(``points.programme_conflict``) and write nothing — one revision row, one event (PTS-1)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from tests.concurrency.conftest import Cluster, jittered, race, refusal_codes

from shop_adapters.shared.system import UuidV7Generator
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.loyalty.programme import SqlProgrammeReads
from shop_adapters.sql.loyalty.tables import loyalty_programme_revisions, loyalty_programmes
from shop_adapters.sql.messaging_tables import outbox
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_app.loyalty.programme import ChangeProgramme, ProgrammeRevised, programme_command_handlers
from shop_app.shared.errors import PersistenceConflict
from shop_app.shared.messagebus import MessageBus
from shop_domain.loyalty.document import programme_document
from shop_domain.loyalty.programme import Programme

pytestmark = [pytest.mark.postgres, pytest.mark.rule("PTS-1")]


@pytest.fixture
async def buses(cluster: Cluster) -> AsyncIterator[list[MessageBus]]:
    ids = UuidV7Generator()
    engines = [make_engine(cluster.url, pool_size=3) for _ in range(6)]
    handlers = programme_command_handlers(Programme())
    yield [
        MessageBus(lambda e=engine: SqlShopUnitOfWork(e, cluster.clock, ids), handlers)
        for engine in engines
    ]
    for engine in engines:
        await engine.dispose()


async def test_of_changes_made_from_one_revision_at_once_exactly_one_is_put_in_force(
    cluster: Cluster, buses: list[MessageBus]
) -> None:
    attempts = []
    for n in range(12):
        document = programme_document(Programme())
        document["earning"]["check_in_scale"] = [n + 1]
        change = ChangeProgramme(
            document=document, expected_revision=0, reason=f"change {n}", actor=f"op-{n}"
        )
        attempts.append(buses[n % len(buses)].handle(change))
    results = await race(jittered(attempt, random.Random("programme")) for attempt in attempts)
    assert refusal_codes(results) == ["points.programme_conflict"] * 11
    [won] = [r for r in results if isinstance(r, ProgrammeRevised)]
    assert won == ProgrammeRevised(1, True)
    async with cluster.reader.connect() as conn:
        rows = (await conn.execute(select(loyalty_programme_revisions))).all()
        held = (await conn.execute(select(loyalty_programmes))).one()
        events = (
            await conn.execute(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.type == "loyalty.programme_changed")
            )
        ).scalar_one()
    [row] = rows
    assert (row.revision, held.revision, events) == (1, 1, 1)
    winner = int(row.reason.removeprefix("change "))
    assert row.document["earning"]["check_in_scale"] == [winner + 1]
    stored = await SqlProgrammeReads(cluster.reader).stored()
    assert stored is not None
    assert stored.programme.earning.check_in_scale == (winner + 1,)
    for statement in (
        loyalty_programme_revisions.update().values(reason="rewritten"),
        loyalty_programme_revisions.delete(),
    ):
        with pytest.raises(PersistenceConflict) as refused:
            async with cluster.reader.begin() as conn:
                await conn.execute(statement)
        assert "append-only" in str(refused.value.__cause__)
