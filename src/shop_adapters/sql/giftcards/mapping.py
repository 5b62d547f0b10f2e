"""Imperative mapping of the gift-card aggregates onto their tables (ADR 0003).

- ``version`` is the optimistic-lock column of :class:`GiftCardBatch`, :class:`GiftCard`,
  :class:`CardUsage` and :class:`CardExport`. The application owns its value
  (``version_id_generator=False``): the flush listener here bumps it once per transaction for
  every new or changed aggregate, so versions read exactly as the in-memory adapter's (new: 1,
  then +1 per changing commit). The card store moves a batch's ``generated`` with a Core
  ``UPDATE`` that bumps the version too, so a batch read before a chunk was written is stale.
- Value objects are composites over flat columns (:class:`AttrsComposite`): a batch's
  ``validity`` (``starts_at``, ``ends_at``, ``days_from_activation``), money as minor units and
  a currency column (a card's face value and balance share one currency column, as do a
  usage's amount and restored amount), a card's sealed ``secret`` (key id and blob), an
  export's optional sealed ``password`` (all-NULL reads back as ``None``).
- A usage's optional :class:`TenderSplit` is three minor-unit columns and a currency of its
  own (:class:`TenderComposite`): ``None`` sets all four to NULL, which a currency column
  shared with the amount could not survive.
- No relationships: a card names its batch by id, and the foreign key is checked at commit
  (deferred), so the flush and the bulk card writes may reach the database in any order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Composite, Session, UOWTransaction, class_mapper
from sqlalchemy.orm.exc import UnmappedClassError

from shop_adapters.sql.catalog.mapping import AttrsComposite
from shop_adapters.sql.giftcards.tables import (
    giftcard_batches,
    giftcard_exports,
    giftcard_usages,
    giftcards,
)
from shop_adapters.sql.metadata import mapper_registry
from shop_domain.giftcards.batch import GiftCardBatch, Validity
from shop_domain.giftcards.card import GiftCard
from shop_domain.giftcards.export import CardExport
from shop_domain.giftcards.sealed import SealedSecret
from shop_domain.giftcards.usage import CardUsage, TenderSplit
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.money import Money

_VERSIONED: tuple[type[Aggregate], ...] = (GiftCardBatch, GiftCard, CardUsage, CardExport)
_BUMPED = "shop_giftcards_versioned"  # ids of aggregates bumped in this transaction


def _all_none(*values: Any) -> bool:
    return all(value is None for value in values)


def tender_from_columns(cash: int, points: int, gift_cards: int, currency: str) -> TenderSplit:
    return TenderSplit(
        cash=Money(int(cash), currency),
        points=Money(int(points), currency),
        gift_cards=Money(int(gift_cards), currency),
    )


def tender_to_columns(tender: TenderSplit) -> tuple[int, int, int, str]:
    return (
        tender.cash.minor,
        tender.points.minor,
        tender.gift_cards.minor,
        tender.cash.currency,
    )


class TenderComposite(Composite[Any]):
    """:class:`TenderSplit` (three ``Money`` in one currency) over four columns."""

    def _init_accessor(self) -> None:
        self._generated_composite_accessor = tender_to_columns
        super()._init_accessor()


def _is_mapped(cls: type) -> bool:
    try:
        class_mapper(cls)
    except UnmappedClassError:
        return False
    return True


def start_mappers() -> None:
    """Map the gift-card classes (once; calling again does nothing)."""
    if _is_mapped(GiftCard):
        return
    b = giftcard_batches.c
    mapper_registry.map_imperatively(
        GiftCardBatch,
        giftcard_batches,
        properties={
            "_face_value_minor": b.face_value_minor,
            "_currency": b.currency,
            "_starts_at": b.starts_at,
            "_ends_at": b.ends_at,
            "_days_from_activation": b.days_from_activation,
            "face_value": AttrsComposite(Money, b.face_value_minor, b.currency),
            "validity": AttrsComposite(Validity, b.starts_at, b.ends_at, b.days_from_activation),
        },
        version_id_col=b.version,
        version_id_generator=False,
    )
    c = giftcards.c
    mapper_registry.map_imperatively(
        GiftCard,
        giftcards,
        properties={
            "_secret_key_id": c.secret_key_id,
            "_secret_blob": c.secret_blob,
            "_face_value_minor": c.face_value_minor,
            "_balance_minor": c.balance_minor,
            "_currency": c.currency,
            "secret": AttrsComposite(SealedSecret, c.secret_key_id, c.secret_blob),
            "face_value": AttrsComposite(Money, c.face_value_minor, c.currency),
            "balance": AttrsComposite(Money, c.balance_minor, c.currency),
        },
        version_id_col=c.version,
        version_id_generator=False,
    )
    u = giftcard_usages.c
    mapper_registry.map_imperatively(
        CardUsage,
        giftcard_usages,
        properties={
            "_amount_minor": u.amount_minor,
            "_restored_minor": u.restored_minor,
            "_currency": u.currency,
            "_tender_cash_minor": u.tender_cash_minor,
            "_tender_points_minor": u.tender_points_minor,
            "_tender_gift_cards_minor": u.tender_gift_cards_minor,
            "_tender_currency": u.tender_currency,
            "amount": AttrsComposite(Money, u.amount_minor, u.currency),
            "restored": AttrsComposite(Money, u.restored_minor, u.currency),
            "tender": TenderComposite(
                tender_from_columns,
                u.tender_cash_minor,
                u.tender_points_minor,
                u.tender_gift_cards_minor,
                u.tender_currency,
                return_none_on=_all_none,
            ),
        },
        version_id_col=u.version,
        version_id_generator=False,
    )
    x = giftcard_exports.c
    mapper_registry.map_imperatively(
        CardExport,
        giftcard_exports,
        properties={
            "_password_key_id": x.password_key_id,
            "_password_blob": x.password_blob,
            "password": AttrsComposite(
                SealedSecret, x.password_key_id, x.password_blob, return_none_on=_all_none
            ),
        },
        version_id_col=x.version,
        version_id_generator=False,
    )
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_transaction_end", _after_transaction_end)


def _modified(obj: Any) -> bool:
    """Whether a column of ``obj`` changed. (Not ``Session.is_modified``: it also asks each
    composite for its history, and SQLAlchemy builds a composite's old value with ``None`` for
    every column that did not change — ``Money(9000, None)`` when only the balance moved — which
    the value object refuses. Composites write through to their columns, so those say it all.)"""
    state = sa_inspect(obj)
    return any(state.attrs[prop.key].history.has_changes() for prop in state.mapper.column_attrs)


def _before_flush(session: Session, _flush_context: UOWTransaction, _instances: Any) -> None:
    changed = [obj for obj in session.new if isinstance(obj, _VERSIONED)]
    changed += [obj for obj in session.dirty if isinstance(obj, _VERSIONED) and _modified(obj)]
    if not changed:
        return
    bumped: set[int] = session.info.setdefault(_BUMPED, set())
    for obj in changed:
        if id(obj) not in bumped:
            bumped.add(id(obj))
            obj.version += 1


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_BUMPED, None)
