"""Where the gift-card keys come from, and the box that stays shut until they are checked (GC-11).

The gift cards' settings section (``GiftCardSettings``) hands in what it read:

- ``SHOP_GIFTCARD_KEYS`` set: those keys (:class:`SpecKeySource`);
- ``memory://``: a key made for the runtime (its database lives no longer);
- otherwise the key file ``SHOP_GIFTCARD_KEY_FILE`` (:class:`FileKeySource`), read — or, while
  the database records no sealed secret, made — by the runtime's start step.

The runtime's :class:`DeferredSecretBox` is what every handler seals and opens with. Outside
``memory://`` it stays shut until the start step has checked the keys against the database;
the key file is read only by that step (:func:`open_keys`, run by ``Runtime.start``), which
first looks at what the database holds: a lost key file never turns into a fresh key
(:mod:`shop_app.giftcards.keyring`). Until then sealing or opening raises ``KeysNotOpened``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from shop_adapters.settings import MEMORY_URL
from shop_adapters.shared.crypto import (
    AesGcmSecretBox,
    load_or_create_key_file,
    new_key_spec,
    parse_keys,
    read_key_file,
)
from shop_app.giftcards.keyring import KeyCheckStore, KeyRing, KeysNotOpened, open_key_ring
from shop_domain.giftcards.sealed import SealedSecret


def ring_of(spec: str) -> AesGcmSecretBox:
    keys, current = parse_keys(spec)
    return AesGcmSecretBox(keys, current)


class SpecKeySource:
    """Keys given whole (``SHOP_GIFTCARD_KEYS``, or made for a ``memory://`` runtime)."""

    def __init__(self, spec: str, name: str) -> None:
        self.ring = ring_of(spec)
        self._name = name

    def describe(self) -> str:
        return self._name

    def remedy(self) -> str:
        return f"add the missing key(s) to {self._name} (the first key seals, all open)"

    def load(self) -> KeyRing:
        return self.ring

    def create(self) -> KeyRing:  # pragma: no cover - load() always has the keys
        return self.ring


class FileKeySource:
    """The key file, made with one fresh key only when the start step allows it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> str:
        return f"the key file {self.path}"

    def remedy(self) -> str:
        return (
            f"restore {self.path} from its backup (or set SHOP_GIFTCARD_KEYS to the keys, the "
            "missing ones included); to give up the secrets they seal instead, see "
            "docs/giftcards.md, 'Keys'"
        )

    def load(self) -> KeyRing | None:
        spec = read_key_file(self.path)
        return None if spec is None else ring_of(spec)

    def create(self) -> KeyRing:
        return ring_of(load_or_create_key_file(self.path))


def key_source(database_url: str, keys: str | None, key_file: str) -> SpecKeySource | FileKeySource:
    """``keys`` given whole (``SHOP_GIFTCARD_KEYS``), else a fresh key for a ``memory://``
    database, else ``key_file``."""
    if keys:
        return SpecKeySource(keys, "SHOP_GIFTCARD_KEYS")
    if database_url == MEMORY_URL:
        return SpecKeySource(new_key_spec(), "the memory runtime's key")
    return FileKeySource(Path(key_file))


def secret_box(keys: str | None, *, database_url: str = "") -> AesGcmSecretBox:
    """The keys given in full (``SHOP_GIFTCARD_KEYS``, else a key for a ``memory://``
    ``database_url``), unchecked — for tools and benchmarks; a runtime checks them at start."""
    source = key_source(database_url, keys, "")
    if not isinstance(source, SpecKeySource):
        raise ValueError("the keys are in a key file: a runtime's start step reads it")
    return source.ring


class DeferredSecretBox:
    """The runtime's ``SecretBox``: shut until the start step puts the checked ring in."""

    def __init__(self, ring: KeyRing | None = None) -> None:
        self._ring = ring

    def __repr__(self) -> str:
        return f"DeferredSecretBox({self._ring!r})"

    @property
    def ring(self) -> KeyRing:
        if self._ring is None:
            raise KeysNotOpened(
                "the gift-card keys are not checked yet: call 'await runtime.start()' first "
                "(the HTTP app and every shop command do)"
            )
        return self._ring

    def use(self, ring: KeyRing) -> None:
        self._ring = ring

    @property
    def key_id(self) -> str:
        return self.ring.key_id

    def seal(self, number: str, secret: str) -> SealedSecret:
        return self.ring.seal(number, secret)

    def seal_many(self, pairs: Sequence[tuple[str, str]]) -> list[SealedSecret]:
        return self.ring.seal_many(pairs)

    def open(self, number: str, sealed: SealedSecret) -> str:
        return self.ring.open(number, sealed)


def deferred_box(database_url: str, source: SpecKeySource | FileKeySource) -> DeferredSecretBox:
    """The box of a ``memory://`` runtime is usable at once (its key lives and dies with its
    database); every other waits for the start step, which checks the keys against the
    database first — keys given in full too, so that a wrong key under a known id never seals
    a secret."""
    if database_url == MEMORY_URL and isinstance(source, SpecKeySource):
        return DeferredSecretBox(source.ring)
    return DeferredSecretBox()


async def open_keys(
    box: DeferredSecretBox, source: SpecKeySource | FileKeySource, store: KeyCheckStore
) -> None:
    """The start step: check (or, on a database with no sealed secret, make) the keys, then
    open ``box`` with them."""
    box.use(await open_key_ring(source, store))
