"""One-time codes sent by SMS: a second factor for sensitive operator actions.

The first user is the gift-card export (GC-12): a file of card secrets leaves the system only
if the operator holds the export permission *and* types the code just sent to the owner's or
administrator's phone. Any such action follows the same two steps::

    challenge = await codes.issue("giftcard.export", str(operator_id), phone, now)
    # ... the operator reads the SMS and sends the code back ...
    await codes.consume("giftcard.export", str(operator_id), code, now)  # raises unless right

Rules
-----
- One live challenge per ``(purpose, subject)``: issuing again replaces the earlier code —
  but not before ``resend_after`` has passed since it was issued (:class:`OneTimeCodeTooSoon`,
  ``otp.too_soon``, with ``retry_after_seconds``), so nobody can flood a phone with texts.
- A code is ``digits`` digits drawn with :mod:`secrets`; it lives ``ttl`` and works once.
- Every wrong code counts an attempt; after ``max_attempts`` wrong ones the challenge is dead,
  even for the right code (with six digits and five tries, a guess succeeds once in 200,000).
- Every refusal — no challenge, expired, used, wrong, too many tries — is the same
  :class:`OneTimeCodeInvalid` (``otp.invalid``, a ``forbidden`` error) with the same message:
  the answer tells a guesser nothing.

Secrets (SEC-3)
---------------
The code exists in clear only in the SMS text. The store keeps an HMAC-SHA-256 of it keyed
with a random 16-byte salt per code, compared in constant time; the phone number is stored
masked. That keeps codes out of tables, backups and logs; it does not make a six-digit code
hard to search for offline — its short life and single use do. Nothing here logs.

Transactions
------------
Each :class:`OneTimeCodeStore` method is a short transaction of its own, and the check-and-use
is atomic *in the store* (the row is locked while it is checked and used up, or its attempt
counted): of two concurrent consumes of the right code exactly one succeeds, and a wrong try
is counted although the command that made it fails. As with the attempt limiter
(:mod:`shop_app.shared.ratelimit`), call :meth:`OneTimeCodes.consume` *before* opening the
unit of work of the protected command, never inside it — on SQLite a write transaction opened
while the unit of work holds the database's write lock would wait for it forever. A code is
spent once verified, even if the command then fails; the operator asks for a new one.

:class:`OneTimeCodeCheck` is the bus middleware that does this for the command types registered
with it (a :class:`CodeGate` each: the purpose, the subject and where the typed code is).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import math
import secrets
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

import attrs

from shop_app.shared.middleware import Call, Middleware, Proceed
from shop_app.shared.notify import SmsSender, mask_phone
from shop_app.shared.ports import Clock
from shop_domain.shared.errors import Forbidden, InvalidValue, RateLimited

MAX_PURPOSE_LENGTH: Final = 100
MAX_SUBJECT_LENGTH: Final = 200
MAX_CODE_LENGTH: Final = 32  # longer input is simply wrong (and counted), never hashed
MIN_PHONE_DIGITS: Final = 5
MAX_PHONE_DIGITS: Final = 20
SALT_BYTES: Final = 16


class OneTimeCodeInvalid(Forbidden):
    """The code was not accepted — for whatever reason; the message never says which."""

    code = "otp.invalid"


class OneTimeCodeTooSoon(RateLimited):
    """A code for this purpose and subject was sent moments ago. ``details``:
    ``retry_after_seconds``."""

    code = "otp.too_soon"


class InvalidCodeKey(InvalidValue):
    """A one-time code purpose or subject of the wrong length."""

    code = "otp.invalid_key"


class InvalidPhone(InvalidValue):
    """A phone number with too few or too many digits for a code to be sent to it."""

    code = "otp.invalid_phone"


@attrs.frozen
class Challenge:
    """What the caller may show: where the code went and until when it works."""

    purpose: str
    subject: str
    phone_masked: str
    expires_at: dt.datetime


@attrs.frozen
class StoredCode:
    """What a store keeps per ``(purpose, subject)``: never the code, only its salted hash."""

    purpose: str
    subject: str
    salt: bytes = attrs.field(repr=False)
    code_hash: bytes = attrs.field(repr=False)
    phone_masked: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    attempts: int = 0
    used_at: dt.datetime | None = None

    def is_live(self, now: dt.datetime, max_attempts: int) -> bool:
        """Not used, not expired, and fewer than ``max_attempts`` wrong tries."""
        return self.used_at is None and now < self.expires_at and self.attempts < max_attempts


class OneTimeCodeStore(Protocol):
    """Keeps one :class:`StoredCode` per ``(purpose, subject)``. Each method is a transaction
    of its own (see the module documentation)."""

    async def get(self, purpose: str, subject: str) -> StoredCode | None:
        """The code of ``(purpose, subject)`` as stored, live or not."""
        ...

    async def put(self, code: StoredCode, *, resend_after: dt.timedelta) -> dt.datetime | None:
        """Store ``code`` in place of any earlier one of its ``(purpose, subject)`` and return
        ``None`` — unless that earlier one was issued less than ``resend_after`` before
        ``code.issued_at``: then store nothing and return its ``issued_at``. Atomic."""
        ...

    async def use(
        self,
        purpose: str,
        subject: str,
        now: dt.datetime,
        *,
        max_attempts: int,
        matches: Callable[[StoredCode], bool],
    ) -> bool:
        """In one transaction, with the code's row locked: if the code is live
        (:meth:`StoredCode.is_live`), ask ``matches``; if it does, mark the code used at
        ``now`` and return ``True``, otherwise count one attempt and return ``False``. With no
        live code change nothing and return ``False``."""
        ...

    async def withdraw(self, purpose: str, subject: str, salt: bytes) -> None:
        """Delete the code of ``(purpose, subject)`` if it is still the one salted with
        ``salt`` (its SMS could not be sent)."""
        ...


def check_key(purpose: str, subject: str) -> None:
    if not purpose or len(purpose) > MAX_PURPOSE_LENGTH:
        raise InvalidCodeKey(f"a one-time code purpose is 1 to {MAX_PURPOSE_LENGTH} characters")
    if not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise InvalidCodeKey(f"a one-time code subject is 1 to {MAX_SUBJECT_LENGTH} characters")


def code_digest(salt: bytes, code: str) -> bytes:
    """The HMAC-SHA-256 of ``code`` keyed with ``salt`` (``code`` must be ASCII)."""
    return hmac.new(salt, code.encode("ascii"), hashlib.sha256).digest()


def _duration(delta: dt.timedelta) -> str:
    seconds = math.ceil(delta.total_seconds())
    count, unit = (seconds // 60, "minute") if seconds % 60 == 0 else (seconds, "second")
    return f"{count} {unit}{'' if count == 1 else 's'}"


class OneTimeCodes:
    """Issues codes by SMS and checks them (the rules are in the module documentation)."""

    def __init__(
        self,
        store: OneTimeCodeStore,
        sender: SmsSender,
        *,
        ttl: dt.timedelta = dt.timedelta(minutes=5),
        max_attempts: int = 5,
        resend_after: dt.timedelta = dt.timedelta(seconds=60),
        digits: int = 6,
    ) -> None:
        if ttl <= dt.timedelta(0):
            raise InvalidValue("a one-time code must live a positive time")
        if resend_after < dt.timedelta(0):
            raise InvalidValue("resend_after cannot be negative")
        if max_attempts < 1:
            raise InvalidValue("max_attempts must be at least 1")
        if not 4 <= digits <= 12:
            raise InvalidValue("a one-time code has 4 to 12 digits")
        self._store = store
        self._sender = sender
        self._ttl = ttl
        self._max_attempts = max_attempts
        self._resend_after = resend_after
        self._digits = digits

    async def issue(self, purpose: str, subject: str, phone: str, now: dt.datetime) -> Challenge:
        """Send a fresh code to ``phone`` for ``(purpose, subject)``, replacing any earlier one.
        Raises :class:`OneTimeCodeTooSoon` within ``resend_after`` of the last issue, and lets
        the sender's error through if the SMS cannot be sent (then no code is kept, and the
        operator may ask again at once)."""
        check_key(purpose, subject)
        digit_count = sum(1 for c in phone if "0" <= c <= "9")
        if not MIN_PHONE_DIGITS <= digit_count <= MAX_PHONE_DIGITS:
            raise InvalidPhone(
                f"a phone number has {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits"
            )
        code = f"{secrets.randbelow(10**self._digits):0{self._digits}d}"
        salt = secrets.token_bytes(SALT_BYTES)
        stored = StoredCode(
            purpose=purpose,
            subject=subject,
            salt=salt,
            code_hash=code_digest(salt, code),
            phone_masked=mask_phone(phone),
            issued_at=now,
            expires_at=now + self._ttl,
        )
        earlier = await self._store.put(stored, resend_after=self._resend_after)
        if earlier is not None:
            wait = max(1, math.ceil((earlier + self._resend_after - now).total_seconds()))
            raise OneTimeCodeTooSoon(
                f"a code was sent moments ago; ask again in {wait} seconds",
                details={"retry_after_seconds": wait},
            )
        text = f"Your shop verification code is {code}. It expires in {_duration(self._ttl)}."
        try:
            await self._sender.send(phone, text)
        except BaseException:
            with contextlib.suppress(Exception):  # the sender's error is the one to report
                await self._store.withdraw(purpose, subject, salt)
            raise
        return Challenge(purpose, subject, stored.phone_masked, stored.expires_at)

    async def consume(self, purpose: str, subject: str, code: str, now: dt.datetime) -> None:
        """Accept ``code`` once, or raise :class:`OneTimeCodeInvalid` (a wrong code counts an
        attempt)."""
        check_key(purpose, subject)
        candidate = code.strip()
        well_formed = 0 < len(candidate) <= MAX_CODE_LENGTH and candidate.isascii()

        def matches(stored: StoredCode) -> bool:
            return well_formed and hmac.compare_digest(
                code_digest(stored.salt, candidate), stored.code_hash
            )

        accepted = await self._store.use(
            purpose, subject, now, max_attempts=self._max_attempts, matches=matches
        )
        if not accepted:
            raise OneTimeCodeInvalid("the verification code is wrong, expired or used up")


@attrs.frozen
class CodeGate:
    """How :class:`OneTimeCodeCheck` guards one command type: the code's purpose, its subject
    (from the call: the command and who sends it) and the code the sender typed (``None``: none,
    which is refused like a wrong one)."""

    purpose: str
    subject: Callable[[Call], str]
    code: Callable[[Any], str | None]


class OneTimeCodeCheck(Middleware):
    """Spends the one-time code a registered command carries before the command runs, in the
    code store's own transaction; a wrong, missing, expired or used code refuses the command
    (``otp.invalid``) and is counted against the code."""

    def __init__(self, codes: OneTimeCodes, clock: Clock, gates: Mapping[type, CodeGate]) -> None:
        self._codes = codes
        self._clock = clock
        self._gates = dict(gates)

    def applies_to(self, command_type: type) -> bool:
        return command_type in self._gates

    async def outside(self, call: Call, proceed: Proceed) -> Any:
        gate = self._gates[type(call.message)]
        typed = gate.code(call.message)
        subject = gate.subject(call)
        await self._codes.consume(gate.purpose, subject, typed or "", self._clock.now())
        return await proceed(call)


__all__ = [
    "Challenge",
    "CodeGate",
    "InvalidCodeKey",
    "InvalidPhone",
    "OneTimeCodeCheck",
    "OneTimeCodeInvalid",
    "OneTimeCodeStore",
    "OneTimeCodeTooSoon",
    "OneTimeCodes",
    "StoredCode",
    "check_key",
    "code_digest",
]
