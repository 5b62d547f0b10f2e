"""The memory backend's record of gift-card keys (GC-11): the ``KeyCheckStore`` and
``ResealSource`` ports over a :class:`~shop_adapters.memory.kernel.MemoryDatabase`, reading the
committed cards and exports the other memory adapters keep there."""

from __future__ import annotations

import uuid
from collections import Counter

from shop_adapters.memory.kernel import MemoryDatabase
from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.export import CardExport
from shop_domain.giftcards.sealed import SealedSecret

_EXTRA = "giftcard_key_checks"


class MemoryKeyCheckStore:
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    @property
    def _checks(self) -> dict[str, bytes]:
        checks: dict[str, bytes] = self._db.extras.setdefault(_EXTRA, {})
        return checks

    def _cards(self) -> list[GiftCard]:
        return [c for c in self._db.rows(GiftCard.__name__) if isinstance(c, GiftCard)]

    async def recorded(self) -> dict[str, bytes | None]:
        known: dict[str, bytes | None] = dict(self._checks)
        for card in self._cards():
            known.setdefault(card.secret.key_id, None)
        for export in self._db.rows(CardExport.__name__):
            if isinstance(export, CardExport) and export.password is not None:
                known.setdefault(export.password.key_id, None)
        return known

    async def record(self, key_id: str, check: bytes) -> bytes:
        return self._checks.setdefault(key_id, check)

    async def sample(self, key_id: str) -> tuple[str, SealedSecret] | None:
        for card in self._cards():
            if card.secret.key_id == key_id:
                return card.number, card.secret
        return None

    async def sealed_counts(self) -> dict[str, int]:
        return dict(Counter(card.secret.key_id for card in self._cards()))

    async def sealed_by(self, key_id: str, limit: int) -> list[uuid.UUID]:
        return [c.id for c in self._cards() if c.secret.key_id == key_id][:limit]

    async def forget_idle(self, keep: str) -> list[str]:
        sealing = {c.secret.key_id for c in self._cards()}
        for export in self._db.rows(CardExport.__name__):
            if isinstance(export, CardExport) and export.password is not None:
                sealing.add(export.password.key_id)
        idle = sorted(k for k in self._checks if k != keep and k not in sealing)
        for key_id in idle:
            del self._checks[key_id]
        return idle
