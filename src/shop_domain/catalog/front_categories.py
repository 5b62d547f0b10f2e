"""Front-end (display) categories (CAT-3)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

import attrs

from shop_domain.catalog import events as ev
from shop_domain.catalog.errors import InvalidSortOrder
from shop_domain.catalog.model import clean_name, unique_ids
from shop_domain.shared.aggregate import Aggregate


@attrs.define(slots=False, eq=False)
class FrontCategory(Aggregate):
    """A display category (CAT-3): mapped many-to-many onto back-end categories of any level
    (``category_ids``, sorted, no duplicates); created, changed, hidden and deleted freely,
    without touching any product. Shoppers see visible ones only, sorted by ``sort_order``."""

    name: str
    parent_id: uuid.UUID | None
    sort_order: int
    visible: bool
    created_at: dt.datetime
    category_ids: list[uuid.UUID] = attrs.field(factory=list)

    @classmethod
    def create(
        cls,
        *,
        id: uuid.UUID,
        name: str,
        parent_id: uuid.UUID | None,
        sort_order: int,
        visible: bool,
        category_ids: Iterable[uuid.UUID],
        now: dt.datetime,
    ) -> FrontCategory:
        _check_sort_order(sort_order)
        front = cls(
            id=id,
            name=clean_name(name),
            parent_id=parent_id,
            sort_order=sort_order,
            visible=bool(visible),
            created_at=now,
            category_ids=unique_ids(category_ids),
        )
        front.record(
            ev.FrontCategoryCreated(
                occurred_at=now,
                front_category_id=id,
                name=front.name,
                parent_id=parent_id,
                sort_order=sort_order,
                visible=front.visible,
            )
        )
        if front.category_ids:
            front.record(
                ev.FrontCategoryMapped(
                    occurred_at=now, front_category_id=id, category_ids=tuple(front.category_ids)
                )
            )
        return front

    def update(
        self,
        *,
        name: str | None = None,
        sort_order: int | None = None,
        visible: bool | None = None,
        now: dt.datetime,
    ) -> None:
        """Rename, reorder, hide or show; ``None`` leaves a field as it is."""
        new_name = self.name if name is None else clean_name(name)
        new_sort = self.sort_order if sort_order is None else sort_order
        _check_sort_order(new_sort)
        new_visible = self.visible if visible is None else bool(visible)
        if (new_name, new_sort, new_visible) == (self.name, self.sort_order, self.visible):
            return
        self.name, self.sort_order, self.visible = new_name, new_sort, new_visible
        self.record(
            ev.FrontCategoryUpdated(
                occurred_at=now,
                front_category_id=self.id,
                name=new_name,
                sort_order=new_sort,
                visible=new_visible,
            )
        )

    def map_to(self, category_ids: Iterable[uuid.UUID], now: dt.datetime) -> None:
        """Set the mapped back-end categories (the caller has checked they exist)."""
        ids = unique_ids(category_ids)
        if ids == self.category_ids:
            return
        self.category_ids = ids
        self.record(
            ev.FrontCategoryMapped(
                occurred_at=now, front_category_id=self.id, category_ids=tuple(ids)
            )
        )

    def delete(self, now: dt.datetime) -> None:
        """Record the deletion; the repository's ``remove`` takes the row away."""
        self.record(ev.FrontCategoryDeleted(occurred_at=now, front_category_id=self.id))


def _check_sort_order(sort_order: object) -> None:
    if not isinstance(sort_order, int) or isinstance(sort_order, bool):
        raise InvalidSortOrder("sort order must be a whole number")
