"""The port that seals gift-card secrets for storage and opens them again (GC-11).

Handlers see only :class:`SecretBox`; an adapter decides the cipher and where the keys live
(``shop_adapters.shared.crypto.AesGcmSecretBox``, or a key-management service). Every sealed
secret is bound to its card number, so a sealed secret copied onto another card's row does not
open, and it names the key that sealed it, so keys can be rotated: new secrets are sealed with
the current key while every older key still opens what it sealed.

Bulk generation seals a million secrets at a time, hence :meth:`SecretBox.seal_many`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.shared.errors import Conflict


class SecretUnreadable(Conflict):
    """A sealed secret does not open: its key is unknown here, or it was tampered with, or it
    was sealed for another card number. The message never includes the secret or the blob."""

    code = "giftcard.secret_unreadable"


class SecretBox(Protocol):
    """Seals secrets with the current key, opens them with any key it knows."""

    @property
    def key_id(self) -> str:
        """The id of the key new secrets are sealed with."""
        ...

    def seal(self, number: str, secret: str) -> SealedSecret:
        """``secret`` sealed for the card ``number``."""
        ...

    def seal_many(self, pairs: Sequence[tuple[str, str]]) -> list[SealedSecret]:
        """Each ``(number, secret)`` sealed, in order; fast enough for a million."""
        ...

    def open(self, number: str, sealed: SealedSecret) -> str:
        """The secret ``sealed`` holds for ``number``; :class:`SecretUnreadable` otherwise."""
        ...
