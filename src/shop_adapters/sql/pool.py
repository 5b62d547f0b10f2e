"""A first-come, first-served queue for the connection pool (issue 10, item 2).

SQLAlchemy's asyncio pool keeps its idle connections in an ``asyncio.Queue`` and takes one
without waiting whenever one is there. A connection given back wakes the longest waiter, but
the waiter only runs on a later turn of the event loop; meanwhile any task that asks (a new
request, or the task that just gave the connection back and asks again) takes it first, and the
woken waiter, finding the queue empty, waits again *at the back of the line*. Under saturation
some requests are overtaken again and again: with 100 clients on 20 connections the median
client was served once in five seconds and the busiest 24 times, and the slowest waited until
the pool timeout.

:class:`FairQueue` hands a returned connection straight to the longest waiter (it is that
waiter's as soon as it is given back; nobody can overtake), and lets a caller take an idle
connection without waiting only when nobody waits. Each waiter's time-out runs from its own
arrival, so they also expire in arrival order; an expired waiter makes the pool raise its
``TimeoutError`` (our ``StorageBusy``: :mod:`shop_adapters.sql.errors`).

The pool plugs it in through ``QueuePool._queue_class``, the hook SQLAlchemy's own asyncio pool
uses for its queue; ``tests/integration/test_pool_fairness.py`` fails if that hook stops being
used.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TypeVar

from sqlalchemy.util import await_only
from sqlalchemy.util.queue import Empty, Full, QueueCommon

T = TypeVar("T")


class FairQueue(QueueCommon[T]):
    """The pool's idle connections, and the callers waiting for one, both first in first out
    (idle connections last in first out with ``use_lifo``). Used from one event loop."""

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        self.maxsize = maxsize
        self.use_lifo = use_lifo
        self._items: deque[T] = deque()
        self._waiters: deque[asyncio.Future[T]] = deque()

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._items)

    def qsize(self) -> int:
        return len(self._items)

    def waiting(self) -> int:
        """How many callers wait for a connection now."""
        return sum(1 for waiter in self._waiters if not waiter.done())

    def put_nowait(self, item: T) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # expired or cancelled waiters are skipped
                waiter.set_result(item)
                return
        if self.full():
            raise Full()
        self._items.append(item)

    def put(self, item: T, block: bool = True, timeout: float | None = None) -> None:
        # the pool only gives back; a connection never waits for room
        self.put_nowait(item)

    def get_nowait(self) -> T:
        if not self._items:
            raise Empty()
        return self._items.pop() if self.use_lifo else self._items.popleft()

    def get(self, block: bool = True, timeout: float | None = None) -> T:
        # an idle connection is there only while nobody waits (put hands over to waiters)
        if self._items or not block:
            return self.get_nowait()
        return await_only(self._wait(patience=timeout))

    async def _wait(self, patience: float | None) -> T:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[T] = loop.create_future()
        self._waiters.append(waiter)
        timer = None if patience is None else loop.call_later(patience, self._expire, waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            # the caller went away: a connection handed over meanwhile goes to the next in line
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.put_nowait(waiter.result())
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _expire(self, waiter: asyncio.Future[T]) -> None:
        if not waiter.done():
            waiter.set_exception(Empty())
            self._waiters.remove(waiter)


__all__ = ["FairQueue"]
