"""Verified phones under real concurrency on PostgreSQL (MEM-1, GC-5; decision 0037): members
on several "processes" (each its own pool, bus and code store) verify the same number at once,
each with the right code of their own — exactly one holds it, every other is told
``member.phone_taken`` and keeps what it had; read back with plain SQL."""

from __future__ import annotations

import asyncio
import random
import re
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.concurrency.conftest import Cluster, Processes, jittered, race, refusal_codes

from shop_adapters.shared.sms import MemorySmsSender
from shop_adapters.shared.system import UuidV7Generator
from shop_adapters.sql.loyalty.tables import members
from shop_adapters.sql.otp import SqlOneTimeCodeStore
from shop_adapters.sql.uow_app import SqlShopUnitOfWork
from shop_app.loyalty.phones import (
    PhoneHeld,
    RequestPhoneCode,
    VerifyPhone,
    phone_handlers,
    phone_middlewares,
)
from shop_app.shared.messagebus import MessageBus
from shop_app.shared.otp import OneTimeCodes
from shop_domain.loyalty.errors import PhoneTaken

pytestmark = [pytest.mark.postgres, pytest.mark.rule("MEM-1"), pytest.mark.rule("GC-5")]

TAKEN = PhoneTaken.code


class PhoneProcesses(Processes):
    """The verification's bus on each engine, with a code store on that engine; one SMS
    gateway for all."""

    def __init__(self, cluster: Cluster) -> None:
        self.sms = MemorySmsSender()

        def bus_on(engine: AsyncEngine, uow: Callable[[], SqlShopUnitOfWork]) -> MessageBus:
            codes = OneTimeCodes(SqlOneTimeCodeStore(engine), self.sms)
            return MessageBus(
                uow, phone_handlers(codes), middlewares=phone_middlewares(codes, cluster.clock)
            )

        super().__init__(cluster, bus_on, count=4, pool_size=6)

    def last_code(self) -> str:
        found = re.search(r"\b(\d{6})\b", self.sms.sent[-1].text)
        assert found is not None
        return found.group(1)


@pytest.fixture
async def processes(cluster: Cluster) -> AsyncIterator[PhoneProcesses]:
    made = PhoneProcesses(cluster)
    yield made
    await made.close()


async def holders(cluster: Cluster, phone: str) -> list[uuid.UUID]:
    async with cluster.reader.connect() as conn:
        rows = await conn.execute(select(members.c.user_id).where(members.c.phone == phone))
        return [row.user_id for row in rows]


async def verification(processes: PhoneProcesses, user: uuid.UUID, phone: str) -> VerifyPhone:
    """``user``'s request for a code, answered: the verification they would send."""
    await processes.bus(0).handle(RequestPhoneCode(user_id=user, phone=phone))
    return VerifyPhone(user_id=user, phone=phone, code=processes.last_code())


@pytest.mark.parametrize("round_", range(3))
async def test_of_many_verifying_one_number_at_once_exactly_one_holds_it(
    cluster: Cluster, processes: PhoneProcesses, round_: int
) -> None:
    rng = random.Random(f"phones-{round_}")
    phone = f"+86139{rng.randrange(10**8):08d}"
    users = [uuid.uuid4() for _ in range(12)]
    commands = [await verification(processes, user, phone) for user in users]
    results = await race(
        jittered(processes.bus(i).handle(command), rng, spread=0.01)
        for i, command in enumerate(commands)
    )
    assert refusal_codes(results) == [TAKEN] * (len(users) - 1)
    [winner] = [user for user, r in zip(users, results, strict=True) if isinstance(r, PhoneHeld)]
    assert await holders(cluster, phone) == [winner]


async def test_the_second_to_write_a_number_waits_for_the_first_and_is_refused(
    cluster: Cluster, processes: PhoneProcesses
) -> None:
    """Both saw the number free; the unique index makes the second wait for the first's
    commit, then refuses it — as ``member.phone_taken``, not a bare storage conflict."""
    phone = "+8613912345678"
    first, second = uuid.uuid4(), uuid.uuid4()
    engine = processes.engines[0]
    ids = UuidV7Generator()
    async with (
        SqlShopUnitOfWork(engine, cluster.clock, ids) as one,
        SqlShopUnitOfWork(engine, cluster.clock, ids) as two,
    ):
        now = cluster.clock.now()
        member_one = await one.members.opened(first, now, ids.new_id())
        member_two = await two.members.opened(second, now, ids.new_id())
        assert await one.members.phone_holder(phone) is None
        assert await two.members.phone_holder(phone) is None
        member_one.verify_phone(phone, now)
        await one.members.keep_phone(member_one)
        member_two.verify_phone(phone, now)
        waiting = asyncio.create_task(two.members.keep_phone(member_two))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # held up by the first's uncommitted index entry
        await one.commit()
        with pytest.raises(PhoneTaken):
            await waiting
    assert await holders(cluster, phone) == [first]
