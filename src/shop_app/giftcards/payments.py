"""Selling and paying with gift cards (GC-6, GC-7, GC-8): the ordering context sends these.
They do not commit: the bus does.

Concurrency: every change to a card goes through the card loaded *for update* (PostgreSQL row
locks, taken in id order; SQLite has one writer at a time), and the version guard backs it up,
so a balance is never spent twice and never goes below zero (GC-7) whatever runs at once. The
database's own CHECK (0 ≤ balance ≤ face value) is the last line.

Each is idempotent by a business key the aggregates keep (decision 0027): a sale by its
``sale_ref``, a spend by its order, a restore by its ``key``.

Who may pay with a card (GC-5): the user it is bound to, or — for a card an operator bound to a
phone number — the user whose verified phone it is. The payer's phone is asked of the
:class:`~shop_app.giftcards.ports.VerifiedPhones` port only when a card of the payment is bound
to a phone; the usage record keeps the phone it was paid through.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from shop_app.giftcards import commands as c
from shop_app.giftcards.errors import NotForSale, OrderNotCharged, SaleRefUsed
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.ports import GiftCardsUnitOfWork, NoVerifiedPhones, VerifiedPhones
from shop_app.giftcards.results import Charge, Charged, Given, Restored, SoldCard
from shop_app.shared.messagebus import CommandHandler
from shop_domain.giftcards import rules
from shop_domain.giftcards.batch import CardKind
from shop_domain.giftcards.errors import CardNotFound, NothingToSell, OrderAlreadyCharged
from shop_domain.giftcards.usage import CardUsage, plan_restore, plan_spend
from shop_domain.shared.errors import InvalidValue
from shop_domain.shared.money import total
from shop_domain.shared.rules import check_rule

KEY_MAX: Final = 100


def _check_key(value: str, what: str) -> None:
    if not 1 <= len(value) <= KEY_MAX:
        raise InvalidValue(f"the {what} is 1..{KEY_MAX} characters")


class PaymentHandlers:
    def __init__(self, policy: GiftCardPolicy, phones: VerifiedPhones | None = None) -> None:
        self._policy = policy
        self._phones = phones or NoVerifiedPhones()

    def mapping(self) -> dict[type, CommandHandler]:
        return {
            c.SellCards: self.sell_cards,
            c.SpendGiftCards: self.spend,
            c.RestoreGiftCards: self.restore,
        }

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
                raise SaleRefUsed("this sale reference was used for another sale")
            return [SoldCard(card.id, card.number) for card in already]
        if batch.kind is not CardKind.VIRTUAL:
            raise NotForSale("only virtual cards are sold here")
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
        phone = None
        if any(card.user_id is None and card.phone is not None for card, _ in plan):
            phone = await self._phones.verified_phone(command.user_id)
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
                payer_phone=phone,
            )
            card.spend(
                batch=batches[card.batch_id],
                user_id=command.user_id,
                amount=amount,
                order_id=command.order_id,
                usage_id=usage.id,
                actor=command.actor,
                now=now,
                phone=phone,
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
            raise OrderNotCharged("gift cards paid nothing of this order")
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
