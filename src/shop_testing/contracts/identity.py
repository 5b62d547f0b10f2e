"""The contracts of :class:`~shop_app.shared.ports.Clock` and
:class:`~shop_app.shared.ports.IdGenerator`, the two ports every unit of work carries.

Subclass :class:`ClockContract` with a ``clock`` fixture, and :class:`IdGeneratorContract` with
two: ``ids``, the generator under test, and ``other_ids``, a second one made the same way, as
another worker process would have::

    class TestMyIds(IdGeneratorContract):
        @pytest.fixture
        def ids(self) -> MyIds:
            return MyIds()

        @pytest.fixture
        def other_ids(self) -> MyIds:
            return MyIds()

The promises: the clock tells timezone-aware UTC time (the domain compares and stores it as
such); ids are UUIDs that never repeat — not within one generator, nor between the generators
of two processes writing to one database — and ids made apart in time sort in the order they
were made (decision 0009: rows land at the end of their index, and lists ordered by id are in
creation order).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid

from shop_app.shared.ports import Clock, IdGenerator

MANY = 20_000


class ClockContract:
    """The clock port's promises; a subclass provides the ``clock`` fixture."""

    def test_it_is_a_clock(self, clock: Clock) -> None:
        assert isinstance(clock, Clock)

    def test_now_is_timezone_aware_utc(self, clock: Clock) -> None:
        now = clock.now()
        assert isinstance(now, dt.datetime)
        assert now.tzinfo is not None, "a naive datetime: the time zone is unknown"
        assert now.utcoffset() == dt.timedelta(0), f"{now.isoformat()} is not UTC"


class IdGeneratorContract:
    """The id generator's promises; a subclass provides the ``ids`` and ``other_ids``
    fixtures (see the module documentation)."""

    def test_ids_are_uuids(self, ids: IdGenerator) -> None:
        assert all(isinstance(ids.new_id(), uuid.UUID) for _ in range(10))

    def test_ids_never_repeat(self, ids: IdGenerator) -> None:
        made = [ids.new_id() for _ in range(MANY)]
        assert len(set(made)) == len(made)

    def test_two_generators_never_make_the_same_id(
        self, ids: IdGenerator, other_ids: IdGenerator
    ) -> None:
        """Two worker processes, each with its own generator, insert into the same tables."""
        assert ids is not other_ids, "other_ids is a second generator, not the same one"
        mine = [ids.new_id() for _ in range(MANY // 2)]
        theirs = [other_ids.new_id() for _ in range(MANY // 2)]
        assert len(set(mine) | set(theirs)) == len(mine) + len(theirs)

    def test_ids_made_apart_in_time_sort_in_the_order_made(self, ids: IdGenerator) -> None:
        made = []
        for _ in range(12):
            made.append(ids.new_id())
            time.sleep(0.002)  # past the millisecond: ids of one millisecond may come in any order
        assert sorted(made) == made
        # the order a database sees: PostgreSQL compares the 16 bytes, SQLite the hex text
        assert sorted(made, key=lambda id_: id_.bytes) == made
        assert sorted(made, key=lambda id_: id_.hex) == made


__all__ = ["ClockContract", "IdGeneratorContract"]
