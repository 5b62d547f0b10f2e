"""Handlers of gift-card batches (GC-1, GC-3, GC-13). They do not commit: the bus does.

A batch of generated cards is filled by the ``GENERATE_CARDS`` job queued with the command
(:mod:`shop_app.giftcards.generation`); given (vanity) numbers are written in the command's own
transaction.
"""

from __future__ import annotations

from typing import Final

from shop_app.giftcards import commands as c
from shop_app.giftcards.errors import NumberRepeated, NumberTaken
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.ports import GiftCardsUnitOfWork
from shop_app.giftcards.results import BatchStarted
from shop_app.giftcards.secrets import SecretBox
from shop_app.shared.messagebus import CommandHandler
from shop_domain.giftcards import numbers
from shop_domain.giftcards.batch import CreationMode, GiftCardBatch
from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.errors import InvalidBatch

GENERATE_CARDS: Final = "giftcards.generate_cards"
"""The job kind writing a batch's generated cards; params ``{"batch_id": "<uuid>"}``."""


class BatchHandlers:
    def __init__(self, policy: GiftCardPolicy, box: SecretBox) -> None:
        self._policy = policy
        self._box = box

    def mapping(self) -> dict[type, CommandHandler]:
        return {
            c.CreateBatch: self.create_batch,
            c.AddCards: self.add_cards,
            c.ConfirmGenerated: self.confirm_generated,
            c.OpenBatch: self.open_batch,
            c.PauseBatch: self.pause_batch,
            c.DiscardBatch: self.discard_batch,
            c.EditBatch: self.edit_batch,
        }

    def _count(self, count: int | None, given: tuple[str, ...] | None) -> tuple[int, list[str]]:
        """How many cards, and the given numbers (normalised) if any."""
        if (count is None) == (given is None):
            raise InvalidBatch("give either a count of cards to generate or a list of numbers")
        if given is None:
            assert count is not None
            if not 1 <= count <= self._policy.max_cards_per_request:
                raise InvalidBatch(f"a request makes 1..{self._policy.max_cards_per_request} cards")
            return count, []
        if not 1 <= len(given) <= self._policy.max_given_numbers:
            raise InvalidBatch(f"give 1..{self._policy.max_given_numbers} numbers at a time")
        normalised = [numbers.check_given_number(n) for n in given]
        if len(set(normalised)) != len(normalised):
            raise NumberRepeated("a number is given twice")
        return len(normalised), normalised

    async def _write_given(
        self, uow: GiftCardsUnitOfWork, batch: GiftCardBatch, given: list[str]
    ) -> None:
        taken = await uow.giftcards.numbers_taken(given)
        if taken:
            raise NumberTaken(
                "some numbers belong to existing cards",
                details={"numbers": sorted(taken)[:20], "count": len(taken)},
            )
        now = uow.clock.now()
        secrets = numbers.random_secrets(len(given))
        sealed = self._box.seal_many(list(zip(given, secrets, strict=True)))
        uow.giftcards.add_many(
            [
                GiftCard.new(id=uow.ids.new_id(), batch=batch, number=n, secret=s, now=now)
                for n, s in zip(given, sealed, strict=True)
            ]
        )
        batch.cards_written(len(given), now=now)

    async def _fill(
        self, uow: GiftCardsUnitOfWork, batch: GiftCardBatch, count: int, given: list[str]
    ) -> BatchStarted:
        if given:
            await self._write_given(uow, batch, given)
            return BatchStarted(batch.id, batch.requested, None)
        job_id = await uow.jobs.enqueue(
            GENERATE_CARDS,
            {"batch_id": str(batch.id)},
            created_by=batch.created_by,
            total=batch.requested,
        )
        return BatchStarted(batch.id, batch.requested, job_id)

    async def create_batch(self, command: c.CreateBatch, uow: GiftCardsUnitOfWork) -> BatchStarted:
        count, given = self._count(command.count, command.numbers)
        batch = GiftCardBatch.create(
            id=uow.ids.new_id(),
            definition=command.definition,
            mode=CreationMode.GIVEN if given else CreationMode.GENERATED,
            count=count,
            created_by=command.actor,
            now=uow.clock.now(),
        )
        uow.giftcard_batches.add(batch)
        return await self._fill(uow, batch, count, given)

    async def add_cards(self, command: c.AddCards, uow: GiftCardsUnitOfWork) -> BatchStarted:
        count, given = self._count(command.count, command.numbers)
        batch = await uow.giftcard_batches.get_for_update(command.batch_id)
        batch.add_cards(count, actor=command.actor, now=uow.clock.now())
        return await self._fill(uow, batch, count, given)

    async def confirm_generated(self, command: c.ConfirmGenerated, uow: GiftCardsUnitOfWork) -> int:
        batch = await uow.giftcard_batches.get_for_update(command.batch_id)
        batch.confirm_generated(now=uow.clock.now())
        return batch.generated

    async def open_batch(self, command: c.OpenBatch, uow: GiftCardsUnitOfWork) -> None:
        batch = await uow.giftcard_batches.get_for_update(command.batch_id)
        batch.open(
            actor=command.actor,
            has_open_permission=command.has_open_permission,
            now=uow.clock.now(),
        )

    async def pause_batch(self, command: c.PauseBatch, uow: GiftCardsUnitOfWork) -> None:
        batch = await uow.giftcard_batches.get_for_update(command.batch_id)
        batch.pause(actor=command.actor, now=uow.clock.now())

    async def discard_batch(self, command: c.DiscardBatch, uow: GiftCardsUnitOfWork) -> None:
        batch = await uow.giftcard_batches.get_for_update(command.batch_id)
        batch.discard(
            actor=command.actor,
            has_open_permission=command.has_open_permission,
            now=uow.clock.now(),
        )

    async def edit_batch(self, command: c.EditBatch, uow: GiftCardsUnitOfWork) -> None:
        batch = await uow.giftcard_batches.get_for_update(command.batch_id)
        batch.edit(
            actor=command.actor,
            now=uow.clock.now(),
            name=command.name,
            remark=command.remark,
            ends_at=command.ends_at,
        )
