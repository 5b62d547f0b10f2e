"""Gift-card secrets at rest (GC-11): AES-256-GCM bound to the card number, key rotation, bulk
sealing, the key list from settings and the development key file — and neither secrets nor key
material in any repr or error message (SEC-3)."""

from __future__ import annotations

import base64
import os
import re
import stat
from pathlib import Path

import pytest

from shop_adapters.shared.crypto import (
    AesGcmSecretBox,
    load_or_create_key_file,
    new_key_spec,
    parse_keys,
)
from shop_app.giftcards.secrets import SecretBox, SecretUnreadable

NUMBER = "4000123456789010"
OTHER_NUMBER = "4000123456789028"
SECRET = "ABCDEFGHJKMNPQRS"
K1 = bytes(range(32))
K2 = bytes(range(100, 132))


def box(*key_ids: str) -> AesGcmSecretBox:
    """A box holding the named test keys; the first one seals."""
    known = {"k1": K1, "k2": K2}
    return AesGcmSecretBox({key_id: known[key_id] for key_id in key_ids}, key_ids[0])


def encoded(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


# --- sealing and opening ----------------------------------------------------------------------
# What every secret box promises (round trips, tampering, other numbers and keys, rotation) is
# the kit's contract suite, run on this box in tests/contract/test_port_secrets.py; here is what
# is this box's own: the AES-GCM layout and distinct nonces in bulk.


@pytest.mark.rule("GC-11")
def test_a_sealed_secret_opens_for_its_number() -> None:
    secret_box: SecretBox = box("k1")
    sealed = secret_box.seal(NUMBER, SECRET)
    assert sealed.key_id == secret_box.key_id == "k1"
    assert SECRET.encode() not in sealed.blob
    assert len(sealed.blob) == 12 + len(SECRET) + 16  # nonce, ciphertext, tag
    assert secret_box.open(NUMBER, sealed) == SECRET


@pytest.mark.rule("GC-11")
def test_seal_many_round_trips_with_distinct_nonces() -> None:
    secret_box = box("k2", "k1")
    pairs = [(f"40001234{i:08d}", f"SECRET{i:010d}") for i in range(2_000)]
    sealed = secret_box.seal_many(pairs)
    assert len(sealed) == len(pairs)
    assert {s.key_id for s in sealed} == {"k2"}
    assert [secret_box.open(n, s) for (n, _), s in zip(pairs, sealed, strict=True)] == [
        secret for _, secret in pairs
    ]
    assert len({s.blob[:12] for s in sealed}) == len(pairs)
    with pytest.raises(SecretUnreadable):
        secret_box.open(pairs[1][0], sealed[0])
    assert secret_box.seal_many([]) == []


# --- nothing shown (SEC-3) --------------------------------------------------------------------


@pytest.mark.rule("GC-11")
@pytest.mark.rule("SEC-3")
def test_reprs_and_errors_never_show_secrets_blobs_or_keys() -> None:
    secret_box = box("k2", "k1")
    sealed = secret_box.seal(NUMBER, SECRET)
    assert repr(sealed) == str(sealed) == "SealedSecret(key_id='k2', <sealed>)"
    assert repr([sealed]) == "[SealedSecret(key_id='k2', <sealed>)]"
    assert repr(secret_box) == "AesGcmSecretBox(current='k2', keys=['k1', 'k2'])"
    with pytest.raises(SecretUnreadable) as info:
        secret_box.open(OTHER_NUMBER, sealed)
    shown = [str(info.value), repr(info.value), repr(info.value.details)]
    forbidden = [SECRET, NUMBER, OTHER_NUMBER, repr(sealed.blob), sealed.blob.hex()]
    forbidden += [encoded(K1), encoded(K2), repr(K1), repr(K2)]
    for text in [repr(sealed), repr(secret_box), *shown]:
        assert not [word for word in forbidden if word in text], text


# --- building a box ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "current", "message"),
    [
        ({}, "k1", "at least one key"),
        ({"k1": K1[:16]}, "k1", "not 32 bytes"),
        ({"k1": K1 + b"x"}, "k1", "not 32 bytes"),
        ({"k1": K1}, "k2", "not among the keys"),
        ({"k 1": K1}, "k 1", "key id"),
    ],
)
def test_a_box_refuses_bad_keys(keys: dict[str, bytes], current: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AesGcmSecretBox(keys, current)


# --- the key list in settings -----------------------------------------------------------------


@pytest.mark.rule("GC-11")
def test_the_first_listed_key_is_current() -> None:
    keys, current = parse_keys(f"k2:{encoded(K2)},k1:{encoded(K1)}")
    assert (keys, current) == ({"k2": K2, "k1": K1}, "k2")
    # padding is optional, spaces around entries are ignored
    keys, current = parse_keys(f" k1 : {encoded(K1).rstrip('=')} , k2:{encoded(K2)} ")
    assert (keys, current) == ({"k1": K1, "k2": K2}, "k1")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("k1", "entry 1 is not 'id:base64-key'"),
        (f"k1:{encoded(K1)},", "entry 2 is not"),
        (f"k1:{encoded(K1)},,k2:{encoded(K2)}", "entry 2 is not"),
        (f":{encoded(K1)}", "key id"),
        ("k1:", "not url-safe base64"),
        ("k1:" + encoded(K1).replace("A", "+", 1).replace("B", "/", 1), "not url-safe base64"),
        ("k1:abc!def", "not url-safe base64"),
        ("k1:" + "A" * 41, "not url-safe base64"),  # a length base64 cannot have
        ("k1:" + encoded(K1[:16]), "16 bytes; AES-256 needs 32"),
        ("k1:" + encoded(K1 + K2), "64 bytes; AES-256 needs 32"),
        (f"k1:{encoded(K1)},k1:{encoded(K2)}", "'k1' is listed twice"),
    ],
)
def test_malformed_key_lists_are_refused_clearly(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        parse_keys(spec)
    assert encoded(K1) not in str(info.value)
    assert encoded(K2) not in str(info.value)


@pytest.mark.rule("GC-11")
def test_new_key_specs_parse_back_and_differ() -> None:
    first, second = new_key_spec("k9"), new_key_spec("k9")
    assert first != second
    keys, current = parse_keys(f"{first}")
    assert current == "k9"
    assert len(keys["k9"]) == 32
    with pytest.raises(ValueError, match="key id"):
        new_key_spec("k,9")


# --- the development key file -----------------------------------------------------------------


@pytest.mark.rule("GC-11")
def test_the_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "deep" / "giftcard.keys"
    spec = load_or_create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keys, current = parse_keys(spec)
    assert re.fullmatch(r"k[0-9a-f]{16}", current)  # random, not a date (unique ids)
    assert list(keys) == [current]
    assert load_or_create_key_file(path) == spec
    assert path.read_text() == spec + "\n"
    assert os.listdir(path.parent) == ["giftcard.keys"]  # no temporary file left behind


def test_an_existing_key_file_is_read_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "giftcard.keys"
    spec = f"k2:{encoded(K2)},k1:{encoded(K1)}"
    path.write_text(f"\n{spec}\n")
    path.chmod(0o600)
    assert load_or_create_key_file(path) == spec


def test_a_malformed_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "giftcard.keys"
    path.write_text("k1:short")
    path.chmod(0o600)
    with pytest.raises(ValueError, match=r"the key file .*giftcard\.keys is not a key list"):
        load_or_create_key_file(path)
