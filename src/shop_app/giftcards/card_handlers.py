"""Handlers of single cards: an operator's (discard, reveal the secret, bind — GC-5, GC-11)
and a customer's (self-service activation, binding a bought card — GC-5, GC-6). They do not
commit: the bus does.

Self-service activation answers one ``ActivationFailed`` for a wrong number and a wrong secret
alike; the bus counts them and locks out guessers (see :mod:`shop_app.giftcards.middlewares`).
"""

from __future__ import annotations

import hmac
import uuid

from shop_app.giftcards import commands as c
from shop_app.giftcards.ports import GiftCardsUnitOfWork
from shop_app.giftcards.results import RevealedSecret
from shop_app.giftcards.secrets import SecretBox, SecretUnreadable
from shop_app.shared.messagebus import CommandHandler
from shop_domain.giftcards import numbers
from shop_domain.giftcards.card import ActivationVia
from shop_domain.giftcards.errors import ActivationFailed, CardNotFound


class CardHandlers:
    def __init__(self, box: SecretBox) -> None:
        self._box = box

    def mapping(self) -> dict[type, CommandHandler]:
        return {
            c.DiscardCard: self.discard_card,
            c.RevealSecret: self.reveal_secret,
            c.BindCard: self.bind_card,
            c.ActivateCard: self.activate_card,
            c.BindPurchasedCard: self.bind_purchased_card,
        }

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
        ``ActivationFailed``; the bus counts them (``giftcard_attempt_rules``). Only someone who
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
