"""The coupon books of a runtime: templates, their coupons and their statistics agree
(CPN-2, CPN-3, CPN-5, CPN-10, CPN-11, CPN-12).

:func:`check_coupon_books` reads what a runtime committed and raises
:class:`~shop_testing.invariants.base.InvariantBroken` listing every breach, each naming the
template or the coupon and the numbers that disagree. :func:`coupon_changes` lists what the
coupon tables record, for the outbox check (:mod:`shop_testing.invariants.outbox`).

How the runtime is read: templates, statistics and the usage log through the application's read
side (``runtime.get(CouponQueries)``), coupons as aggregates through the unit of work's
repository (``uow.coupons``). No port lists every coupon, so their ids alone are read with SQL
through ``shop.engine``.
"""

from __future__ import annotations

import collections
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar

from sqlalchemy import select

from shop_adapters.sql.coupons.tables import coupons as coupons_table
from shop_app.coupons import integration as i
from shop_app.coupons.queries import (
    CouponQueries,
    TemplateStatistics,
    TemplateView,
    UsageAction,
    UsageEntry,
    UsageFilter,
)
from shop_app.shared.paging import MAX_PAGE_SIZE, Page, PageRequest
from shop_domain.coupons.coupon import Coupon, CouponState
from shop_domain.coupons.template import TemplateState
from shop_domain.coupons.terms import ReturnPolicy
from shop_testing.harness import MemoryShop
from shop_testing.invariants.base import Findings, Recorded

T = TypeVar("T")

TEMPLATE = "coupons.template"
"""The stable name of a template on the wire (``shop_app.coupons.integration``)."""
COUPON = "coupons.coupon"

# --- reading the runtime ----------------------------------------------------------------------


async def every_page(page_of: Callable[[PageRequest], Awaitable[Page[T]]]) -> list[T]:
    """Every item of a paged query, page by page."""
    items: list[T] = []
    page = 1
    while True:
        found = await page_of(PageRequest(page=page, page_size=MAX_PAGE_SIZE))
        items.extend(found.items)
        if page >= found.pages:
            return items
        page += 1


async def templates_of(shop: MemoryShop) -> list[TemplateView]:
    """Every template, whatever its state, through the read side."""
    queries = shop.runtime.get(CouponQueries)
    return await every_page(lambda paging: queries.templates(None, paging))


async def coupons_of(shop: MemoryShop) -> list[Coupon]:
    """Every coupon as the repository loads it. Their ids are read with SQL: no port lists
    every coupon."""
    async with shop.engine.connect() as connection:
        ids = list((await connection.execute(select(coupons_table.c.id))).scalars())
    async with shop.uow() as uow:  # left without committing: rolled back
        loaded: list[Coupon] = await uow.coupons.lock_many(ids)
    return loaded


async def usage_of(shop: MemoryShop, template_id: uuid.UUID) -> list[UsageEntry]:
    """The usage log of one template (CPN-9), through the read side."""
    queries = shop.runtime.get(CouponQueries)
    return await every_page(
        lambda paging: queries.usage(UsageFilter(template_id=template_id), paging)
    )


# --- the check --------------------------------------------------------------------------------


async def check_coupon_books(shop: MemoryShop) -> None:
    """Raise :class:`InvariantBroken` unless, for every template:

    - its issued count is within its total and equals the coupons that exist of it, and the
      one-time codes reserved on it are within its total (CPN-2, CPN-3, CPN-4);
    - no user claimed more coupons of it than the per-user limit, nor more on one business date
      than the daily limit, and no claim came when the user already held the limit. Claims are
      what the limits bound: issues are not (operators give beyond them), but issued coupons
      count in the holdings a later claim is checked against;
    - its statistics (CPN-11) equal the counts read off its coupons: issued, claimed, each state
      as stored, the discount, GMV and orders of the coupons used, the distinct holders;

    and every coupon's fields fit its state as the domain sets them (CPN-5, CPN-10, CPN-12): an
    available coupon has no order; a locked one has an order; a used one an order, a discount
    and an order amount in one currency; an expired one was closed at or after the end of its
    validity; a voided one was closed before it, with a reason; each is returnable exactly when
    its template's policy says so.
    """
    found = Findings("coupon books")
    templates = {view.id: view for view in await templates_of(shop)}
    by_template: dict[uuid.UUID, list[Coupon]] = collections.defaultdict(list)
    for coupon in await coupons_of(shop):
        if coupon.template_id not in templates:
            found.add(f"coupon {coupon.id} belongs to template {coupon.template_id}, which is gone")
            continue
        by_template[coupon.template_id].append(coupon)
    queries = shop.runtime.get(CouponQueries)
    for template_id, view in templates.items():
        held = by_template.get(template_id, [])
        _check_counts(found, view, held)
        _check_limits(found, view, held)
        _check_statistics(found, view, held, await queries.statistics(template_id))
        returnable = view.definition.return_policy is ReturnPolicy.ON_FULL_REFUND
        for coupon in held:
            _check_coupon(found, coupon, returnable)
    found.raise_if_any()


def _check_counts(found: Findings, view: TemplateView, held: Sequence[Coupon]) -> None:
    total = view.definition.limits.total_quantity
    found.expect(
        view.issued <= total, f"template {view.id}: issued {view.issued} of a total of {total}"
    )
    found.expect(
        view.issued == len(held),
        f"template {view.id}: issued count {view.issued} but {len(held)} coupon(s) exist",
    )
    found.expect(
        view.codes_reserved <= total,
        f"template {view.id}: {view.codes_reserved} one-time codes reserved for a total of {total}",
    )


def _check_limits(found: Findings, view: TemplateView, held: Sequence[Coupon]) -> None:
    limits = view.definition.limits
    by_user: dict[uuid.UUID, list[Coupon]] = collections.defaultdict(list)
    for coupon in held:
        by_user[coupon.user_id].append(coupon)
    for user, theirs in by_user.items():
        claims = [coupon for coupon in theirs if coupon.via.claimed]
        if limits.per_user is not None:
            found.expect(
                len(claims) <= limits.per_user,
                f"template {view.id}: user {user} claimed {len(claims)} coupons, "
                f"over the per-user limit of {limits.per_user}",
            )
            for claim in claims:
                before = sum(coupon.acquired_at < claim.acquired_at for coupon in theirs)
                found.expect(
                    before < limits.per_user,
                    f"template {view.id}: coupon {claim.id} was claimed by user {user} who "
                    f"held {before} already (per-user limit {limits.per_user})",
                )
        if limits.per_user_per_day is not None:
            daily = limits.per_user_per_day
            per_date = collections.Counter(claim.acquired_on for claim in claims)
            for date, count in sorted(per_date.items()):
                found.expect(
                    count <= daily,
                    f"template {view.id}: user {user} claimed {count} coupons on {date}, "
                    f"over the daily limit of {daily}",
                )
            for claim in claims:
                before = sum(
                    coupon.acquired_on == claim.acquired_on
                    and coupon.acquired_at < claim.acquired_at
                    for coupon in theirs
                )
                found.expect(
                    before < daily,
                    f"template {view.id}: coupon {claim.id} was claimed by user {user} who "
                    f"had {before} already on {claim.acquired_on} (daily limit {daily})",
                )


def expected_statistics(held: Iterable[Coupon]) -> dict[str, int]:
    """The statistics (CPN-11) counted off a template's coupons, in minor units: what the
    running totals must say."""
    coupons = list(held)
    states = collections.Counter(coupon.state for coupon in coupons)
    used = [coupon for coupon in coupons if coupon.state is CouponState.USED]
    return {
        "issued": len(coupons),
        "claimed": sum(coupon.via.claimed for coupon in coupons),
        **{state.value: states[state] for state in CouponState},
        "discount": sum(coupon.discount.minor for coupon in used if coupon.discount),
        "gmv": sum(coupon.order_amount.minor for coupon in used if coupon.order_amount),
        "orders": len(used),
        "distinct_users": len({coupon.user_id for coupon in coupons}),
    }


def statistics_as_counts(stats: TemplateStatistics) -> dict[str, int]:
    """The statistics as read, in the shape of :func:`expected_statistics`."""
    return {
        "issued": stats.issued,
        "claimed": stats.claimed,
        **{state.value: getattr(stats, state.value) for state in CouponState},
        "discount": stats.discount.minor,
        "gmv": stats.gmv.minor,
        "orders": stats.orders,
        "distinct_users": stats.distinct_users,
    }


def _check_statistics(
    found: Findings, view: TemplateView, held: Sequence[Coupon], stats: TemplateStatistics
) -> None:
    said, counted = statistics_as_counts(stats), expected_statistics(held)
    for name, value in said.items():
        found.expect(
            value == counted[name],
            f"template {view.id}: statistics say {name}={value}, its coupons {counted[name]}",
        )


_ORDER_FIELDS = ("order_id", "locked_at", "used_at", "discount", "order_amount")
_SET_IN: dict[CouponState, tuple[str, ...]] = {
    CouponState.AVAILABLE: (),
    CouponState.LOCKED: ("order_id", "locked_at"),
    CouponState.USED: ("order_id", "locked_at", "used_at", "discount", "order_amount"),
    CouponState.EXPIRED: ("closed_at",),
    CouponState.VOIDED: ("closed_at",),
}
"""The optional fields each state has; the others of ``_ORDER_FIELDS`` and ``closed_at`` are
empty in it."""


def _check_coupon(found: Findings, coupon: Coupon, returnable: bool) -> None:
    where = f"coupon {coupon.id} (template {coupon.template_id})"
    state = coupon.state
    present = _SET_IN[state]
    for name in (*_ORDER_FIELDS, "closed_at"):
        is_set = getattr(coupon, name) is not None
        if name in present:
            found.expect(is_set, f"{where} is {state.value} but has no {name}")
        else:
            found.expect(not is_set, f"{where} is {state.value} but has {name} set")
    found.expect(
        coupon.valid_from < coupon.valid_until,
        f"{where} is valid from {coupon.valid_from} until {coupon.valid_until}",
    )
    found.expect(
        coupon.returnable == returnable,
        f"{where} says returnable={coupon.returnable}, its template's policy {returnable}",
    )
    closed = coupon.closed_at
    if state is CouponState.USED and coupon.discount and coupon.order_amount:
        found.expect(
            coupon.discount.currency == coupon.order_amount.currency,
            f"{where} gave a discount in {coupon.discount.currency} on an order in "
            f"{coupon.order_amount.currency}",
        )
        found.expect(
            not coupon.discount.is_negative() and not coupon.order_amount.is_negative(),
            f"{where} has a negative discount or order amount",
        )
    if state is CouponState.EXPIRED and closed is not None:
        found.expect(
            closed >= coupon.valid_until,
            f"{where} expired at {closed}, before its validity ended at {coupon.valid_until}",
        )
    if state is CouponState.VOIDED and closed is not None:
        found.expect(
            closed < coupon.valid_until,
            f"{where} was voided at {closed}, after its validity ended at {coupon.valid_until}",
        )
        found.expect(bool(coupon.note.strip()), f"{where} was voided without a reason")


# --- what the coupon tables record, for the outbox check --------------------------------------

_TEMPLATE_MOVES = {
    TemplateState.PAUSED: i.TemplatePausedV1.type,
    TemplateState.ENDED: i.TemplateEndedV1.type,
}


async def coupon_changes(shop: MemoryShop) -> list[Recorded]:
    """The changes the coupon tables record, each with the integration event that must be in
    the outbox for it:

    - a template exists: ``coupons.template_created``; it left its draft:
      ``coupons.template_activated`` (once at least); it is paused or ended: its event;
    - a coupon exists: ``coupons.coupon_claimed`` (claimed, public or one-time code) or
      ``coupons.coupon_issued``;
    - each use in the usage log (CPN-9): ``coupons.coupon_used`` and the
      ``coupons.coupon_locked`` that came before it; each return: ``coupons.coupon_returned``;
    - a coupon locked now: one more ``coupons.coupon_locked``; a voided one:
      ``coupons.coupon_voided``.

    Not listed, because the tables do not tell them apart: an expired coupon may have been
    expired by the sweep (``coupons.coupon_expired``) or released or returned after its
    validity ended; a release leaves no trace; edits of a draft keep no count.
    """
    changes: list[Recorded] = []
    for view in await templates_of(shop):
        tid = str(view.id)
        changes.append(Recorded(TEMPLATE, tid, i.TemplateCreatedV1.type, f"template {tid}"))
        if view.state is not TemplateState.DRAFT:
            changes.append(
                Recorded(TEMPLATE, tid, i.TemplateActivatedV1.type, f"template {tid} activated")
            )
        if view.state in _TEMPLATE_MOVES:
            changes.append(
                Recorded(TEMPLATE, tid, _TEMPLATE_MOVES[view.state], f"template {tid} {view.state}")
            )
        for entry in await usage_of(shop, view.id):
            cid = str(entry.coupon_id)
            what = f"coupon {cid} {entry.action.value} on order {entry.order_id} at {entry.at}"
            if entry.action is UsageAction.USED:
                changes.append(Recorded(COUPON, cid, i.CouponLockedV1.type, what))
                changes.append(Recorded(COUPON, cid, i.CouponUsedV1.type, what))
            else:
                changes.append(Recorded(COUPON, cid, i.CouponReturnedV1.type, what))
    for coupon in await coupons_of(shop):
        cid = str(coupon.id)
        acquired = i.CouponClaimedV1.type if coupon.via.claimed else i.CouponIssuedV1.type
        changes.append(
            Recorded(COUPON, cid, acquired, f"coupon {cid} {coupon.via.value} by {coupon.user_id}")
        )
        if coupon.state is CouponState.LOCKED:
            what = f"coupon {cid} locked to order {coupon.order_id}"
            changes.append(Recorded(COUPON, cid, i.CouponLockedV1.type, what))
        if coupon.state is CouponState.VOIDED:
            changes.append(Recorded(COUPON, cid, i.CouponVoidedV1.type, f"coupon {cid} voided"))
    return changes


__all__ = [
    "check_coupon_books",
    "coupon_changes",
    "coupons_of",
    "every_page",
    "expected_statistics",
    "statistics_as_counts",
    "templates_of",
    "usage_of",
]
