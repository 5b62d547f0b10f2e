"""A gift-card secret as it is stored: sealed (GC-11).

The secret is what spending a card needs, so it is kept encrypted at rest — a database dump or a
backup must not hand out spendable cards. The domain only carries the sealed form around; the
sealing itself (the algorithm, the keys) is an application port implemented by an adapter. The
``key_id`` says which key sealed it, so keys can be rotated while old cards stay readable.

The ``repr`` never shows the blob (SEC-3): a sealed secret that ends up in a log line or an
error message reveals which key sealed it and nothing more.
"""

from __future__ import annotations

import attrs


@attrs.frozen(repr=False)
class SealedSecret:
    """A secret encrypted with the key ``key_id``; ``blob`` is whatever that scheme stores."""

    key_id: str
    blob: bytes

    def __repr__(self) -> str:
        return f"SealedSecret(key_id={self.key_id!r}, <sealed>)"
