"""The gift cards' services beyond single commands, bundled for the adapters that serve them."""

from __future__ import annotations

import attrs

from shop_app.giftcards.activation import CardActivator
from shop_app.giftcards.exports import CardExporter
from shop_app.giftcards.generation import CardGenerator
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.queries import GiftCardQueries


@attrs.define(eq=False)
class GiftCardServices:
    """What the HTTP service, the CLI and embedders use besides the bus."""

    queries: GiftCardQueries
    activator: CardActivator
    generator: CardGenerator
    exporter: CardExporter
    policy: GiftCardPolicy
