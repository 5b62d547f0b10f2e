"""Re-sealing every card secret under the current key, so an old key can leave the ring (GC-11).

The ``ResealCards`` command queues the ``RESEAL_CARDS`` job (:func:`reseal_cards`); the job works
like card generation: chunk by chunk, each chunk one short
transaction that locks its cards, opens each secret with whatever key sealed it and seals it
again under the current key (the card's :meth:`~shop_domain.giftcards.card.GiftCard.reseal`),
with ``report(done, total)`` between chunks. It keeps no cursor: a card already under the
current key is simply not picked again, so a job that stopped half-way resumes where the
database says it is. Secrets pass through memory only; the job's result holds counts per key
id, never a secret (SEC-3). At the end the check values of keys that seal nothing any more are
dropped: such a key may leave the ring (a start without it is no longer refused).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from shop_app.giftcards.commands import ResealCards
from shop_app.giftcards.errors import ResealStalled
from shop_app.giftcards.ports import GiftCardsUnitOfWork
from shop_app.giftcards.secrets import SecretBox
from shop_app.shared.jobs import JobView, Report

RESEAL_CARDS = "giftcards.reseal_cards"
DEFAULT_RESEAL_CHUNK = 1000
MAX_STALLS = 3


async def reseal_cards(command: ResealCards, uow: GiftCardsUnitOfWork) -> uuid.UUID:
    """The ``ResealCards`` handler: the job, queued in the command's transaction."""
    return await uow.jobs.enqueue(RESEAL_CARDS, {}, created_by=command.actor)


class ResealSource(Protocol):
    """Which cards which key still seals."""

    async def sealed_counts(self) -> dict[str, int]:
        """Key id → how many cards it seals."""
        ...

    async def sealed_by(self, key_id: str, limit: int) -> list[uuid.UUID]:
        """Ids of up to ``limit`` cards sealed by ``key_id`` (any order)."""
        ...

    async def forget_idle(self, keep: str) -> list[str]:
        """Drop the recorded check values of the keys (but ``keep``) that seal nothing any
        more — no card, no export password — so they may leave the ring; their ids."""
        ...


class CardResealer:
    def __init__(
        self,
        uow_factory: Callable[[], GiftCardsUnitOfWork],
        source: ResealSource,
        box: SecretBox,
        *,
        chunk: int = DEFAULT_RESEAL_CHUNK,
    ) -> None:
        self._uow_factory = uow_factory
        self._source = source
        self._box = box
        self._chunk = chunk

    async def _reseal(self, ids: list[uuid.UUID]) -> int:
        current = self._box.key_id
        moved = 0
        async with self._uow_factory() as uow:
            for card in await uow.giftcards.lock_many(ids):
                if card.secret.key_id != current:
                    secret = self._box.open(card.number, card.secret)
                    card.reseal(self._box.seal(card.number, secret))
                    moved += 1
            await uow.commit()
        return moved

    async def reseal(self, report: Report | None = None) -> tuple[int, dict[str, int]]:
        """Re-seal every card not under the current key: ``(cards re-sealed, cards per key id
        afterwards)`` — the keys that sealed cards before are listed, with 0 once they seal
        none."""
        current = self._box.key_id
        counts = await self._source.sealed_counts()
        old = sorted(key_id for key_id in counts if key_id != current)
        total = sum(counts[key_id] for key_id in old)
        done = 0
        if report is not None:
            await report(done, total)
        for key_id in old:
            stalls = 0
            while ids := await self._source.sealed_by(key_id, self._chunk):
                moved = await self._reseal(ids)
                stalls = 0 if moved else stalls + 1
                if stalls > MAX_STALLS:  # pragma: no cover - the store keeps returning them
                    raise ResealStalled(f"re-sealing the cards of key {key_id} makes no progress")
                done += moved
                if report is not None:
                    await report(done, max(total, done))
        after = await self._source.sealed_counts()
        retired = await self._source.forget_idle(keep=current)
        return done, {key_id: after.get(key_id, 0) for key_id in {*counts, *after, *retired}}

    async def run_job(self, job: JobView, report: Report) -> Mapping[str, Any]:
        """The ``RESEAL_CARDS`` job handler (no parameters)."""
        resealed, counts = await self.reseal(report)
        return {"resealed": resealed, "key_id": self._box.key_id, "sealed_by": counts}
