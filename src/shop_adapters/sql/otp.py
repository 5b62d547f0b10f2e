"""The SQL one-time code store (the ``one_time_codes`` table); the rules are in
:mod:`shop_app.shared.otp`.

Each method is one transaction. Issuing is one ``INSERT … ON CONFLICT DO UPDATE … WHERE`` that
replaces the earlier code only if it is old enough, so two concurrent issues cannot both win.
Using a code reads its row ``FOR UPDATE`` (PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already
holds the write lock), checks it and marks it used or counts the attempt before the lock is
released: of concurrent consumes of the right code exactly one sees it unused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    and_,
    delete,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.engine import reader
from shop_adapters.sql.metadata import UtcDateTime, metadata
from shop_app.shared.otp import (
    MAX_PURPOSE_LENGTH,
    MAX_SUBJECT_LENGTH,
    OneTimeCodeStore,
    StoredCode,
    check_key,
)

# One row per (purpose, subject): the latest code, as a salted hash (never in clear, SEC-3),
# with the masked phone it went to, its attempts and when it was used.
one_time_codes = Table(
    "one_time_codes",
    metadata,
    Column("purpose", String(MAX_PURPOSE_LENGTH), nullable=False),
    Column("subject", String(MAX_SUBJECT_LENGTH), nullable=False),
    Column("salt", LargeBinary, nullable=False),
    Column("code_hash", LargeBinary, nullable=False),
    Column("phone_masked", String(32), nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("purpose", "subject"),
    CheckConstraint("attempts >= 0", name="attempts"),
)
Index("ix_one_time_codes_expires_at", one_time_codes.c.expires_at)  # the retention purge

_FIELDS = (
    "purpose",
    "subject",
    "salt",
    "code_hash",
    "phone_masked",
    "issued_at",
    "expires_at",
    "attempts",
    "used_at",
)


class SqlOneTimeCodeStore(OneTimeCodeStore):
    """One-time codes in the database, each method a transaction of its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reader = reader(engine)
        self._insert: Any = (
            postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        )

    @staticmethod
    def _key(purpose: str, subject: str) -> Any:
        t = one_time_codes
        return and_(t.c.purpose == purpose, t.c.subject == subject)

    @staticmethod
    def _code(row: Any) -> StoredCode:
        values = row._mapping
        return StoredCode(**{name: values[name] for name in _FIELDS})

    async def get(self, purpose: str, subject: str) -> StoredCode | None:
        check_key(purpose, subject)
        async with self._reader.connect() as conn:
            row = (
                await conn.execute(select(one_time_codes).where(self._key(purpose, subject)))
            ).first()
        return None if row is None else self._code(row)

    async def put(self, code: StoredCode, *, resend_after: dt.timedelta) -> dt.datetime | None:
        check_key(code.purpose, code.subject)
        t = one_time_codes
        values = {name: getattr(code, name) for name in _FIELDS}
        replace = {name: value for name, value in values.items() if name not in t.primary_key}
        statement = (
            self._insert(t)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[t.c.purpose, t.c.subject],
                set_=replace,
                where=t.c.issued_at <= code.issued_at - resend_after,
            )
            .returning(t.c.issued_at)
        )
        async with self._engine.begin() as conn:
            if (await conn.execute(statement)).first() is not None:
                return None
            earlier: dt.datetime = (
                await conn.execute(
                    select(t.c.issued_at).where(self._key(code.purpose, code.subject))
                )
            ).scalar_one()
            return earlier

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
        t, key = one_time_codes, self._key(purpose, subject)
        async with self._engine.begin() as conn:
            row = (await conn.execute(select(t).where(key).with_for_update())).first()
            if row is None:
                return False
            code = self._code(row)
            if not code.is_live(now, max_attempts):
                return False
            if matches(code):
                await conn.execute(update(t).where(key).values(used_at=now))
                return True
            await conn.execute(update(t).where(key).values(attempts=t.c.attempts + 1))
            return False

    async def withdraw(self, purpose: str, subject: str, salt: bytes) -> None:
        check_key(purpose, subject)
        t = one_time_codes
        async with self._engine.begin() as conn:
            await conn.execute(delete(t).where(self._key(purpose, subject), t.c.salt == salt))
