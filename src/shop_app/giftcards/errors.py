"""Errors the gift cards' application layer raises (the domain's own are in
:mod:`shop_domain.giftcards.errors`). Each code is defined here once."""

from __future__ import annotations

from shop_app.shared.ratelimit import TooManyAttempts
from shop_domain.giftcards.errors import CardStateConflict
from shop_domain.giftcards.rules import VirtualCardForSale
from shop_domain.shared.errors import Conflict, InvalidValue


class ActivationAttemptsExceeded(TooManyAttempts):
    """GC-5: too many wrong number/secret pairs lately, by this user or for this card."""

    code = "giftcard.too_many_attempts"


class NumberRepeated(InvalidValue):
    """A given (vanity) number appears twice in one request."""

    code = "giftcard.number_repeated"


class NumberTaken(InvalidValue):
    """Given numbers belong to existing cards (``details``: some of them and their count)."""

    code = "giftcard.number_taken"


class SaleRefUsed(InvalidValue):
    """GC-6: the sale reference was used for another sale."""

    code = "giftcard.sale_ref_used"


class NotForSale(CardStateConflict):
    """GC-6: only virtual cards are sold here (the code of the domain's sale rule)."""

    code = VirtualCardForSale.code


class OrderNotCharged(InvalidValue):
    """GC-8: gift cards paid nothing of this order, so there is nothing to restore."""

    code = "giftcard.order_not_charged"


class ExportPasswordWeak(InvalidValue):
    """GC-12: an export password shorter (or longer) than the policy allows."""

    code = "giftcard.export_password_weak"


class ExportCardsInvalid(InvalidValue):
    """GC-12: a chosen card does not belong to the exported batch."""

    code = "giftcard.export_cards"


class NoPhoneForCode(InvalidValue):
    """GC-12: neither the batch's owner nor the administrator has a phone for the code."""

    code = "giftcard.no_phone_for_code"


class GenerationStalled(InvalidValue):
    """Card generation makes no progress (is the number space full?)."""

    code = "giftcard.generation_stalled"


class ResealStalled(Conflict):
    """Re-sealing a key's cards makes no progress."""

    code = "giftcard.reseal_stalled"


__all__ = [
    "ActivationAttemptsExceeded",
    "ExportCardsInvalid",
    "ExportPasswordWeak",
    "GenerationStalled",
    "NoPhoneForCode",
    "NotForSale",
    "NumberRepeated",
    "NumberTaken",
    "OrderNotCharged",
    "ResealStalled",
    "SaleRefUsed",
]
