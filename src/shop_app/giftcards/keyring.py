"""The keys that seal card secrets, checked against what the database holds before use (GC-11).

A lost key must never silently turn into a fresh one: the database would keep secrets nobody can
open, and new cards would be sealed under a key that cannot sit beside the lost one. So the
database records, per key id, a *check value* (a keyed digest that proves a key is the right one
without revealing it), and :func:`open_key_ring` — run at every start, before anything is sealed
or opened — applies these rules:

- a key id the database knows (a check value, a card or an export still sealed by it) that the
  ring lacks refuses the start, naming the missing ids (:class:`KeysMissing`);
- a key of the ring whose id has a recorded check value that it does not match refuses the start
  (:class:`WrongKey`); an id recorded before check values existed is proven by opening one of
  the secrets it sealed, then its check value is recorded;
- a new key is made only while the database records no key at all;
- the current key's check value is recorded the first time it is used.

The ring itself (the cipher, where the keys live) is an adapter behind :class:`KeySource`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from shop_app.giftcards.secrets import SecretBox, SecretUnreadable
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.shared.errors import Conflict


class KeyRingRefused(Conflict):
    """The keys given cannot be used with this database; the shop must not start."""

    code = "giftcard.keys_refused"


class KeysMissing(KeyRingRefused):
    code = "giftcard.keys_missing"

    def __init__(self, key_ids: Iterable[str], source: str, remedy: str) -> None:
        self.key_ids = tuple(sorted(key_ids))
        super().__init__(
            f"the database holds gift-card secrets sealed by key(s) {', '.join(self.key_ids)} "
            f"that {source} does not have; {remedy}. No new key is made while sealed secrets "
            "exist (they would stay unreadable).",
            details={"key_ids": list(self.key_ids)},
        )


class WrongKey(KeyRingRefused):
    code = "giftcard.key_mismatch"

    def __init__(self, key_id: str, source: str) -> None:
        self.key_id = key_id
        super().__init__(
            f"key {key_id} of {source} is not the key that sealed this shop's secrets; "
            f"restore the right key {key_id} (from the backup of the key file or "
            "SHOP_GIFTCARD_KEYS)",
            details={"key_id": key_id},
        )


class KeysNotOpened(Conflict):
    """A secret was to be sealed or opened before the key ring was checked at start."""

    code = "giftcard.keys_not_opened"


class KeyRing(SecretBox, Protocol):
    """A :class:`SecretBox` that can prove which keys it holds."""

    @property
    def key_ids(self) -> frozenset[str]: ...

    def check_value(self, key_id: str) -> bytes:
        """The check value of this ring's key ``key_id``."""
        ...

    def matches(self, key_id: str, check: bytes) -> bool:
        """Whether ``check`` is the check value of this ring's key ``key_id``."""
        ...


class KeySource(Protocol):
    """Where the keys live: settings, a key file, a key-management service."""

    def describe(self) -> str:
        """Names the source in messages (``the key file ./var/giftcard.keys``)."""
        ...

    def remedy(self) -> str:
        """What an operator does when keys are missing from it."""
        ...

    def load(self) -> KeyRing | None:
        """The keys, or ``None`` when there are none yet (no key file)."""
        ...

    def create(self) -> KeyRing:
        """Make a first key (called only while the database records no key)."""
        ...


class KeyCheckStore(Protocol):
    """What the database records about keys."""

    async def recorded(self) -> dict[str, bytes | None]:
        """Every key id the database knows → its check value: the ids of the check table, and
        the ids that still seal a card or an export password (``None`` when no check value is
        recorded for one)."""
        ...

    async def record(self, key_id: str, check: bytes) -> bytes:
        """Record ``check`` for ``key_id`` unless one is recorded; the value recorded now."""
        ...

    async def sample(self, key_id: str) -> tuple[str, SealedSecret] | None:
        """One card sealed by ``key_id``: its number and sealed secret (``None`` if none)."""
        ...


def _opens(ring: KeyRing, number: str, sealed: SealedSecret) -> bool:
    try:
        ring.open(number, sealed)
    except SecretUnreadable:
        return False
    return True


async def verify_key_ring(
    ring: KeyRing,
    store: KeyCheckStore,
    source: KeySource,
    recorded: Mapping[str, bytes | None] | None = None,
) -> None:
    """Refuse ``ring`` if it lacks a key the database knows or holds a wrong one; record the
    check values not yet recorded (the current key's among them)."""
    known = dict(await store.recorded() if recorded is None else recorded)
    missing = set(known) - ring.key_ids
    if missing:
        raise KeysMissing(missing, source.describe(), source.remedy())
    for key_id in sorted(known):
        check = known[key_id]
        if check is None:
            sample = await store.sample(key_id)
            if sample is not None and not _opens(ring, *sample):
                raise WrongKey(key_id, source.describe())
            check = await store.record(key_id, ring.check_value(key_id))
        if not ring.matches(key_id, check):
            raise WrongKey(key_id, source.describe())
    if ring.key_id not in known:
        stored = await store.record(ring.key_id, ring.check_value(ring.key_id))
        if not ring.matches(ring.key_id, stored):
            raise WrongKey(ring.key_id, source.describe())
        # another process may have recorded its own first key meanwhile: look once more
        missing = set(await store.recorded()) - ring.key_ids
        if missing:
            raise KeysMissing(missing, source.describe(), source.remedy())


async def open_key_ring(source: KeySource, store: KeyCheckStore) -> KeyRing:
    """The ring of ``source``, checked against ``store`` (see the module documentation); a
    first key is made only while the database records none."""
    recorded = await store.recorded()
    ring = source.load()
    if ring is None:
        if recorded:
            raise KeysMissing(recorded, source.describe(), source.remedy())
        ring = source.create()
    await verify_key_ring(ring, store, source, recorded)
    return ring
