"""The one signature scheme of the sandbox gateway, shared by the side that signs (the sandbox's
notifications and answers, our requests to it) and the side that checks (docs/payments-gateway.md,
"The signature").

A signed message carries three headers::

    Gateway-Timestamp: 1767225600          (Unix seconds)
    Gateway-Nonce:     9f1c2b…             (8 to 64 of [A-Za-z0-9_-], new for each message)
    Gateway-Signature: 5e0a…               (hex HMAC-SHA256)

and the HMAC, keyed by the shared secret, is over ``timestamp.nonce.body`` — preceded, for a
request, by its request line ``METHOD /path?query`` and a newline, so that a signed body cannot
be replayed against another route. Checking compares in constant time
(:func:`hmac.compare_digest`) and refuses a timestamp more than :data:`REPLAY_WINDOW` away from
now, either way: an old message captured and sent again is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

from shop_app.ordering.gateway import BadSignature

TIMESTAMP = "Gateway-Timestamp"
NONCE = "Gateway-Nonce"
SIGNATURE = "Gateway-Signature"
MERCHANT = "Gateway-Merchant"
"""Which merchant a request is from (the sandbox's API; the secret is that merchant's)."""

REPLAY_WINDOW = dt.timedelta(minutes=5)
MIN_SECRET_LENGTH = 32
_NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_DIGEST = re.compile(r"[0-9a-f]{64}")


def message(timestamp: str, nonce: str, body: bytes, request_line: str | None = None) -> bytes:
    """What is signed: ``timestamp.nonce.body``, after ``request_line`` and a newline if given
    (the nonce has no dot and the timestamp only digits, so the parts cannot run into each
    other)."""
    head = f"{timestamp}.{nonce}.".encode("ascii")
    if request_line is not None:
        head = request_line.encode("utf-8") + b"\n" + head
    return head + body


def digest(secret: str, signed: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(
    secret: str,
    body: bytes,
    *,
    now: dt.datetime,
    request_line: str | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The three signature headers of ``body`` sent at ``now`` (a fresh nonce unless given)."""
    timestamp = str(int(now.timestamp()))
    nonce = nonce or secrets.token_hex(16)
    return {
        TIMESTAMP: timestamp,
        NONCE: nonce,
        SIGNATURE: digest(secret, message(timestamp, nonce, body, request_line)),
    }


def header(headers: Mapping[str, str], name: str) -> str | None:
    """``headers[name]`` whatever the case of the names (HTTP's are case-insensitive)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def check(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: dt.datetime,
    request_line: str | None = None,
) -> str:
    """The nonce of a message whose signature is right and fresh at ``now``;
    :class:`BadSignature` otherwise (the message says which, never the expected digest)."""
    timestamp, nonce, given = (header(headers, h) for h in (TIMESTAMP, NONCE, SIGNATURE))
    if not timestamp or not nonce or not given:
        raise BadSignature(f"the {TIMESTAMP}, {NONCE} and {SIGNATURE} headers are required")
    given = given.strip().lower()
    if not (
        _TIMESTAMP.fullmatch(timestamp) and _NONCE.fullmatch(nonce) and _DIGEST.fullmatch(given)
    ):
        raise BadSignature("the timestamp, the nonce or the signature is malformed")
    expected = digest(secret, message(timestamp, nonce, body, request_line))
    if not hmac.compare_digest(expected.encode("ascii"), given.encode("ascii")):
        raise BadSignature("the signature does not match the message")
    sent = dt.datetime.fromtimestamp(int(timestamp), dt.UTC)
    if abs(now - sent) > REPLAY_WINDOW:
        raise BadSignature(
            "the message is outside the replay window",
            details={"window_seconds": int(REPLAY_WINDOW.total_seconds())},
        )
    return nonce
