"""The contracts of the gift-card key ring (GC-11): :class:`~shop_app.giftcards.keyring.KeyRing`,
a secret box that proves which keys it holds, and :class:`~shop_app.giftcards.keyring.KeySource`,
where the keys live (settings, a key file, a key-management service).

At every start the shop checks the ring against the check values the database recorded
(:func:`~shop_app.giftcards.keyring.open_key_ring`), so that a lost or wrong key refuses the
start instead of sealing new secrets nobody can open later. That check is only as good as these
promises.

:class:`KeyRingContract` takes two fixtures: ``ring``, the ring under test, and ``impostor``, a
ring of the same kind holding a *different* key under ``ring``'s current key id. Promises: the
current key is among the ring's keys; each key's check value is bytes, the same every time, and
matches that key only — not another key under the same id, not another id.

:class:`KeySourceContract` takes one fixture, ``sources``: a callable giving a new source over
the same keys each time, as each process starting the shop makes its own. Promises: a source
gives its ring or, while it has none yet, makes one, and every later source gives the same keys
back (the same check values; they open what the first one sealed); it names itself and says
what an operator does when keys are missing.
"""

from __future__ import annotations

from collections.abc import Callable

from shop_app.giftcards.keyring import KeyRing, KeySource

NUMBER = "4000123456789010"
SECRET = "ABCDEFGHJKMNPQRS"

SourceFactory = Callable[[], KeySource]


def ring_of(source: KeySource) -> KeyRing:
    """The ring a start would use: the source's, or a first one made (the database knowing no
    key yet)."""
    return source.load() or source.create()


class KeyRingContract:
    """The key ring's promises; a subclass provides ``ring`` and ``impostor``."""

    def test_the_current_key_is_among_the_keys(self, ring: KeyRing) -> None:
        assert ring.key_id in ring.key_ids

    def test_a_check_value_is_bytes_and_the_same_each_time(self, ring: KeyRing) -> None:
        for key_id in ring.key_ids:
            check = ring.check_value(key_id)
            assert isinstance(check, bytes)
            assert check
            assert ring.check_value(key_id) == check

    def test_a_key_matches_its_own_check_value(self, ring: KeyRing) -> None:
        for key_id in ring.key_ids:
            assert ring.matches(key_id, ring.check_value(key_id))

    def test_another_key_under_the_same_id_does_not_match(
        self, ring: KeyRing, impostor: KeyRing
    ) -> None:
        key_id = ring.key_id
        assert key_id in impostor.key_ids, "the impostor holds a key under the ring's key id"
        assert impostor.check_value(key_id) != ring.check_value(key_id)
        assert not ring.matches(key_id, impostor.check_value(key_id))
        assert not impostor.matches(key_id, ring.check_value(key_id))

    def test_a_check_value_matches_under_its_own_id_only(self, ring: KeyRing) -> None:
        check = ring.check_value(ring.key_id)
        assert not ring.matches("no-such-key", check)
        assert not ring.matches(ring.key_id, b"")
        assert not ring.matches(ring.key_id, bytes(len(check)))
        for key_id in ring.key_ids - {ring.key_id}:
            assert not ring.matches(key_id, check)


class KeySourceContract:
    """The key source's promises; a subclass provides ``sources``."""

    def test_a_source_gives_a_ring_that_seals_and_opens(self, sources: SourceFactory) -> None:
        ring = ring_of(sources())
        assert ring.open(NUMBER, ring.seal(NUMBER, SECRET)) == SECRET

    def test_every_later_source_gives_the_same_keys_back(self, sources: SourceFactory) -> None:
        first = ring_of(sources())
        sealed = first.seal(NUMBER, SECRET)
        for _ in range(2):
            again = sources().load()
            assert again is not None, "the keys made or given before are gone"
            assert again.key_id == first.key_id
            assert again.key_ids == first.key_ids
            for key_id in first.key_ids:
                assert again.matches(key_id, first.check_value(key_id))
            assert again.open(NUMBER, sealed) == SECRET

    def test_a_source_names_itself_and_a_remedy(self, sources: SourceFactory) -> None:
        source = sources()
        assert source.describe().strip()
        assert source.remedy().strip()


__all__ = ["KeyRingContract", "KeySourceContract"]
