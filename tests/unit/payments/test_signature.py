"""The sandbox's signature scheme: what one side signs the other accepts, and nothing else —
not a changed byte, another secret, another route, a missing header or an old message."""

from __future__ import annotations

import datetime as dt

import pytest

from shop_adapters.payments import signature
from shop_app.ordering.gateway import BadSignature

SECRET = "s" * 32
NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
BODY = b'{"payment_no":"P1","amount":1234}'


def test_a_signed_message_is_accepted_whatever_the_case_of_the_header_names() -> None:
    headers = signature.sign(SECRET, BODY, now=NOW)
    lowered = {name.lower(): value for name, value in headers.items()}
    assert signature.check(SECRET, lowered, BODY, now=NOW) == headers[signature.NONCE]


def test_each_signing_has_a_new_nonce_and_so_a_new_signature() -> None:
    first, second = (signature.sign(SECRET, BODY, now=NOW) for _ in range(2))
    assert first[signature.NONCE] != second[signature.NONCE]
    assert first[signature.SIGNATURE] != second[signature.SIGNATURE]


@pytest.mark.parametrize("position", [0, len(BODY) // 2, len(BODY) - 1])
def test_a_changed_byte_is_refused(position: int) -> None:
    headers = signature.sign(SECRET, BODY, now=NOW)
    changed = bytearray(BODY)
    changed[position] ^= 0x01
    with pytest.raises(BadSignature) as refused:
        signature.check(SECRET, headers, bytes(changed), now=NOW)
    assert refused.value.code == "payment.bad_signature"


def test_another_secret_is_refused() -> None:
    headers = signature.sign("t" * 32, BODY, now=NOW)
    with pytest.raises(BadSignature):
        signature.check(SECRET, headers, BODY, now=NOW)


@pytest.mark.parametrize("changed", [signature.TIMESTAMP, signature.NONCE])
def test_a_changed_timestamp_or_nonce_is_refused(changed: str) -> None:
    headers = signature.sign(SECRET, BODY, now=NOW)
    headers[changed] = "1767268801" if changed == signature.TIMESTAMP else "another-nonce"
    with pytest.raises(BadSignature):
        signature.check(SECRET, headers, BODY, now=NOW)


def test_a_request_signed_for_one_route_is_refused_on_another() -> None:
    headers = signature.sign(SECRET, BODY, now=NOW, request_line="POST /v1/refunds")
    signature.check(SECRET, headers, BODY, now=NOW, request_line="POST /v1/refunds")
    with pytest.raises(BadSignature):
        signature.check(SECRET, headers, BODY, now=NOW, request_line="POST /v1/payments")
    with pytest.raises(BadSignature):  # and a notification is not a request
        signature.check(SECRET, headers, BODY, now=NOW)


@pytest.mark.parametrize("missing", [signature.TIMESTAMP, signature.NONCE, signature.SIGNATURE])
def test_a_missing_header_is_refused(missing: str) -> None:
    headers = signature.sign(SECRET, BODY, now=NOW)
    del headers[missing]
    with pytest.raises(BadSignature, match="required"):
        signature.check(SECRET, headers, BODY, now=NOW)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (signature.TIMESTAMP, "-5"),
        (signature.NONCE, "a.b.c.d.e"),
        (signature.SIGNATURE, "é" * 64),
        (signature.SIGNATURE, "ab"),
    ],
)
def test_a_malformed_header_is_refused(name: str, value: str) -> None:
    headers = signature.sign(SECRET, BODY, now=NOW)
    headers[name] = value
    with pytest.raises(BadSignature):
        signature.check(SECRET, headers, BODY, now=NOW)


@pytest.mark.parametrize(
    ("age", "accepted"),
    [
        (dt.timedelta(minutes=4, seconds=59), True),
        (dt.timedelta(minutes=5, seconds=1), False),
        (-dt.timedelta(minutes=5, seconds=1), False),  # from the future
        (dt.timedelta(days=1), False),
    ],
)
def test_only_a_fresh_message_is_accepted(age: dt.timedelta, accepted: bool) -> None:
    headers = signature.sign(SECRET, BODY, now=NOW - age)
    if accepted:
        signature.check(SECRET, headers, BODY, now=NOW)
    else:
        with pytest.raises(BadSignature, match="replay window"):
            signature.check(SECRET, headers, BODY, now=NOW)


def test_the_refusal_never_tells_the_expected_signature() -> None:
    headers = signature.sign(SECRET, BODY, now=NOW)
    expected = headers[signature.SIGNATURE]
    headers[signature.SIGNATURE] = "0" * 64
    with pytest.raises(BadSignature) as refused:
        signature.check(SECRET, headers, BODY, now=NOW)
    assert expected not in str(refused.value)
    assert expected not in repr(refused.value.details)
