"""Gift-card secrets sealed with AES-256-GCM (GC-11), and the keys that seal them.

:class:`AesGcmSecretBox` implements the :class:`~shop_app.giftcards.secrets.SecretBox` port.
Each secret gets a fresh random 96-bit nonce and is encrypted with the *card number as associated
data*: the number is not encrypted, but it is authenticated, so a sealed secret copied onto
another card's row fails to open instead of making that card spendable with a known secret. The
stored blob is ``nonce (12 bytes) + ciphertext + tag (16 bytes)``; the key id travels next to it
in :class:`~shop_domain.giftcards.sealed.SealedSecret`.

Keys come from a settings string such as ``"k2:<base64>,k1:<base64>"`` (:func:`parse_keys`):
the first key seals new secrets and every listed key opens old ones, so rotating is prepending a
new key and, once everything has been re-sealed (``shop giftcards reseal``), dropping the old
one. Without one, :func:`load_or_create_key_file` keeps one generated key in a file readable by
its owner only — made only when the database records no sealed secret (see
``shop_adapters.shared.keyring``). A generated key's id is ``k`` + 16 random hex digits
(:func:`new_key_id`): unique, so an old and a new key can always sit in one ring.

Each key has a *check value* (:meth:`AesGcmSecretBox.check_value`): HMAC-SHA256 under the key of
a fixed label and the key id. The database keeps it per key id, so a different key given under
a known id is refused at start; the value reveals nothing about the key.

Random nonces are safe for far more secrets than a shop will ever seal with one key (the usual
bound is 2^32 messages per key for a collision chance below 2^-32). Key material never appears
in a ``repr`` or an error message (SEC-3).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gc
import hashlib
import hmac
import itertools
import operator
import os
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shop_adapters.shared.secret_files import load_or_create_private_file, read_private_file
from shop_app.giftcards.secrets import SecretUnreadable
from shop_domain.giftcards.sealed import SealedSecret

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12
TAG_BYTES = 16
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_CHECK_LABEL = b"shop giftcard key check v1\x00"


def key_check_value(key: bytes, key_id: str) -> bytes:
    """HMAC-SHA256 of a fixed label and ``key_id`` under ``key``: proves a key is the one
    recorded for ``key_id`` without revealing it (a PRF output, not the key)."""
    return hmac.new(key, _CHECK_LABEL + key_id.encode(), hashlib.sha256).digest()


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Cyclic garbage collection off for a bulk allocation, back on after if it was on.

    Only ever turns collection back *on*, so concurrent callers cannot leave it off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_key_id(key_id: str) -> None:
    if not _KEY_ID.fullmatch(key_id):
        raise ValueError(f"a key id is 1 to 64 letters, digits, '_', '.' or '-', not {key_id!r}")


class AesGcmSecretBox:
    """Seals with ``keys[current]``; opens with any of ``keys`` (id → 32-byte key)."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if not keys:
            raise ValueError("a secret box needs at least one key")
        for key_id, key in keys.items():
            _check_key_id(key_id)
            if not isinstance(key, bytes) or len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} is not {KEY_BYTES} bytes (AES-256)")
        if current not in keys:
            raise ValueError(f"the current key {current!r} is not among the keys")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._checks = {key_id: key_check_value(key, key_id) for key_id, key in keys.items()}
        self._current = current

    def __repr__(self) -> str:
        return f"AesGcmSecretBox(current={self._current!r}, keys={sorted(self._ciphers)!r})"

    @property
    def key_id(self) -> str:
        return self._current

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._ciphers)

    def check_value(self, key_id: str) -> bytes:
        return self._checks[key_id]

    def matches(self, key_id: str, check: bytes) -> bool:
        """Whether ``check`` is the check value of this ring's key ``key_id`` (constant time)."""
        mine = self._checks.get(key_id)
        return mine is not None and hmac.compare_digest(mine, check)

    def seal(self, number: str, secret: str) -> SealedSecret:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self._current].encrypt(nonce, secret.encode(), number.encode())
        return SealedSecret(self._current, nonce + sealed)

    def seal_many(self, pairs: Sequence[tuple[str, str]]) -> list[SealedSecret]:
        # A million at a time, so: one call for all the nonces, and the per-secret work chained
        # through ``map`` over C functions — no Python frame per secret, no list in between
        # but the nonces. Cyclic garbage collection is paused meanwhile: a million new objects
        # would otherwise trigger collections that rescan them all (about 40% of the time).
        key_id = self._current
        size = len(pairs)
        nonces = os.urandom(NONCE_BYTES * size)
        nonce_list = [nonces[i : i + NONCE_BYTES] for i in range(0, len(nonces), NONCE_BYTES)]
        numbers = map(str.encode, map(operator.itemgetter(0), pairs))
        secrets = map(str.encode, map(operator.itemgetter(1), pairs))
        sealed = map(self._ciphers[key_id].encrypt, nonce_list, secrets, numbers)
        blobs = map(operator.add, nonce_list, sealed)
        with _gc_paused():
            return list(map(SealedSecret, itertools.repeat(key_id, size), blobs))

    def open(self, number: str, sealed: SealedSecret) -> str:
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise SecretUnreadable(
                "the secret was sealed with a key this shop does not have",
                details={"key_id": sealed.key_id},
            )
        blob = sealed.blob
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise SecretUnreadable(
                "the sealed secret is damaged", details={"key_id": sealed.key_id}
            )
        try:
            plain = cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], number.encode())
            return plain.decode()
        except (InvalidTag, UnicodeDecodeError):
            raise SecretUnreadable(
                "the sealed secret is damaged or belongs to another card",
                details={"key_id": sealed.key_id},
            ) from None


# --- keys -------------------------------------------------------------------------------------


def parse_keys(spec: str) -> tuple[dict[str, bytes], str]:
    """``"k2:<url-safe base64>,k1:<...>"`` → (``{"k2": ..., "k1": ...}``, ``"k2"``).

    The first key listed is the current one (it seals new secrets); every key listed opens. Each
    key is 32 bytes in url-safe base64, padded or not. :class:`ValueError` says what is wrong
    without repeating any key material.
    """
    keys: dict[str, bytes] = {}
    entries = [entry.strip() for entry in spec.split(",")]
    if entries == [""]:
        raise ValueError("the key list is empty: give at least one 'id:base64-key'")
    for number, entry in enumerate(entries, start=1):
        key_id, colon, encoded = (part.strip() for part in entry.partition(":"))
        if not entry or not colon:
            raise ValueError(f"key entry {number} is not 'id:base64-key'")
        _check_key_id(key_id)
        if key_id in keys:
            raise ValueError(f"key {key_id!r} is listed twice")
        if not _BASE64URL.fullmatch(encoded):
            raise ValueError(f"key {key_id!r} is not url-safe base64")
        try:
            bare = encoded.rstrip("=")
            key = base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))
        except (binascii.Error, ValueError):
            raise ValueError(f"key {key_id!r} is not url-safe base64") from None
        if len(key) != KEY_BYTES:
            raise ValueError(f"key {key_id!r} is {len(key)} bytes; AES-256 needs {KEY_BYTES}")
        keys[key_id] = key
    return keys, next(iter(keys))


def new_key_id() -> str:
    """A fresh key id: ``k`` and 16 random hex digits (64 bits: ids never collide in practice,
    and say nothing about when the key was made)."""
    return f"k{secrets.token_hex(8)}"


def new_key_spec(key_id: str | None = None) -> str:
    """A fresh random key as a spec entry, ``"<key_id>:<url-safe base64>"`` (a new id unless
    one is given)."""
    key_id = key_id or new_key_id()
    _check_key_id(key_id)
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode('ascii')}"


def _checked_spec(path: Path, spec: str) -> str:
    try:
        parse_keys(spec)
    except ValueError as exc:
        raise ValueError(f"the key file {path} is not a key list: {exc}") from None
    return spec


def read_key_file(path: Path) -> str | None:
    """The key spec kept in ``path``, or ``None`` if there is no such file. A file the group or
    others may read or write is refused (``InsecureSecretFile``)."""
    spec = read_private_file(path)
    return None if spec is None else _checked_spec(path, spec)


def load_or_create_key_file(path: Path) -> str:
    """The key spec kept in ``path``; if there is no such file, one is made (parent folders
    too) holding one fresh key with a new id, readable by its owner only. Whether a new key may
    be made at all is the caller's decision (``shop_app.giftcards.keyring``)."""
    spec, _ = load_or_create_private_file(path, new_key_spec)
    return _checked_spec(path, spec)
