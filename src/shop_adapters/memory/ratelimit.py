"""The in-memory attempt limiter (the rules are in :mod:`shop_app.shared.ratelimit`)."""

from __future__ import annotations

import asyncio
import datetime as dt

from shop_adapters.memory.kernel import oldest
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

    async def purge_ended(self, cutoff: dt.datetime, limit: int) -> int:
        """Forget at most ``limit`` subjects whose window began and lock-out ended before
        ``cutoff`` (retention); how many went."""
        async with self._lock:
            ended = {
                key: state.window_start
                for key, state in self._states.items()
                if state.locked_until is None or state.locked_until < cutoff
            }
            old = oldest(ended, cutoff, limit)
            for key in old:
                del self._states[key]
        return len(old)
