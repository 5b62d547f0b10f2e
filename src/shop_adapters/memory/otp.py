"""The in-memory one-time code store (the rules are in :mod:`shop_app.shared.otp`)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import attrs

from shop_adapters.memory.kernel import oldest
from shop_app.shared.otp import OneTimeCodeStore, StoredCode, check_key


class MemoryOneTimeCodeStore(OneTimeCodeStore):
    """Codes in process memory, outside any unit of work; a lock makes each method atomic."""

    def __init__(self) -> None:
        self._codes: dict[tuple[str, str], StoredCode] = {}
        self._lock = asyncio.Lock()

    async def get(self, purpose: str, subject: str) -> StoredCode | None:
        check_key(purpose, subject)
        return self._codes.get((purpose, subject))

    async def put(self, code: StoredCode, *, resend_after: dt.timedelta) -> dt.datetime | None:
        check_key(code.purpose, code.subject)
        key = (code.purpose, code.subject)
        async with self._lock:
            earlier = self._codes.get(key)
            if earlier is not None and earlier.issued_at > code.issued_at - resend_after:
                return earlier.issued_at
            self._codes[key] = code
            return None

    async def use(
        self,
        purpose: str,
        subject: str,
        now: dt.datetime,
        *,
        max_attempts: int,
        matches: Callable[[StoredCode], bool],
    ) -> bool:
        check_key(purpose, subject)
        key = (purpose, subject)
        async with self._lock:
            code = self._codes.get(key)
            if code is None or not code.is_live(now, max_attempts):
                return False
            if matches(code):
                self._codes[key] = attrs.evolve(code, used_at=now)
                return True
            self._codes[key] = attrs.evolve(code, attempts=code.attempts + 1)
            return False

    async def withdraw(self, purpose: str, subject: str, salt: bytes) -> None:
        check_key(purpose, subject)
        async with self._lock:
            code = self._codes.get((purpose, subject))
            if code is not None and code.salt == salt:
                del self._codes[(purpose, subject)]

    async def purge_expired(self, cutoff: dt.datetime, limit: int) -> int:
        """Remove at most ``limit`` codes that expired before ``cutoff`` (retention)."""
        async with self._lock:
            old = oldest({key: code.expires_at for key, code in self._codes.items()}, cutoff, limit)
            for key in old:
                del self._codes[key]
        return len(old)
