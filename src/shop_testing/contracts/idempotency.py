"""The contract of :class:`~shop_app.shared.ports.IdempotencyStore`, which keeps the first
outcome of a command sent with an idempotency key (SEC-5).

The store lives in the unit of work (``uow.idempotency``), writing in the command's own
transaction, so a subclass of :class:`IdempotencyStoreContract` gives it one fixture,
``uow_factory``: a callable making a fresh unit of work whose ``idempotency`` is the store under
test (an :class:`~shop_app.shared.unit_of_work.UnitOfWork`, as the bus takes)::

    class TestMyStore(IdempotencyStoreContract):
        @pytest.fixture
        def uow_factory(self, shop: MemoryShop) -> UnitOfWorkFactory:
            return lambda: MyUnitOfWork(shop.engine, shop.clock, UuidV7Generator())

The promises, of the store itself: an outcome is found, as stored, by its scope and key
together, once its transaction committed — and never if it rolled back; a second outcome for a
key already taken is refused with ``IdempotencyKeyInUse`` (at ``put`` or at the commit), and
the first stays; of two transactions racing for one key, one wins. And through the bus, as a
client sees them: a retry answers the first outcome without running the command again, the same
key with a different request is refused (``idempotency.key_reused``), and owners' keys are
apart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import uuid
from typing import Any

import attrs
import pytest

from shop_app.shared import codec
from shop_app.shared.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from shop_app.shared.messagebus import MessageBus, UnitOfWorkFactory
from shop_app.shared.ports import StoredOutcome
from shop_app.shared.unit_of_work import UnitOfWork
from shop_domain.shared.money import Money

T0 = dt.datetime(2026, 1, 1, 12, 0, 0, 654321, tzinfo=dt.UTC)
SCOPE = "PlaceOrder:customer-1"
KEY = "3f1c2a9e-retry-key"


def outcome(n: int = 1) -> StoredOutcome:
    """A stored outcome as the bus writes one: a fingerprint and an encoded result."""
    result = codec.encode(
        {
            "order_id": uuid.UUID(int=n),
            "total": Money(12_345 + n, "CNY"),
            "rate": decimal.Decimal("0.125"),
            "lines": [("sku-1", n), ("sku-2", None)],
            "note": "naïve — 礼品卡",
            "placed_at": T0,
        }
    )
    return StoredOutcome(f"{n:064x}", result, T0 + dt.timedelta(seconds=n))


@attrs.frozen
class Note:
    """The suite's command: its handler answers a fresh id, so a replay is easy to tell from a
    second run."""

    text: str


@attrs.define
class NoteHandler:
    runs: int = 0

    async def __call__(self, command: Note, uow: UnitOfWork) -> dict[str, Any]:
        self.runs += 1
        await asyncio.sleep(0)  # let racing attempts interleave
        return {"text": command.text, "id": uow.ids.new_id()}


async def stored(uow_factory: UnitOfWorkFactory, scope: str, key: str) -> StoredOutcome | None:
    async with uow_factory() as uow:
        return await uow.idempotency.get(scope, key)


async def put_and_commit(
    uow_factory: UnitOfWorkFactory, scope: str, key: str, value: StoredOutcome
) -> None:
    async with uow_factory() as uow:
        await uow.idempotency.put(scope, key, value)
        await uow.commit()


@pytest.mark.rule("SEC-5")
@pytest.mark.asyncio
class IdempotencyStoreContract:
    """The idempotency store's promises; a subclass provides ``uow_factory``."""

    async def test_an_unknown_key_has_no_outcome(self, uow_factory: UnitOfWorkFactory) -> None:
        assert await stored(uow_factory, SCOPE, KEY) is None

    async def test_a_committed_outcome_is_found_as_stored(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        await put_and_commit(uow_factory, SCOPE, KEY, outcome())
        found = await stored(uow_factory, SCOPE, KEY)
        assert found is not None
        assert found == outcome()
        assert codec.decode(found.result) == codec.decode(outcome().result)  # types kept too

    async def test_scope_and_key_find_an_outcome_together(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        await put_and_commit(uow_factory, SCOPE, KEY, outcome(1))
        await put_and_commit(uow_factory, "PlaceOrder:customer-2", KEY, outcome(2))
        assert await stored(uow_factory, SCOPE, KEY) == outcome(1)
        assert await stored(uow_factory, "PlaceOrder:customer-2", KEY) == outcome(2)
        assert await stored(uow_factory, "PlaceOrder:customer-3", KEY) is None
        assert await stored(uow_factory, SCOPE, KEY + "-2") is None

    async def test_an_outcome_of_a_rolled_back_transaction_is_not_kept(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """The record exists exactly when the command committed: a failed command may be
        retried with its key."""
        async with uow_factory() as uow:
            await uow.idempotency.put(SCOPE, KEY, outcome(1))
        assert await stored(uow_factory, SCOPE, KEY) is None
        await put_and_commit(uow_factory, SCOPE, KEY, outcome(2))
        assert await stored(uow_factory, SCOPE, KEY) == outcome(2)

    async def test_a_key_taken_already_is_refused_and_the_first_outcome_stays(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        await put_and_commit(uow_factory, SCOPE, KEY, outcome(1))
        with pytest.raises(IdempotencyKeyInUse):
            await put_and_commit(uow_factory, SCOPE, KEY, outcome(2))
        assert await stored(uow_factory, SCOPE, KEY) == outcome(1)

    async def test_of_two_transactions_racing_for_a_key_one_wins(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        async def attempt(n: int) -> int | None:
            """``n`` if this attempt committed its outcome."""
            try:
                async with uow_factory() as uow:
                    if await uow.idempotency.get(SCOPE, KEY) is not None:
                        return None
                    await asyncio.sleep(0.01)  # both have looked before either writes
                    await uow.idempotency.put(SCOPE, KEY, outcome(n))
                    await uow.commit()
            except IdempotencyKeyInUse:
                return None
            return n

        winners = [n for n in await asyncio.gather(attempt(1), attempt(2)) if n is not None]
        assert len(winners) == 1, f"{len(winners)} attempts committed an outcome for one key"
        assert await stored(uow_factory, SCOPE, KEY) == outcome(winners[0])

    # --- through the bus, as a client retrying sees it -----------------------------------
    async def test_a_retry_answers_the_first_outcome_and_runs_nothing(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        handler = NoteHandler()
        bus = MessageBus(uow_factory, {Note: handler})
        first = await bus.handle(Note("hello"), idempotency_key=KEY, idempotency_owner="u1")
        again = await bus.handle(Note("hello"), idempotency_key=KEY, idempotency_owner="u1")
        assert again == first
        assert handler.runs == 1

    async def test_the_same_key_with_another_request_is_refused(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        bus = MessageBus(uow_factory, {Note: NoteHandler()})
        await bus.handle(Note("hello"), idempotency_key=KEY)
        with pytest.raises(IdempotencyKeyReused) as error:
            await bus.handle(Note("goodbye"), idempotency_key=KEY)
        assert error.value.code == "idempotency.key_reused"

    async def test_the_keys_of_two_owners_are_apart(self, uow_factory: UnitOfWorkFactory) -> None:
        handler = NoteHandler()
        bus = MessageBus(uow_factory, {Note: handler})
        mine = await bus.handle(Note("hello"), idempotency_key=KEY, idempotency_owner="u1")
        theirs = await bus.handle(Note("hello"), idempotency_key=KEY, idempotency_owner="u2")
        assert mine["id"] != theirs["id"]
        assert handler.runs == 2

    async def test_concurrent_retries_all_answer_one_outcome(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        bus = MessageBus(uow_factory, {Note: NoteHandler()})
        answers = await asyncio.gather(
            *(bus.handle(Note("hello"), idempotency_key=KEY) for _ in range(8))
        )
        assert len({answer["id"] for answer in answers}) == 1, answers


__all__ = ["IdempotencyStoreContract"]
