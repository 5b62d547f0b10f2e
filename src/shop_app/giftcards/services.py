"""What the gift cards offer adapters besides the bus: the read side and the bulk work behind
jobs. Every use case is a command sent through the bus (decision 0027)."""

from __future__ import annotations

import attrs

from shop_app.giftcards.exports import CardExporter
from shop_app.giftcards.generation import CardGenerator
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.queries import GiftCardQueries


@attrs.define(eq=False)
class GiftCardServices:
    """The read side (``queries``), the card generator and the exporter behind their jobs (the
    exporter also knows where export files are), and the installation's policy."""

    queries: GiftCardQueries
    generator: CardGenerator
    exporter: CardExporter
    policy: GiftCardPolicy
