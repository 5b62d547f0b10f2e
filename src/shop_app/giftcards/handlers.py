"""Command handlers of gift cards. They do not commit: the message bus does.

Concurrency: every change to a card goes through the card loaded *for update* (PostgreSQL row
locks, taken in id order; SQLite has one writer at a time), and the version guard backs it up,
so a balance is never spent twice and never goes below zero (GC-7) whatever runs at once. The
database's own CHECK (0 ≤ balance ≤ face value) is the last line.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Sequence

from shop_app.giftcards import commands as c
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.ports import GiftCardsUnitOfWork
from shop_app.giftcards.results import (
    BatchStarted,
    Charge,
    Charged,
    ExportStarted,
    Given,
    Restored,
    RevealedSecret,
    SoldCard,
)
from shop_app.giftcards.secrets import SecretBox, SecretUnreadable
from shop_app.shared.messagebus import CommandHandler
from shop_domain.giftcards import numbers, rules
from shop_domain.giftcards.batch import CardKind, CreationMode, GiftCardBatch
from shop_domain.giftcards.card import ActivationVia, GiftCard
from shop_domain.giftcards.errors import (
    ActivationFailed,
    CardNotFound,
    CardStateConflict,
    InvalidBatch,
    NothingToSell,
    OrderAlreadyCharged,
)
from shop_domain.giftcards.export import CardExport
from shop_domain.giftcards.usage import CardUsage, plan_restore, plan_spend
from shop_domain.shared.errors import InvalidValue
from shop_domain.shared.money import total
from shop_domain.shared.rules import check_rule

GENERATE_CARDS = "giftcards.generate_cards"
"""The job kind writing a batch's generated cards; params ``{"batch_id": "<uuid>"}``."""

EXPORT_CARDS = "giftcards.export_cards"
"""The job kind writing an export's file; params ``{"export_id": "<uuid>"}``."""

KEY_MAX = 100


def _check_key(value: str, what: str) -> None:
    if not 1 <= len(value) <= KEY_MAX:
        raise InvalidValue(f"the {what} is 1..{KEY_MAX} characters")


class GiftCardHandlers:
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
            c.DiscardCard: self.discard_card,
            c.RevealSecret: self.reveal_secret,
            c.BindCard: self.bind_card,
            c.ActivateCard: self.activate_card,
            c.BindPurchasedCard: self.bind_purchased_card,
            c.SellCards: self.sell_cards,
            c.SpendGiftCards: self.spend,
            c.RestoreGiftCards: self.restore,
            c.StartExport: self.start_export,
            c.FinishExport: self.finish_export,
            c.FailExport: self.fail_export,
        }

    # --- batches (GC-1, GC-3, GC-13) --------------------------------------------------------

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
            raise InvalidValue("a number is given twice", code="giftcard.number_repeated")
        return len(normalised), normalised

    async def _write_given(
        self, uow: GiftCardsUnitOfWork, batch: GiftCardBatch, given: list[str]
    ) -> None:
        taken = await uow.giftcards.numbers_taken(given)
        if taken:
            raise InvalidValue(
                "some numbers belong to existing cards",
                code="giftcard.number_taken",
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

    # --- cards (operator) -------------------------------------------------------------------

    async def discard_card(self, command: c.DiscardCard, uow: GiftCardsUnitOfWork) -> None:
        card = await uow.giftcards.get_for_update(command.card_id)
        card.discard(reason=command.reason, actor=command.actor, now=uow.clock.now())

    async def reveal_secret(
        self, command: c.RevealSecret, uow: GiftCardsUnitOfWork
    ) -> RevealedSecret:
        """GC-11: one card per request; the viewing is recorded in the card's history (and, by
        the bus, in the audit log)."""
        card = await uow.giftcards.get(command.card_id)
        secret = self._box.open(card.number, card.secret)
        card.secret_viewed(actor=command.actor, now=uow.clock.now())
        return RevealedSecret(card.id, card.number, secret)

    async def bind_card(self, command: c.BindCard, uow: GiftCardsUnitOfWork) -> None:
        """GC-5, manual activation by an operator."""
        card = await uow.giftcards.get_for_update(command.card_id)
        batch = await uow.giftcard_batches.get(card.batch_id)
        card.activate(
            batch=batch,
            via=ActivationVia.MANUAL,
            actor=command.actor,
            now=uow.clock.now(),
            user_id=command.user_id,
            phone=command.phone,
        )

    # --- customers (GC-5, GC-6) -------------------------------------------------------------

    async def activate_card(self, command: c.ActivateCard, uow: GiftCardsUnitOfWork) -> uuid.UUID:
        """Self-service activation. A wrong number and a wrong secret answer the same
        ``ActivationFailed``; the caller counts them (see ``CardActivator``). Only someone who
        typed the right secret learns anything more (already activated, batch not open…)."""
        number = numbers.normalise_number(command.number)
        secret = numbers.normalise_secret(command.secret)
        if not number or not secret or len(number) > 40 or len(secret) > 40:
            raise ActivationFailed()
        card = await uow.giftcards.find_by_number_for_update(number)
        if card is None:
            raise ActivationFailed()
        try:
            stored = self._box.open(card.number, card.secret)
        except SecretUnreadable as exc:  # never a customer's fault; say nothing more
            raise ActivationFailed() from exc
        if not hmac.compare_digest(stored.encode(), secret.encode()):
            raise ActivationFailed()
        batch = await uow.giftcard_batches.get(card.batch_id)
        card.activate(
            batch=batch,
            via=ActivationVia.SELF,
            actor=f"user:{command.user_id}",
            now=uow.clock.now(),
            user_id=command.user_id,
        )
        return card.id

    async def bind_purchased_card(
        self, command: c.BindPurchasedCard, uow: GiftCardsUnitOfWork
    ) -> None:
        card = await uow.giftcards.get_for_update(command.card_id)
        if card.buyer_id != command.user_id:
            raise CardNotFound(command.card_id)  # another user's card: not for them to see
        batch = await uow.giftcard_batches.get(card.batch_id)
        card.activate(
            batch=batch,
            via=ActivationVia.PURCHASE,
            actor=f"user:{command.user_id}",
            now=uow.clock.now(),
            user_id=command.user_id,
        )

    # --- selling and paying (GC-6, GC-7, GC-8) ----------------------------------------------

    async def sell_cards(self, command: c.SellCards, uow: GiftCardsUnitOfWork) -> list[SoldCard]:
        _check_key(command.sale_ref, "sale reference")
        if not 1 <= command.quantity <= 100:
            raise InvalidValue("sell 1..100 cards at a time")
        batch = await uow.giftcard_batches.get(command.batch_id)
        already = await uow.giftcards.sold_with_ref(batch.id, command.sale_ref)
        if already:
            if {card.buyer_id for card in already} != {command.buyer_id} or len(
                already
            ) != command.quantity:
                raise InvalidValue(
                    "this sale reference was used for another sale", code="giftcard.sale_ref_used"
                )
            return [SoldCard(card.id, card.number) for card in already]
        if batch.kind is not CardKind.VIRTUAL:
            raise CardStateConflict(
                "only virtual cards are sold here", code="giftcard.not_for_sale"
            )
        check_rule(rules.BatchIsOpen(batch.state))
        cards = await uow.giftcards.unsold(batch.id, command.quantity)
        if len(cards) < command.quantity:
            raise NothingToSell(
                f"the batch has {len(cards)} unsold cards, fewer than {command.quantity}"
            )
        now = uow.clock.now()
        for card in cards:
            card.sell(
                batch=batch,
                buyer_id=command.buyer_id,
                sale_ref=command.sale_ref,
                actor=command.actor,
                now=now,
            )
        return [SoldCard(card.id, card.number) for card in cards]

    async def spend(self, command: c.SpendGiftCards, uow: GiftCardsUnitOfWork) -> Charged:
        if not 1 <= len(command.card_ids) <= self._policy.max_cards_per_order:
            raise InvalidValue(f"pay with 1..{self._policy.max_cards_per_order} cards")
        existing = await uow.giftcard_usages.for_order(command.order_id)
        if existing:
            return await self._repeat_charge(command, existing, uow)
        # lock in id order (no deadlocks), then plan in the order the customer gave
        locked = {card.id: card for card in await uow.giftcards.lock_many(command.card_ids)}
        missing = [card_id for card_id in command.card_ids if card_id not in locked]
        if missing:
            raise CardNotFound(missing[0])
        plan = plan_spend(command.amount, [locked[card_id] for card_id in command.card_ids])
        batches = {
            batch_id: await uow.giftcard_batches.get(batch_id)
            for batch_id in sorted({card.batch_id for card, _ in plan})
        }
        now = uow.clock.now()
        charges: list[Charge] = []
        for card, amount in plan:
            usage = CardUsage.record_spend(
                id=uow.ids.new_id(),
                card=card,
                user_id=command.user_id,
                order_id=command.order_id,
                sub_order_id=command.sub_order_id,
                amount=amount,
                tender=command.tender,
                now=now,
            )
            card.spend(
                batch=batches[card.batch_id],
                user_id=command.user_id,
                amount=amount,
                order_id=command.order_id,
                usage_id=usage.id,
                actor=command.actor,
                now=now,
            )
            uow.giftcard_usages.add(usage)
            charges.append(Charge(card.id, card.number, usage.id, amount, card.balance))
        return Charged(command.order_id, command.amount, tuple(charges))

    @staticmethod
    async def _repeat_charge(
        command: c.SpendGiftCards, usages: Sequence[CardUsage], uow: GiftCardsUnitOfWork
    ) -> Charged:
        """The order is paid already: the same request answers what was done; any other is
        refused (an order is paid by gift cards once)."""
        charged = total((u.amount for u in usages), command.amount.currency)
        same_cards = {u.card_id for u in usages} <= set(command.card_ids)
        if charged != command.amount or not same_cards or usages[0].user_id != command.user_id:
            raise OrderAlreadyCharged("gift cards already pay this order")
        ordered = sorted(usages, key=lambda u: command.card_ids.index(u.card_id))
        balances = {
            card.id: card.balance for card in await uow.giftcards.lock_many(command.card_ids)
        }
        return Charged(
            command.order_id,
            charged,
            tuple(
                Charge(u.card_id, u.number, u.id, u.amount, balances[u.card_id]) for u in ordered
            ),
        )

    async def restore(self, command: c.RestoreGiftCards, uow: GiftCardsUnitOfWork) -> Restored:
        _check_key(command.key, "restore key")
        usages = await uow.giftcard_usages.for_order(command.order_id)
        if not usages:
            raise InvalidValue(
                "gift cards paid nothing of this order", code="giftcard.order_not_charged"
            )
        if any(command.key in u.restore_keys for u in usages):
            return Restored(command.order_id, command.key, None, (), repeated=True)
        plan = plan_restore(command.amount, usages)
        cards = {
            card.id: card for card in await uow.giftcards.lock_many({u.card_id for u, _ in plan})
        }
        now = uow.clock.now()
        given: list[Given] = []
        for usage, amount in plan:
            usage.give_back(amount, key=command.key, now=now)
            card = cards[usage.card_id]
            card.restore(
                amount=amount,
                order_id=command.order_id,
                usage_id=usage.id,
                usage_state=usage.state,
                reason=command.reason,
                actor=command.actor,
                now=now,
            )
            given.append(Given(card.id, usage.id, amount, card.balance, usage.state.value))
        if not given:
            return Restored(command.order_id, command.key, None, ())
        restored = total((g.amount for g in given), given[0].amount.currency)
        return Restored(command.order_id, command.key, restored, tuple(given))

    # --- exports (GC-12) --------------------------------------------------------------------

    async def start_export(self, command: c.StartExport, uow: GiftCardsUnitOfWork) -> ExportStarted:
        """Queue the export; the caller has checked the permission and the one-time code (see
        ``CardExporter``)."""
        if not self._policy.min_export_password <= len(command.password) <= 128:
            raise InvalidValue(
                f"an export password is {self._policy.min_export_password}..128 characters",
                code="giftcard.export_password_weak",
            )
        batch = await uow.giftcard_batches.get(command.batch_id)
        chosen = list(command.card_ids) if command.card_ids is not None else None
        if chosen is not None:
            found = await uow.giftcards.lock_many(chosen)
            if len(found) != len(set(chosen)) or any(k.batch_id != batch.id for k in found):
                raise InvalidValue(
                    "every chosen card belongs to this batch", code="giftcard.export_cards"
                )
        export_id = uow.ids.new_id()
        export = CardExport.request(
            id=export_id,
            batch_id=batch.id,
            card_ids=chosen,
            password=self._box.seal(str(export_id), command.password),
            requested_by=command.actor,
            now=uow.clock.now(),
        )
        uow.giftcard_exports.add(export)
        batch.exported(
            export_id=export_id,
            cards=len(export.card_ids) if export.card_ids is not None else batch.generated,
            whole_batch=export.whole_batch,
            actor=command.actor,
            now=uow.clock.now(),
        )
        job_id = await uow.jobs.enqueue(
            EXPORT_CARDS, {"export_id": str(export_id)}, created_by=command.actor
        )
        return ExportStarted(export_id, job_id)

    async def finish_export(self, command: c.FinishExport, uow: GiftCardsUnitOfWork) -> None:
        export = await uow.giftcard_exports.get(command.export_id)
        export.finish(rows=command.rows, file_name=command.file_name, now=uow.clock.now())

    async def fail_export(self, command: c.FailExport, uow: GiftCardsUnitOfWork) -> None:
        export = await uow.giftcard_exports.get(command.export_id)
        export.fail(error=command.error, now=uow.clock.now())


def giftcard_command_handlers(policy: GiftCardPolicy, box: SecretBox) -> dict[type, CommandHandler]:
    return GiftCardHandlers(policy, box).mapping()
