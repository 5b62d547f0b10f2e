"""The in-memory attempt limiter (the rules are in :mod:`shop_app.shared.ratelimit`)."""

from __future__ import annotations

import asyncio
import datetime as dt

from shop_app.shared.ratelimit import (
    AttemptLimiter,
    AttemptPolicy,
    AttemptState,
    after_failure,
    check_key,
)


class MemoryAttemptLimiter(AttemptLimiter):
    """Failure counts in process memory, outside any unit of work (a rollback keeps them)."""

    def __init__(self) -> None:
        self._states: dict[tuple[str, str], AttemptState] = {}
        self._lock = asyncio.Lock()

    async def blocked_until(self, scope: str, subject: str, now: dt.datetime) -> dt.datetime | None:
        check_key(scope, subject)
        state = self._states.get((scope, subject))
        return state.blocked_until(now) if state is not None else None

    async def record_failure(
        self, scope: str, subject: str, now: dt.datetime, policy: AttemptPolicy
    ) -> dt.datetime | None:
        check_key(scope, subject)
        async with self._lock:
            state, tripped = after_failure(self._states.get((scope, subject)), now, policy)
            self._states[(scope, subject)] = state
        return tripped

    async def reset(self, scope: str, subject: str) -> None:
        check_key(scope, subject)
        async with self._lock:
            self._states.pop((scope, subject), None)
