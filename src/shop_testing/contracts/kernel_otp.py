"""Contract of the one-time codes sent by SMS (GC-12's second factor for exports), run over
every store: ``memory://``, SQLite and PostgreSQL. Codes never stored or logged in clear (SEC-3)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from shop_testing.contracts.backend import T0

from shop_adapters.shared.sms import MemorySmsSender
from shop_adapters.sql.engine import make_engine
from shop_adapters.sql.memory import EphemeralSqlite
from shop_adapters.sql.otp import SqlOneTimeCodeStore, one_time_codes
from shop_app.shared.otp import (
    Challenge,
    OneTimeCodeInvalid,
    OneTimeCodes,
    OneTimeCodeStore,
    OneTimeCodeTooSoon,
)
from shop_domain.shared.errors import Forbidden, InvalidValue, RateLimited

PURPOSE = "giftcard.export"
OPERATOR = "0190a000-0000-7000-8000-000000000001"
PHONE = "+86 138 0013 1234"
CODE_TEXT = re.compile(r"^Your shop verification code is (\d{6})\. It expires in 5 minutes\.$")


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@attrs.frozen
class OtpBackend:
    store: OneTimeCodeStore
    raw_rows: Callable[[], Awaitable[list[dict[str, Any]]]]


@attrs.define
class Harness:
    backend: OtpBackend
    sender: MemorySmsSender = attrs.field(factory=MemorySmsSender)

    def codes(self, **options: Any) -> OneTimeCodes:
        return OneTimeCodes(self.backend.store, self.sender, **options)

    def last_code(self, phone: str = PHONE) -> str:
        text = self.sender.last_to(phone)
        assert text is not None
        match = CODE_TEXT.match(text)
        assert match is not None, "the SMS does not read as expected"
        return match.group(1)

    def other_code(self, code: str) -> str:
        return f"{(int(code) + 1) % 1_000_000:06d}"


async def refused(call: Awaitable[None]) -> OneTimeCodeInvalid:
    with pytest.raises(OneTimeCodeInvalid) as error:
        await call
    return error.value


@pytest.mark.rule("GC-12")
class OneTimeCodesContract:
    """Subclasses provide the ``backend`` fixture."""

    @pytest.fixture
    def h(self, backend: OtpBackend) -> Harness:
        return Harness(backend)

    async def test_the_right_code_works_once(self, h: Harness) -> None:
        codes = h.codes()
        challenge = await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
        assert challenge == Challenge(PURPOSE, OPERATOR, "*********1234", at(300))
        assert [sms.phone for sms in h.sender.sent] == [PHONE]
        code = h.last_code()
        await codes.consume(PURPOSE, OPERATOR, code, at(299))
        stored = await h.backend.store.get(PURPOSE, OPERATOR)
        assert stored is not None
        assert stored.used_at == at(299)

    async def test_a_second_use_is_refused(self, h: Harness) -> None:
        codes = h.codes()
        await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
        code = h.last_code()
        await codes.consume(PURPOSE, OPERATOR, code, at(10))
        error = await refused(codes.consume(PURPOSE, OPERATOR, code, at(11)))
        assert isinstance(error, Forbidden)
        assert (error.kind, error.code) == ("forbidden", "otp.invalid")

    async def test_a_wrong_code_is_refused_and_counted(self, h: Harness) -> None:
        codes = h.codes()
        await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
        code = h.last_code()
        await refused(codes.consume(PURPOSE, OPERATOR, h.other_code(code), at(1)))
        await refused(codes.consume(PURPOSE, OPERATOR, "not a code at all", at(2)))
        await refused(codes.consume(PURPOSE, OPERATOR, "", at(3)))
        stored = await h.backend.store.get(PURPOSE, OPERATOR)
        assert stored is not None
        assert stored.attempts == 3
        assert stored.used_at is None
        await codes.consume(PURPOSE, OPERATOR, f" {code} ", at(4))  # still live: 3 < 5

    async def test_after_max_attempts_even_the_right_code_is_refused(self, h: Harness) -> None:
        codes = h.codes(max_attempts=3)
        await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
        code = h.last_code()
        for second in (1, 2, 3):
            await refused(codes.consume(PURPOSE, OPERATOR, h.other_code(code), at(second)))
        await refused(codes.consume(PURPOSE, OPERATOR, code, at(4)))
        stored = await h.backend.store.get(PURPOSE, OPERATOR)
        assert stored is not None
        assert stored.attempts == 3

    async def test_an_expired_code_is_refused(self, h: Harness) -> None:
        codes = h.codes(ttl=dt.timedelta(minutes=2))
        await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
        text = h.sender.last_to(PHONE) or ""
        assert text.endswith("It expires in 2 minutes.")
        code = re.findall(r"\d{6}", text)[0]
        await refused(codes.consume(PURPOSE, OPERATOR, code, at(120)))
        await refused(codes.consume(PURPOSE, OPERATOR, code, at(3600)))
        stored = await h.backend.store.get(PURPOSE, OPERATOR)
        assert stored is not None
        assert stored.used_at is None
        assert stored.attempts == 0

    async def test_no_challenge_is_refused_like_everything_else(self, h: Harness) -> None:
        codes = h.codes(max_attempts=1)
        none = await refused(codes.consume(PURPOSE, OPERATOR, "123456", at(0)))
        await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
        code = h.last_code()
        wrong = await refused(codes.consume(PURPOSE, OPERATOR, h.other_code(code), at(1)))
        dead = await refused(codes.consume(PURPOSE, OPERATOR, code, at(2)))
        assert none.message == wrong.message == dead.message
        assert none.details == wrong.details == dead.details == {}
        assert code not in dead.message

    async def test_a_new_issue_replaces_the_old_code(self, h: Harness) -> None:
        codes = h.codes()
        await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
        old = h.last_code()
        await refused(codes.consume(PURPOSE, OPERATOR, h.other_code(old), at(1)))
        challenge = await codes.issue(PURPOSE, OPERATOR, PHONE, at(60))
        assert challenge.expires_at == at(360)
        new = h.last_code()
        assert len(h.sender.sent) == 2
        stored = await h.backend.store.get(PURPOSE, OPERATOR)
        assert stored is not None
        assert stored.attempts == 0
        assert stored.issued_at == at(60)
        if new != old:  # one time in a million they are the same
            await refused(codes.consume(PURPOSE, OPERATOR, old, at(61)))
        await codes.consume(PURPOSE, OPERATOR, new, at(62))

    async def test_a_resend_too_soon_is_refused_with_retry_after(self, h: Harness) -> None:
        codes = h.codes()
        await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
        first = h.last_code()
        with pytest.raises(OneTimeCodeTooSoon) as error:
            await codes.issue(PURPOSE, OPERATOR, PHONE, at(45))
        assert isinstance(error.value, RateLimited)
        assert (error.value.kind, error.value.code) == ("rate_limited", "otp.too_soon")
        assert error.value.details == {"retry_after_seconds": 15}
        with pytest.raises(OneTimeCodeTooSoon) as late:
            await codes.issue(PURPOSE, OPERATOR, PHONE, at(59.5))
        assert late.value.details["retry_after_seconds"] == 1
        assert len(h.sender.sent) == 1  # no text sent
        await codes.consume(PURPOSE, OPERATOR, first, at(46))  # the first code still works
        # a used code throttles resends all the same; after resend_after all is well
        with pytest.raises(OneTimeCodeTooSoon):
            await codes.issue(PURPOSE, OPERATOR, PHONE, at(50))
        await codes.issue(PURPOSE, OPERATOR, PHONE, at(60))
        assert len(h.sender.sent) == 2

    async def test_purposes_and_subjects_are_independent(self, h: Harness) -> None:
        codes = h.codes()
        await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
        mine = h.last_code()
        await codes.issue(PURPOSE, "someone-else", "+1 555 010 9876", at(1))  # not too soon
        theirs = h.last_code("+1 555 010 9876")
        await codes.issue("other.purpose", OPERATOR, PHONE, at(2))
        other = h.last_code()
        if theirs != mine:  # one time in a million they are the same
            await refused(codes.consume(PURPOSE, "someone-else", mine, at(3)))
        await codes.consume(PURPOSE, OPERATOR, mine, at(4))
        await codes.consume(PURPOSE, "someone-else", theirs, at(4))
        await codes.consume("other.purpose", OPERATOR, other, at(4))

    @pytest.mark.rule("SEC-3")
    async def test_the_code_is_stored_only_as_a_salted_hash(self, h: Harness) -> None:
        codes = h.codes()
        await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
        code = h.last_code()
        await codes.issue(PURPOSE, "op-2", PHONE, at(0))
        rows = await h.backend.raw_rows()
        assert len(rows) == 2
        for row in rows:
            for name, value in row.items():
                if isinstance(value, bytes):
                    assert code.encode() not in value
                elif name not in ("purpose", "subject"):  # our own keys, not the code's
                    assert code not in str(value)
            assert row["phone_masked"] == "*********1234"  # the phone is not kept in clear
            assert len(row["salt"]) == 16
            assert len(row["code_hash"]) == 32
        assert rows[0]["salt"] != rows[1]["salt"]  # a salt per code
        stored = await h.backend.store.get(PURPOSE, OPERATOR)
        assert code not in repr(stored)

    @pytest.mark.rule("SEC-3")
    async def test_no_code_reaches_the_logs(
        self, h: Harness, caplog: pytest.LogCaptureFixture
    ) -> None:
        codes = h.codes()
        with caplog.at_level(logging.DEBUG):
            await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
            code = h.last_code()
            await refused(codes.consume(PURPOSE, OPERATOR, h.other_code(code), at(1)))
            await codes.consume(PURPOSE, OPERATOR, code, at(2))
            await refused(codes.consume(PURPOSE, OPERATOR, code, at(3)))
        for record in caplog.records:
            assert code not in record.getMessage()
            assert code not in repr(record.args)

    async def test_a_code_that_cannot_be_sent_is_not_kept(self, h: Harness) -> None:
        codes = h.codes()
        h.sender.failure = ConnectionError("gateway down")
        with pytest.raises(ConnectionError):
            await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
        assert await h.backend.store.get(PURPOSE, OPERATOR) is None
        h.sender.failure = None
        await codes.issue(PURPOSE, OPERATOR, PHONE, at(1))  # at once: nothing was sent
        await codes.consume(PURPOSE, OPERATOR, h.last_code(), at(2))

    async def test_concurrent_consumes_of_the_right_code_succeed_exactly_once(
        self, h: Harness
    ) -> None:
        """Ten consumes at once, in three rounds; a warm pool (SQL) lets them really overlap."""
        codes = h.codes()
        await asyncio.gather(*(h.backend.store.get(PURPOSE, OPERATOR) for _ in range(10)))
        for round_ in range(3):
            subject = f"{OPERATOR}-{round_}"
            await codes.issue(PURPOSE, subject, PHONE, at(0))
            code = h.last_code()
            results = await asyncio.gather(
                *(codes.consume(PURPOSE, subject, code, at(1)) for _ in range(10)),
                return_exceptions=True,
            )
            assert sum(1 for r in results if r is None) == 1
            assert all(isinstance(r, OneTimeCodeInvalid) for r in results if r is not None)

    async def test_concurrent_wrong_codes_all_count(self, h: Harness) -> None:
        codes = h.codes(max_attempts=20)
        await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
        wrong = h.other_code(h.last_code())
        await asyncio.gather(
            *(codes.consume(PURPOSE, OPERATOR, wrong, at(1)) for _ in range(8)),
            return_exceptions=True,
        )
        stored = await h.backend.store.get(PURPOSE, OPERATOR)
        assert stored is not None
        assert stored.attempts == 8

    async def test_concurrent_issues_send_one_code(self, h: Harness) -> None:
        codes = h.codes()
        results = await asyncio.gather(
            *(codes.issue(PURPOSE, OPERATOR, PHONE, at(0)) for _ in range(5)),
            return_exceptions=True,
        )
        assert sum(1 for r in results if isinstance(r, Challenge)) == 1
        assert all(
            isinstance(r, OneTimeCodeTooSoon) for r in results if not isinstance(r, Challenge)
        )
        assert len(h.sender.sent) == 1
        await codes.consume(PURPOSE, OPERATOR, h.last_code(), at(1))

    async def test_bad_keys_and_phones_are_refused(self, h: Harness) -> None:
        codes = h.codes()
        with pytest.raises(InvalidValue):
            await codes.issue("", OPERATOR, PHONE, at(0))
        with pytest.raises(InvalidValue):
            await codes.issue(PURPOSE, "x" * 201, PHONE, at(0))
        with pytest.raises(InvalidValue) as phone:
            await codes.issue(PURPOSE, OPERATOR, "call me", at(0))
        assert phone.value.code == "otp.invalid_phone"
        with pytest.raises(InvalidValue):
            await codes.consume("p" * 101, OPERATOR, "123456", at(0))
        assert h.sender.sent == []


@pytest.fixture
async def memory_store() -> AsyncIterator[OneTimeCodeStore]:
    database = EphemeralSqlite()
    yield SqlOneTimeCodeStore(database.engine)
    await database.close()


def test_the_settings_are_checked(memory_store: OneTimeCodeStore) -> None:
    store, sender = memory_store, MemorySmsSender()
    for bad in (
        {"ttl": dt.timedelta(0)},
        {"max_attempts": 0},
        {"resend_after": dt.timedelta(seconds=-1)},
        {"digits": 3},
        {"digits": 13},
    ):
        with pytest.raises(InvalidValue):
            OneTimeCodes(store, sender, **bad)


async def test_the_message_names_the_life_of_the_code(memory_store: OneTimeCodeStore) -> None:
    sender = MemorySmsSender()
    codes = OneTimeCodes(memory_store, sender, ttl=dt.timedelta(seconds=90), digits=8)
    await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
    assert re.fullmatch(
        r"Your shop verification code is \d{8}\. It expires in 90 seconds\.",
        sender.last_to(PHONE) or "",
    )
    another_operator = "0190a000-0000-7000-8000-000000000002"  # the first may not ask again yet
    await OneTimeCodes(memory_store, sender, ttl=dt.timedelta(minutes=1)).issue(
        PURPOSE, another_operator, PHONE, at(0)
    )
    assert (sender.last_to(PHONE) or "").endswith("It expires in 1 minute.")


async def sql_backend(url: str) -> AsyncIterator[OtpBackend]:
    engine = make_engine(url)
    try:
        yield _over(engine)
    finally:
        await engine.dispose()


def _over(engine: AsyncEngine) -> OtpBackend:
    async def raw_rows() -> list[dict[str, Any]]:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(one_time_codes))).mappings().all()
        return [dict(row) for row in rows]

    return OtpBackend(SqlOneTimeCodeStore(engine), raw_rows)


class TestMemoryOneTimeCodes(OneTimeCodesContract):
    @pytest.fixture
    async def backend(self) -> AsyncIterator[OtpBackend]:
        database = EphemeralSqlite()
        yield _over(database.engine)
        await database.close()


class TestSqliteOneTimeCodes(OneTimeCodesContract):
    @pytest.fixture
    async def backend(self, sqlite_url: str) -> AsyncIterator[OtpBackend]:
        async for backend in sql_backend(sqlite_url):
            yield backend


@pytest.mark.postgres
class TestPostgresOneTimeCodes(OneTimeCodesContract):
    @pytest.fixture
    async def backend(self, postgres_url: str) -> AsyncIterator[OtpBackend]:
        async for backend in sql_backend(postgres_url):
            yield backend
