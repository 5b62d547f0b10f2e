"""The contract of :class:`~shop_app.giftcards.secrets.SecretBox`, which seals gift-card
secrets for storage (GC-11).

Subclass :class:`SecretBoxContract` with three fixtures::

    class TestMyBox(SecretBoxContract):
        @pytest.fixture
        def box(self) -> MyBox: ...        # the box under test

        @pytest.fixture
        def stranger(self) -> MyBox: ...   # the same kind with other keys (the same key id
                                           # is the harder case)

        @pytest.fixture
        def rotated(self) -> MyBox: ...    # a new current key, and every key of ``box``

The promises: what is sealed opens, for its card number only; the sealed bytes hold neither the
secret nor, for equal secrets on two cards, equal bytes; any changed, cut or foreign blob, or
one naming a key the box lacks, is refused with ``SecretUnreadable`` — whose message and details
show neither the secret nor the blob (SEC-3); a sealed secret names the current key, and after a
rotation the old key still opens what it sealed; ``seal_many`` seals each pair, in order.
Properties run with hypothesis over any text.
"""

from __future__ import annotations

import base64

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from shop_app.giftcards.secrets import SecretBox, SecretUnreadable
from shop_domain.giftcards.sealed import SealedSecret

NUMBER = "4000123456789010"
OTHER_NUMBER = "4000123456789028"
SECRET = "ABCDEFGHJKMNPQRS"

# A box holds no state between examples, so one fixture serves them all; and every subclass runs
# the same property, so its examples are shared between executors on purpose. One broken promise
# is reported once, with its smallest example.
_EXAMPLES = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
    deadline=None,
    report_multiple_bugs=False,
)
_numbers = st.text(max_size=40)
_secrets = st.text(max_size=60)
_long_secrets = st.text(min_size=10, max_size=60)


def unreadable(box: SecretBox, number: str, sealed: SealedSecret) -> SecretUnreadable:
    """The refusal of ``box.open``; fails the test if it opened."""
    try:
        opened = box.open(number, sealed)
    except SecretUnreadable as error:
        return error
    pytest.fail(f"the box opened a blob it must refuse (into {len(opened)} characters)")


def shows(error: SecretUnreadable) -> str:
    return "\n".join((str(error), repr(error), repr(error.details), repr(error.args)))


@pytest.mark.rule("GC-11")
class SecretBoxContract:
    """The secret box's promises; see the module documentation for the fixtures."""

    @_EXAMPLES
    @given(number=_numbers, secret=_secrets)
    def test_what_is_sealed_opens_for_its_number(
        self, box: SecretBox, number: str, secret: str
    ) -> None:
        assert box.open(number, box.seal(number, secret)) == secret

    def test_a_sealed_secret_names_the_current_key(self, box: SecretBox) -> None:
        assert box.seal(NUMBER, SECRET).key_id == box.key_id

    @pytest.mark.rule("SEC-3")
    @_EXAMPLES
    @given(number=_numbers, secret=_long_secrets)
    def test_the_sealed_bytes_do_not_hold_the_secret(
        self, box: SecretBox, number: str, secret: str
    ) -> None:
        blob = box.seal(number, secret).blob
        plain = secret.encode()
        for form in (plain, plain.hex().encode(), base64.b64encode(plain), plain[::-1]):
            assert form not in blob

    def test_equal_secrets_on_two_cards_seal_to_different_bytes(self, box: SecretBox) -> None:
        """Else whoever reads the table learns which cards share a secret."""
        assert box.seal(NUMBER, SECRET).blob != box.seal(OTHER_NUMBER, SECRET).blob

    @_EXAMPLES
    @given(number=_numbers, other=_numbers, secret=_secrets)
    def test_a_sealed_secret_does_not_open_for_another_number(
        self, box: SecretBox, number: str, other: str, secret: str
    ) -> None:
        """A sealed secret copied onto another card's row must not make that card spendable."""
        assume(number != other)
        unreadable(box, other, box.seal(number, secret))

    @_EXAMPLES
    @given(secret=_secrets, data=st.data())
    def test_a_changed_byte_makes_it_unreadable(
        self, box: SecretBox, secret: str, data: st.DataObject
    ) -> None:
        sealed = box.seal(NUMBER, secret)
        index = data.draw(st.integers(0, len(sealed.blob) - 1), label="index")
        flip = data.draw(st.integers(1, 255), label="flip")
        blob = bytearray(sealed.blob)
        blob[index] ^= flip
        unreadable(box, NUMBER, attrs.evolve(sealed, blob=bytes(blob)))

    @_EXAMPLES
    @given(secret=_secrets, data=st.data())
    def test_a_cut_blob_is_unreadable(
        self, box: SecretBox, secret: str, data: st.DataObject
    ) -> None:
        sealed = box.seal(NUMBER, secret)
        cut = data.draw(st.integers(0, len(sealed.blob) - 1), label="cut")
        unreadable(box, NUMBER, attrs.evolve(sealed, blob=sealed.blob[:cut]))
        unreadable(box, NUMBER, attrs.evolve(sealed, blob=sealed.blob[cut + 1 :]))

    def test_a_blob_sealed_with_other_keys_is_unreadable(
        self, box: SecretBox, stranger: SecretBox
    ) -> None:
        foreign = stranger.seal(NUMBER, SECRET)
        unreadable(box, NUMBER, foreign)
        unreadable(box, NUMBER, SealedSecret(box.key_id, foreign.blob))
        unreadable(box, NUMBER, SealedSecret(box.key_id, b""))

    def test_a_blob_naming_a_key_the_box_lacks_is_unreadable(self, box: SecretBox) -> None:
        sealed = box.seal(NUMBER, SECRET)
        unreadable(box, NUMBER, SealedSecret("no-such-key", sealed.blob))

    @pytest.mark.rule("SEC-3")
    def test_a_refusal_shows_neither_the_secret_nor_the_blob(
        self, box: SecretBox, stranger: SecretBox
    ) -> None:
        sealed = box.seal(NUMBER, SECRET)
        tampered = attrs.evolve(sealed, blob=sealed.blob[:-1] + bytes([sealed.blob[-1] ^ 1]))
        foreign = stranger.seal(NUMBER, SECRET)
        for error, blob in (
            (unreadable(box, OTHER_NUMBER, sealed), sealed.blob),
            (unreadable(box, NUMBER, tampered), tampered.blob),
            (unreadable(box, NUMBER, foreign), foreign.blob),
        ):
            text = shows(error)
            for secret in (SECRET, blob.hex(), repr(blob), base64.b64encode(blob).decode()):
                assert secret not in text, f"a refusal shows {secret!r}"

    def test_a_rotated_box_opens_old_secrets_and_seals_with_its_new_key(
        self, box: SecretBox, rotated: SecretBox
    ) -> None:
        old = box.seal(NUMBER, SECRET)
        assert rotated.key_id != box.key_id, "rotated seals with a new key"
        assert rotated.open(NUMBER, old) == SECRET
        new = rotated.seal(NUMBER, SECRET)
        assert new.key_id == rotated.key_id
        assert rotated.open(NUMBER, new) == SECRET
        unreadable(box, NUMBER, new)  # the old box lacks the new key

    def test_seal_many_seals_each_pair_in_order(self, box: SecretBox) -> None:
        pairs = [(f"40001234{n:08d}", f"SECRET{n:010d}") for n in range(300)]
        sealed = box.seal_many(pairs)
        assert len(sealed) == len(pairs)
        assert {s.key_id for s in sealed} == {box.key_id}
        opened = [box.open(number, s) for (number, _), s in zip(pairs, sealed, strict=True)]
        assert opened == [secret for _, secret in pairs]
        assert len({s.blob for s in sealed}) == len(sealed)
        unreadable(box, pairs[1][0], sealed[0])
        assert box.seal_many([]) == []


__all__ = ["SecretBoxContract"]
