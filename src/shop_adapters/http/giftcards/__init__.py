"""The gift cards' HTTP API (GC-1..14): the back office under ``/giftcards`` (batches, cards,
records, sales, payments and exports, each behind a named permission) and the customer's own
cards (``/giftcards/activate``, ``/me/giftcards``). ``GIFTCARD_CONTROLLERS`` is what
:func:`shop_adapters.http.create_app` takes.
"""

from __future__ import annotations

from typing import Final

from litestar import Controller

from shop_adapters.http.giftcards.admin import GiftCardBatchController
from shop_adapters.http.giftcards.admin_cards import GiftCardCardsController
from shop_adapters.http.giftcards.admin_exports import GiftCardExportsController
from shop_adapters.http.giftcards.admin_tender import GiftCardTenderController
from shop_adapters.http.giftcards.customer import GiftCardCustomerController

GIFTCARD_CONTROLLERS: Final[list[type[Controller]]] = [
    GiftCardCustomerController,
    GiftCardBatchController,
    GiftCardCardsController,
    GiftCardExportsController,
    GiftCardTenderController,
]

__all__ = [
    "GIFTCARD_CONTROLLERS",
    "GiftCardBatchController",
    "GiftCardCardsController",
    "GiftCardCustomerController",
    "GiftCardExportsController",
    "GiftCardTenderController",
]
