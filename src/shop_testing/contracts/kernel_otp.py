"""Contract of the one-time codes sent by SMS (GC-12's second factor for exports): the
application's ``OneTimeCodes`` over a backend's ``OneTimeCodeStore``. Codes are never stored or
logged in clear (SEC-3)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Awaitable
from typing import Any

import attrs
import pytest

from shop_adapters.shared.sms import MemorySmsSender
from shop_app.shared.otp import (
    Challenge,
    OneTimeCodeInvalid,
    OneTimeCodes,
    OneTimeCodeStore,
    OneTimeCodeTooSoon,
)
from shop_domain.shared.errors import Forbidden, InvalidValue, RateLimited
from shop_testing.contracts.backend import T0, Backend

PURPOSE = "giftcard.export"
OPERATOR = "0190a000-0000-7000-8000-000000000001"
PHONE = "+86 138 0013 1234"
CODE_TEXT = re.compile(r"^Your shop verification code is (\d{6})\. It expires in 5 minutes\.$")


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@attrs.define
class Harness:
    """The codes over one store, sending to an SMS sender kept in memory."""

    backend: Backend
    sender: MemorySmsSender = attrs.field(factory=MemorySmsSender)
    store: OneTimeCodeStore = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.store = self.backend.otp_store()

    def codes(self, **options: Any) -> OneTimeCodes:
        return OneTimeCodes(self.store, self.sender, **options)

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
    """The one-time codes over ``backend.otp_store()``; the stored rows are read with
    ``backend.stored_one_time_codes()``. Subclasses provide the ``backend`` fixture."""

    pytestmark = [pytest.mark.asyncio]

    @pytest.fixture
    def h(self, backend: Backend) -> Harness:
        return Harness(backend)

    async def test_the_right_code_works_once(self, h: Harness) -> None:
        codes = h.codes()
        challenge = await codes.issue(PURPOSE, OPERATOR, PHONE, at(0))
        assert challenge == Challenge(PURPOSE, OPERATOR, "*********1234", at(300))
        assert [sms.phone for sms in h.sender.sent] == [PHONE]
        code = h.last_code()
        await codes.consume(PURPOSE, OPERATOR, code, at(299))
        stored = await h.store.get(PURPOSE, OPERATOR)
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
        stored = await h.store.get(PURPOSE, OPERATOR)
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
        stored = await h.store.get(PURPOSE, OPERATOR)
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
        stored = await h.store.get(PURPOSE, OPERATOR)
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
        stored = await h.store.get(PURPOSE, OPERATOR)
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
        rows = await h.backend.stored_one_time_codes()
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
        stored = await h.store.get(PURPOSE, OPERATOR)
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
        assert await h.store.get(PURPOSE, OPERATOR) is None
        h.sender.failure = None
        await codes.issue(PURPOSE, OPERATOR, PHONE, at(1))  # at once: nothing was sent
        await codes.consume(PURPOSE, OPERATOR, h.last_code(), at(2))

    async def test_concurrent_consumes_of_the_right_code_succeed_exactly_once(
        self, h: Harness
    ) -> None:
        """Ten consumes at once, in three rounds; a warm pool (SQL) lets them really overlap."""
        codes = h.codes()
        await asyncio.gather(*(h.store.get(PURPOSE, OPERATOR) for _ in range(10)))
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
        stored = await h.store.get(PURPOSE, OPERATOR)
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
