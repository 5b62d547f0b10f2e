"""Listing a product for sale, now or on a schedule (CAT-7).

``status`` is the stored state; ``list_at`` / ``delist_at`` are optional pending schedules.
:meth:`ProductListing.is_listed` gives the effective state at any time, applying due schedules
in time order (a listing that comes due while no SKU is enabled is skipped), so reads are right
before the sweep runs; :meth:`ProductListing.apply_schedule` makes the stored state catch up and
records the events. Every status-changing method applies due schedules first, so after any call
at ``now`` the stored state equals the effective state at ``now``. The stored state never says
listed without an enabled SKU: disabling the last enabled SKU unlists
(:meth:`~shop_domain.catalog.products.Product.set_sku_enabled`).
"""

from __future__ import annotations

import datetime as dt

from shop_domain.catalog import events as ev
from shop_domain.catalog import rules
from shop_domain.catalog.errors import InvalidSchedule
from shop_domain.catalog.model import ListingStatus, require_aware
from shop_domain.catalog.sku import Sku
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.rules import check_rule


def due_schedules(
    list_at: dt.datetime | None, delist_at: dt.datetime | None, now: dt.datetime
) -> list[tuple[dt.datetime, str]]:
    """The schedule actions due by ``now`` (``"list"``, ``"delist"``) in the order they take
    effect (a tie lists, then delists)."""
    due: list[tuple[dt.datetime, int, str]] = []
    if list_at is not None and list_at <= now:
        due.append((list_at, 0, "list"))
    if delist_at is not None and delist_at <= now:
        due.append((delist_at, 1, "delist"))
    return [(when, action) for when, _, action in sorted(due)]


def listed_at(
    status: ListingStatus,
    list_at: dt.datetime | None,
    delist_at: dt.datetime | None,
    has_enabled_sku: bool,
    now: dt.datetime,
) -> bool:
    """Whether a product of stored ``status`` and these schedules is listed at ``now``: the
    schedules due by then applied in order (a listing while no SKU is enabled is skipped), and
    an enabled SKU."""
    for _when, action in due_schedules(list_at, delist_at, now):
        if action == "delist":
            status = ListingStatus.UNLISTED
        elif has_enabled_sku:
            status = ListingStatus.LISTED
    return status is ListingStatus.LISTED and has_enabled_sku


class ProductListing(Aggregate):
    """The listing behaviour of :class:`~shop_domain.catalog.products.Product`, which declares
    the fields (this base is not an attrs class of its own: it adds methods, not fields)."""

    skus: list[Sku]
    status: ListingStatus
    list_at: dt.datetime | None
    delist_at: dt.datetime | None
    updated_at: dt.datetime

    def _has_enabled_sku(self) -> bool:
        return any(s.enabled for s in self.skus)

    def is_listed(self, now: dt.datetime) -> bool:
        """The effective listing state at ``now``, due schedules included."""
        return listed_at(self.status, self.list_at, self.delist_at, self._has_enabled_sku(), now)

    def apply_schedule(self, now: dt.datetime) -> bool:
        """Apply the schedules due at ``now`` to the stored state; True if any was due."""
        due = due_schedules(self.list_at, self.delist_at, now)
        for when, action in due:
            if action == "list":
                self.list_at = None
                if not self._has_enabled_sku():
                    self.record(
                        ev.ProductListingSkipped(
                            occurred_at=now,
                            product_id=self.id,
                            reason="no_enabled_sku",
                            effective_at=when,
                        )
                    )
                elif self.status is not ListingStatus.LISTED:
                    self.status = ListingStatus.LISTED
                    self.record(
                        ev.ProductListed(
                            occurred_at=now, product_id=self.id, scheduled=True, effective_at=when
                        )
                    )
            else:
                self.delist_at = None
                if self.status is ListingStatus.LISTED:
                    self.status = ListingStatus.UNLISTED
                    self.record(
                        ev.ProductUnlisted(
                            occurred_at=now,
                            product_id=self.id,
                            reason="scheduled",
                            effective_at=when,
                        )
                    )
        if due:
            self.updated_at = now
        return bool(due)

    def list_for_sale(self, now: dt.datetime) -> None:
        """List now (CAT-7); needs an enabled SKU. Pending future schedules stay."""
        self.apply_schedule(now)
        check_rule(rules.ListingNeedsEnabledSku(sum(1 for s in self.skus if s.enabled)))
        if self.status is ListingStatus.LISTED:
            return
        self.status = ListingStatus.LISTED
        self.updated_at = now
        self.record(
            ev.ProductListed(occurred_at=now, product_id=self.id, scheduled=False, effective_at=now)
        )

    def unlist(self, now: dt.datetime) -> None:
        """Unlist now (CAT-7). Pending future schedules stay."""
        self.apply_schedule(now)
        if self.status is ListingStatus.UNLISTED:
            return
        self.status = ListingStatus.UNLISTED
        self.updated_at = now
        self.record(
            ev.ProductUnlisted(
                occurred_at=now, product_id=self.id, reason="manual", effective_at=now
            )
        )

    def schedule_listing(
        self, *, list_at: dt.datetime | None, delist_at: dt.datetime | None, now: dt.datetime
    ) -> None:
        """Set (or, with None, clear) the scheduled listing and delisting times. Both must lie
        in the future and differ; with ``delist_at`` before ``list_at`` the product goes off
        sale and comes back. A listing that comes due with no enabled SKU is skipped."""
        self.apply_schedule(now)
        for field, moment in (("list_at", list_at), ("delist_at", delist_at)):
            if moment is None:
                continue
            require_aware(moment, field=field)
            if moment <= now:
                raise InvalidSchedule(f"{field} must lie in the future", details={"field": field})
        if list_at is not None and list_at == delist_at:
            raise InvalidSchedule("listing and delisting cannot be scheduled for the same moment")
        if (list_at, delist_at) == (self.list_at, self.delist_at):
            return
        self.list_at, self.delist_at = list_at, delist_at
        self.updated_at = now
        self.record(
            ev.ProductListingScheduled(
                occurred_at=now, product_id=self.id, list_at=list_at, delist_at=delist_at
            )
        )
