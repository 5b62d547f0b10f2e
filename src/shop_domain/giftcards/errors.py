"""Errors of the gift-card context. Codes are part of the public contract: never change them."""

from __future__ import annotations

import uuid

from shop_domain.shared.errors import Conflict, Forbidden, InvalidValue, NotFound


class BatchNotFound(NotFound):
    code = "giftcard.batch_not_found"

    def __init__(self, batch_id: uuid.UUID) -> None:
        super().__init__(f"no gift-card batch {batch_id}", details={"batch_id": str(batch_id)})


class CardNotFound(NotFound):
    code = "giftcard.card_not_found"

    def __init__(self, card: uuid.UUID | str) -> None:
        super().__init__("no such gift card", details={"card": str(card)})


class ActivationFailed(NotFound):
    """A wrong number or a wrong secret: deliberately the same answer for both (GC-5)."""

    code = "giftcard.activation_failed"

    def __init__(self) -> None:
        super().__init__("this card number and secret do not match a card that can be activated")


class InvalidBatch(InvalidValue):
    code = "giftcard.invalid_batch"


class BatchStateConflict(Conflict):
    """The batch is not in a state that allows this transition (GC-3)."""

    code = "giftcard.batch_state"


class KeyRequired(Forbidden):
    """Only the batch's owner or a holder of the open permission may do this (GC-3)."""

    code = "giftcard.key_required"


class CardStateConflict(Conflict):
    """The card is not in a state that allows this (GC-4)."""

    code = "giftcard.card_state"


class NotYourCard(Forbidden):
    code = "giftcard.not_owner"


class InsufficientBalance(Conflict):
    code = "giftcard.insufficient_balance"


class OrderAlreadyCharged(Conflict):
    """Gift cards already pay this order, differently from what was asked."""

    code = "giftcard.order_already_charged"


class RestoreExceedsSpent(Conflict):
    code = "giftcard.restore_exceeds_spent"


class ExportNotFound(NotFound):
    code = "giftcard.export_not_found"

    def __init__(self, export_id: uuid.UUID) -> None:
        super().__init__(f"no gift-card export {export_id}", details={"export_id": str(export_id)})


class ExportStateConflict(Conflict):
    """The export has already finished (done or failed)."""

    code = "giftcard.export_state"


class InvalidCardNumber(InvalidValue):
    """A number a merchant chose that is not 6 to 32 digits."""

    code = "giftcard.number_invalid"


class RestoreExceedsFaceValue(InvalidValue):
    """A restore would lift the balance above the face value (GC-8)."""

    code = "giftcard.over_restore"


class NothingToSell(Conflict):
    """The batch has no unsold virtual card left (GC-6)."""

    code = "giftcard.sold_out"
