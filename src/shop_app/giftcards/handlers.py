"""The registry of the gift cards' command handlers. The handlers do not commit: the bus does.

- batches (GC-1, GC-3, GC-13): :mod:`shop_app.giftcards.batch_handlers`;
- single cards, by operators and customers (GC-5, GC-6, GC-11):
  :mod:`shop_app.giftcards.card_handlers`;
- selling and paying (GC-6, GC-7, GC-8): :mod:`shop_app.giftcards.payments`;
- exports (GC-12): :mod:`shop_app.giftcards.exports`;
- re-sealing secrets under the current key (GC-11): :mod:`shop_app.giftcards.reseal`.
"""

from __future__ import annotations

from shop_app.giftcards import commands as c
from shop_app.giftcards.batch_handlers import GENERATE_CARDS, BatchHandlers
from shop_app.giftcards.card_handlers import CardHandlers
from shop_app.giftcards.exports import EXPORT_CARDS, ExportHandlers, RequestExportCodeHandler
from shop_app.giftcards.payments import PaymentHandlers
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.ports import VerifiedPhones
from shop_app.giftcards.queries import GiftCardQueries
from shop_app.giftcards.reseal import reseal_cards
from shop_app.giftcards.secrets import SecretBox
from shop_app.shared.messagebus import CommandHandler
from shop_app.shared.otp import OneTimeCodes


def giftcard_command_handlers(
    policy: GiftCardPolicy, box: SecretBox, phones: VerifiedPhones | None = None
) -> dict[type, CommandHandler]:
    """Every gift-card command's handler but ``RequestExportCode``'s, which needs the read side
    and the one-time codes (:func:`export_code_handlers`). ``phones``: whose verified phone is
    whose, for cards bound to a phone number (none without it)."""
    return {
        **BatchHandlers(policy, box).mapping(),
        **CardHandlers(box).mapping(),
        **PaymentHandlers(policy, phones).mapping(),
        **ExportHandlers(policy, box).mapping(),
        c.ResealCards: reseal_cards,
    }


def export_code_handlers(
    queries: GiftCardQueries, codes: OneTimeCodes, policy: GiftCardPolicy
) -> dict[type, CommandHandler]:
    """The handler of ``RequestExportCode`` (GC-12, step 1)."""
    return {c.RequestExportCode: RequestExportCodeHandler(queries, codes, policy)}


__all__ = [
    "EXPORT_CARDS",
    "GENERATE_CARDS",
    "export_code_handlers",
    "giftcard_command_handlers",
]
