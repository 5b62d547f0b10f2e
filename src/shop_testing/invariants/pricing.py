"""The pricing context's books (PRO-3, PRO-7) and what its tables record, for the outbox.

- :func:`check_promotion_conflicts` — PRO-3 over promotions given to it: no SKU is in two
  promotions of the same level whose windows overlap, among the promotions that hold goods
  (scheduled, active or paused). It compares every pair — slow, and sure — so it can judge the
  domain's :class:`~shop_domain.pricing.conflicts.ConflictIndex`, which answers through an
  index;
- :func:`check_stored_promotion_conflicts` — the same over a runtime: the promotions it stored
  and every SKU of its catalog;
- :func:`check_participation_books` — PRO-7 over a runtime: per promotion, what counts is within
  its limits, and the counters the store keeps are the log's counts;
- :func:`pricing_changes` — the promotions' changes the tables record, each with the event the
  outbox must hold (a source for :func:`~shop_testing.invariants.outbox.check_outbox`).

How the runtime is read: the promotions' ids through the read side (``PromotionQueries``), the
promotions themselves as aggregates through the unit of work's repository (``uow.promotions``,
for their *stored* status: the read side gives the status at a moment), the catalog's SKUs as
pricing sees them (``uow.promotion_goods``), the participation log and its counts through
``ParticipationQueries``. The counters of the limits have no port (the store writes them and
reads them only inside a take), so they are read with SQL through ``shop.engine``.
"""

from __future__ import annotations

import collections
import itertools
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from shop_adapters.sql.pricing.participation import (
    promotion_participation_totals as totals_table,
)
from shop_adapters.sql.pricing.participation import (
    promotion_participation_user_counts as user_counts_table,
)
from shop_app.pricing import integration as i
from shop_app.pricing.participation_ports import ParticipationFilter, ParticipationQueries
from shop_app.pricing.queries import PromotionFilter, PromotionQueries
from shop_domain.pricing.conflicts import HOLDING
from shop_domain.pricing.lines import ItemFacts
from shop_domain.pricing.participation import Participation
from shop_domain.pricing.promotion import Promotion, PromotionStatus
from shop_domain.pricing.terms import Targets
from shop_testing.harness import MemoryShop
from shop_testing.invariants.base import Findings, Recorded
from shop_testing.invariants.coupons import every_page

PROMOTION = "pricing.promotion"
"""The stable name of a promotion on the wire (``shop_app.pricing.integration``)."""

# --- reading the runtime ----------------------------------------------------------------------


async def promotions_of(shop: MemoryShop) -> list[Promotion]:
    """Every promotion the runtime stored, as the repository loads it (with its stored status:
    scheduled or paused even once its window is over), by id. Their ids come from the read
    side."""
    queries = shop.runtime.get(PromotionQueries)
    now = shop.clock.now()
    views = await every_page(lambda paging: queries.promotions(PromotionFilter(now=now), paging))
    ids = sorted(view.id for view in views)
    if not ids:
        return []
    async with shop.uow() as uow:  # left without committing: rolled back
        loaded: dict[uuid.UUID, Promotion] = await uow.promotions.get_many(ids)
    return [loaded[id_] for id_ in ids]


async def goods_of(shop: MemoryShop) -> list[ItemFacts]:
    """Every SKU of the runtime's catalog as pricing sees it (listed or not), by SKU id."""
    async with shop.uow() as uow:
        return list(await uow.promotion_goods.items_of(Targets()))


async def participations_of(shop: MemoryShop, promotion_id: uuid.UUID) -> list[Participation]:
    """The promotion's participation log, released entries included, through the read side."""
    queries = shop.runtime.get(ParticipationQueries)
    return await every_page(lambda paging: queries.log(promotion_id, ParticipationFilter(), paging))


# --- PRO-3 ------------------------------------------------------------------------------------


def promotion_conflicts(promotions: Iterable[Promotion], goods: Sequence[ItemFacts]) -> list[str]:
    """Every pair of holding promotions that share one of ``goods`` at one level in
    overlapping windows, in words."""
    holding = [p for p in promotions if p.status in HOLDING]
    breaches: list[str] = []
    for first, second in itertools.combinations(holding, 2):
        a, b = first.definition, second.definition
        if a.level is not b.level or not a.window.overlaps(b.window):
            continue
        shared = [g.sku_id for g in goods if a.targets.covers(g) and b.targets.covers(g)]
        if shared:
            breaches.append(
                f"promotions {first.id} ({a.name!r}) and {second.id} ({b.name!r}) both hold "
                f"SKU(s) {', '.join(map(str, shared))} at level {a.level.name} from "
                f"{max(a.window.starts_at, b.window.starts_at).isoformat()}"
            )
    return breaches


def check_promotion_conflicts(promotions: Iterable[Promotion], goods: Sequence[ItemFacts]) -> None:
    """Raise :class:`~shop_testing.invariants.base.InvariantBroken` listing every pair
    :func:`promotion_conflicts` finds."""
    found = Findings("promotion conflicts")
    for breach in promotion_conflicts(promotions, goods):
        found.add(breach)
    found.raise_if_any()


async def check_stored_promotion_conflicts(shop: MemoryShop) -> None:
    """:func:`check_promotion_conflicts` over a runtime: the promotions it stored (their stored
    status: a scheduled or paused promotion holds its goods until it is ended, whatever its
    window — what scheduling checks against) and every SKU of its catalog."""
    check_promotion_conflicts(await promotions_of(shop), await goods_of(shop))


# --- PRO-7 ------------------------------------------------------------------------------------


async def _counters(
    shop: MemoryShop,
) -> tuple[dict[uuid.UUID, int], dict[tuple[uuid.UUID, uuid.UUID], int]]:
    """The counter rows of the limits (no port reads them: SQL)."""
    async with shop.engine.connect() as connection:
        totals = await connection.execute(select(totals_table.c.promotion_id, totals_table.c.taken))
        users = await connection.execute(
            select(
                user_counts_table.c.promotion_id,
                user_counts_table.c.user_id,
                user_counts_table.c.taken,
            )
        )
        return (
            {promotion_id: int(taken) for promotion_id, taken in totals},
            {(promotion_id, user_id): int(taken) for promotion_id, user_id, taken in users},
        )


async def check_participation_books(shop: MemoryShop) -> None:
    """Raise :class:`~shop_testing.invariants.base.InvariantBroken` unless, for every promotion
    (PRO-7):

    - the entries of its log that count (not released) are within its total limit, and each
      user's within its per-user limit;
    - its counts as the read side gives them (``ParticipationQueries.counts``: in all, released,
      distinct users, and per user) are those of its log;
    - a promotion with a total limit has a counter row equal to the entries that count (no row
      reads as 0: none was ever taken), and one without has no row; likewise each user's row of
      a promotion with a per-user limit, and none of one without;
    - each released entry was released at or after it was recorded;

    and no counter row belongs to a promotion that does not exist.

    The log and its counts are read through ``ParticipationQueries``; the counter rows with SQL
    (no port reads them)."""
    found = Findings("participation books")
    queries = shop.runtime.get(ParticipationQueries)
    totals, user_rows = await _counters(shop)
    promotions = await promotions_of(shop)
    known = {promotion.id for promotion in promotions}
    for promotion in promotions:
        limits = promotion.definition.limits
        log = await participations_of(shop, promotion.id)
        counting = [entry for entry in log if entry.counts]
        by_user = collections.Counter(entry.user_id for entry in counting)
        where = f"promotion {promotion.id} ({promotion.definition.name!r})"
        if limits.total is not None:
            found.expect(
                len(counting) <= limits.total,
                f"{where}: {len(counting)} participations count, over its total of {limits.total}",
            )
        for user_id, taken in sorted(by_user.items()):
            if limits.per_user is not None:
                found.expect(
                    taken <= limits.per_user,
                    f"{where}: user {user_id} has {taken} participations that count, over the "
                    f"per-user limit of {limits.per_user}",
                )
            user_counts = await queries.counts(promotion.id, user_id)
            found.expect(
                user_counts.user_taken == taken,
                f"{where}: the read side counts {user_counts.user_taken} for user {user_id}, "
                f"the log {taken}",
            )
        counts = await queries.counts(promotion.id)
        log_counts = (len(counting), len(log) - len(counting), len(by_user))
        read_counts = (counts.taken, counts.released, counts.users)
        found.expect(
            read_counts == log_counts,
            f"{where}: the read side counts (taken, released, users) {read_counts}, the log "
            f"{log_counts}",
        )
        _check_counters(found, where, promotion, len(counting), by_user, totals, user_rows)
        for entry in log:
            found.expect(
                entry.released_at is None or entry.released_at >= entry.recorded_at,
                f"{where}: order {entry.order_id} was released at {entry.released_at}, before it "
                f"was recorded at {entry.recorded_at}",
            )
    for promotion_id in sorted(set(totals) - known):
        found.add(f"a total counter of promotion {promotion_id}, which is gone")
    for promotion_id, user_id in sorted(set(user_rows)):
        if promotion_id not in known:
            found.add(f"a counter of user {user_id} of promotion {promotion_id}, which is gone")
    found.raise_if_any()


def _check_counters(
    found: Findings,
    where: str,
    promotion: Promotion,
    counting: int,
    by_user: collections.Counter[uuid.UUID],
    totals: dict[uuid.UUID, int],
    user_rows: dict[tuple[uuid.UUID, uuid.UUID], int],
) -> None:
    limits = promotion.definition.limits
    if limits.total is None:
        found.expect(
            promotion.id not in totals,
            f"{where} has no total limit, yet a total counter ({totals.get(promotion.id)})",
        )
    else:
        counter = totals.get(promotion.id, 0)
        found.expect(
            counter == counting,
            f"{where}: the total counter says {counter} taken, the log counts {counting}",
        )
    rows = {user: taken for (pid, user), taken in user_rows.items() if pid == promotion.id}
    if limits.per_user is None:
        found.expect(
            not rows, f"{where} has no per-user limit, yet counters of {len(rows)} user(s)"
        )
        return
    for user_id in sorted(set(rows) | set(by_user)):
        counter, taken = rows.get(user_id, 0), by_user.get(user_id, 0)
        found.expect(
            counter == taken,
            f"{where}: user {user_id}'s counter says {counter} taken, the log counts {taken}",
        )


# --- the outbox -------------------------------------------------------------------------------

_MOVES = {
    PromotionStatus.PAUSED: (i.PromotionPausedV1.type, "paused"),
    PromotionStatus.ENDED: (i.PromotionEndedV1.type, "ended"),
}


async def pricing_changes(shop: MemoryShop) -> list[Recorded]:
    """The changes the pricing tables record, each with the integration event that must be in
    the outbox for it (a source for :func:`~shop_testing.invariants.outbox.check_outbox`):

    - a promotion exists: ``pricing.promotion_created``;
    - its stored status is scheduled or paused: ``pricing.promotion_scheduled`` (once at
      least); paused: ``pricing.promotion_paused``; ended: ``pricing.promotion_ended``.

    Not listed, because the tables do not tell them: edits of a draft (the definition is
    replaced, no count kept); earlier pauses of a promotion resumed since (a resumed promotion
    is stored scheduled, as one never paused — so neither its pauses nor its resumes are
    counted); whether an ended promotion was scheduled before it was ended (a draft withdrawn
    and a promotion stopped early are both stored ended). A promotion whose window is over but
    that was never ended publishes nothing, and none is asked for: *active* and *ended by its
    window* are read off the clock, not changes.

    The participation log (PRO-7) publishes no integration event — recording and releasing
    change no aggregate and record no domain event — so nothing of it is listed.
    """
    changes: list[Recorded] = []
    for promotion in await promotions_of(shop):
        pid = str(promotion.id)
        name = f"promotion {pid} ({promotion.definition.name!r})"
        changes.append(Recorded(PROMOTION, pid, i.PromotionCreatedV1.type, name))
        if promotion.status in HOLDING:
            changes.append(
                Recorded(PROMOTION, pid, i.PromotionScheduledV1.type, f"{name} scheduled")
            )
        if promotion.status in _MOVES:
            event_type, what = _MOVES[promotion.status]
            changes.append(Recorded(PROMOTION, pid, event_type, f"{name} {what}"))
    return changes


__all__ = [
    "PROMOTION",
    "check_participation_books",
    "check_promotion_conflicts",
    "check_stored_promotion_conflicts",
    "goods_of",
    "participations_of",
    "pricing_changes",
    "promotion_conflicts",
    "promotions_of",
]
