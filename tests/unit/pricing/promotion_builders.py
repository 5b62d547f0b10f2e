"""Builders of the promotion tests: two small kinds of the tests' own (an item price cut and a
threshold reduction, so that these tests do not depend on the real kinds), goods, windows and
definitions with overrides."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

import attrs

from shop_domain.pricing.kinds.base import (
    Applied,
    Context,
    Outcome,
    PriceCut,
    Reduction,
    Stage,
    register,
)
from shop_domain.pricing.lines import ItemFacts, Line, total_of
from shop_domain.pricing.promotion import Promotion, PromotionDefinition
from shop_domain.pricing.terms import Window
from shop_domain.shared.money import Money

APRIL = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
MAY = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
JUNE = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
SHOP = uuid.UUID(int=0x5)
OTHER_SHOP = uuid.UUID(int=0x6)
PHONES = uuid.UUID(int=0xC1)
BRAND = uuid.UUID(int=0xB1)
DAY_BEFORE = APRIL - dt.timedelta(days=1)


@register
@attrs.frozen
class OneOff:
    """A test kind: one fen off each unit (item level)."""

    name: ClassVar[str] = "test.one_off"
    stage: ClassVar[Stage] = Stage.ITEM

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        cuts = {line.line_id: line.unit_price - Money(1, context.currency) for line in lines}
        return Applied((PriceCut(cuts),))

    def tag(self) -> str:
        return "-0.01"


@register
@attrs.frozen
class FlatOff:
    """A test kind: ``off`` off the targeted lines together (threshold stage)."""

    off: int = 100
    name: ClassVar[str] = "test.flat_off"
    stage: ClassVar[Stage] = Stage.THRESHOLD

    def evaluate(self, lines: Sequence[Line], context: Context) -> Outcome:
        total = total_of(lines, context.currency)
        amount = Money(self.off, context.currency).capped_at(total)
        return Applied((Reduction(amount, tuple(line.line_id for line in lines)),))

    def tag(self) -> str:
        return f"-{self.off}"


def item(n: int, *, shop: uuid.UUID = SHOP, category: uuid.UUID = PHONES) -> ItemFacts:
    return ItemFacts(
        sku_id=uuid.UUID(int=0x100 + n),
        spu_id=uuid.UUID(int=0x200 + n),
        shop_id=shop,
        category_ids=(category,),
        brand_id=BRAND,
    )


def definition(**fields: Any) -> PromotionDefinition:
    """A platform's threshold promotion on everything, for April."""
    values: dict[str, Any] = {"name": "Spring", "kind": FlatOff(), "window": Window(APRIL, MAY)}
    values.update(fields)
    return PromotionDefinition(**values)


def promotion(n: int = 1, *, now: dt.datetime = DAY_BEFORE, **fields: Any) -> Promotion:
    created = Promotion.create(
        id=uuid.UUID(int=0xF00 + n), definition=definition(**fields), created_by="ops", now=now
    )
    created.pull_events()
    return created
