"""In-memory coupon repositories, ledger, code store and the reference ``CouponQueries``.

``MemoryCouponQueries`` is the executable specification of the read side: the SQL
implementation must answer exactly what it answers (the contract suite compares them).
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Collection, Sequence

import attrs

from shop_adapters.memory.kernel import MemoryDatabase, MemoryRepository, MemoryUnitOfWork
from shop_adapters.shared.system import SystemClock
from shop_app.coupons.ledger import ledger_changes
from shop_app.coupons.queries import (
    EXPIRING_SOON,
    CenterItem,
    CodeBatchView,
    TemplateStatistics,
    TemplateView,
    UsageEntry,
    UsageFilter,
    Wallet,
    WalletItem,
    WalletQuery,
)
from shop_app.shared.paging import Page, PageRequest
from shop_app.shared.ports import Clock
from shop_domain.coupons.batches import BatchState, CodeBatch, UniqueCode
from shop_domain.coupons.coupon import Coupon, CouponState
from shop_domain.coupons.errors import (
    CodeBatchNotFound,
    CouponNotFound,
    TemplateNotFound,
)
from shop_domain.coupons.statistics import ZERO, StatsDelta
from shop_domain.coupons.template import CouponTemplate, Holdings, TemplateState
from shop_domain.shared.errors import ConcurrencyConflict, InvalidValue
from shop_domain.shared.events import DomainEvent
from shop_domain.shared.money import Money


@attrs.define
class CouponTables:
    """The coupons' side tables in a :class:`MemoryDatabase` (``db.extras["coupons"]``)."""

    stats: dict[uuid.UUID, StatsDelta] = attrs.field(factory=dict)
    usage: list[UsageEntry] = attrs.field(factory=list)
    codes: dict[str, UniqueCode] = attrs.field(factory=dict)
    segments: dict[uuid.UUID, list[uuid.UUID]] = attrs.field(factory=dict)
    segment_staged: dict[uuid.UUID, dt.datetime] = attrs.field(factory=dict)
    """When each staged segment began staging (retention purges old, unneeded ones)."""


def coupon_tables(db: MemoryDatabase) -> CouponTables:
    tables: CouponTables = db.extras.setdefault("coupons", CouponTables())
    return tables


# --- repositories -----------------------------------------------------------------------------


class MemoryTemplateRepository(MemoryRepository[CouponTemplate]):
    aggregate_type = CouponTemplate
    not_found = staticmethod(TemplateNotFound)

    async def get_for_update(self, id_: uuid.UUID) -> CouponTemplate:
        # no row locks in memory: the version check at commit serialises acquisitions
        return await self.get(id_)

    async def find_by_public_code(self, code: str) -> CouponTemplate | None:
        found = await self.find_where(lambda t: t.public_code == code)
        return min(found, key=lambda t: t.id) if found else None


class MemoryCouponRepository(MemoryRepository[Coupon]):
    aggregate_type = Coupon
    not_found = staticmethod(CouponNotFound)

    def add_many(self, coupons: Sequence[Coupon]) -> None:
        for coupon in coupons:
            self.add(coupon)

    def _visible(self) -> list[Coupon]:
        """Committed coupons overlaid with this unit of work's own (read-only use)."""
        rows: dict[uuid.UUID, Coupon] = {
            c.id: c for c in self._table.values() if isinstance(c, Coupon)
        }
        rows.update(self._identity_map)
        return [c for c in rows.values() if c.id not in self._removed_ids]

    async def lock_many(self, ids: Collection[uuid.UUID]) -> list[Coupon]:
        found = [await self.find(i) for i in sorted(set(ids))]
        return [c for c in found if c is not None]

    async def for_order(self, order_id: uuid.UUID) -> list[Coupon]:
        found = await self.find_where(
            lambda c: c.order_id == order_id and c.state in (CouponState.LOCKED, CouponState.USED)
        )
        return sorted(found, key=lambda c: c.id)

    async def holdings(
        self, template_id: uuid.UUID, user_ids: Collection[uuid.UUID], today: dt.date
    ) -> dict[uuid.UUID, Holdings]:
        users = set(user_ids)
        held: dict[uuid.UUID, Holdings] = {}
        for coupon in self._visible():
            if coupon.template_id == template_id and coupon.user_id in users:
                before = held.get(coupon.user_id, Holdings())
                held[coupon.user_id] = Holdings(
                    before.total + 1, before.today + (coupon.acquired_on == today)
                )
        return held

    async def by_acquisition_keys(
        self, template_id: uuid.UUID, keys: Collection[tuple[uuid.UUID, str]]
    ) -> dict[tuple[uuid.UUID, str], Coupon]:
        wanted = set(keys)
        return {
            (c.user_id, c.acquisition_key): c
            for c in self._visible()
            if c.template_id == template_id
            and c.acquisition_key is not None
            and (c.user_id, c.acquisition_key) in wanted
        }

    async def issued_for_campaign(
        self, template_id: uuid.UUID, campaign_key: str, user_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Coupon]:
        users = set(user_ids)
        return {
            c.user_id: c
            for c in self._visible()
            if c.template_id == template_id
            and c.campaign_key == campaign_key
            and c.user_id in users
        }

    async def due_to_expire(self, now: dt.datetime, limit: int) -> list[Coupon]:
        due = sorted(
            (
                c
                for c in self._visible()
                if c.state is CouponState.AVAILABLE and c.valid_until <= now
            ),
            key=lambda c: (c.valid_until, c.id),
        )[:limit]
        found = [await self.find(c.id) for c in due]
        return [c for c in found if c is not None]


class MemoryCodeBatchRepository(MemoryRepository[CodeBatch]):
    aggregate_type = CodeBatch
    not_found = staticmethod(CodeBatchNotFound)


class MemoryUniqueCodeRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def find_for_update(self, code: str) -> UniqueCode | None:
        stored = coupon_tables(self._uow.db).codes.get(code)
        return copy.copy(stored) if stored is not None else None

    def save(self, code: UniqueCode) -> None:
        tables = coupon_tables(self._uow.db)
        saved = copy.copy(code)

        def check() -> None:
            current = tables.codes.get(code.code)
            if current is None or (
                current.redeemed_by is not None and current.redeemed_by != code.redeemed_by
            ):
                raise ConcurrencyConflict("the code was redeemed by someone else meanwhile")

        def apply() -> None:
            tables.codes[code.code] = saved

        self._uow.stage(apply, check)


class MemoryCouponLedger:
    """The in-transaction statistics and usage log (a ``Projection``)."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def apply(self, events: Sequence[DomainEvent]) -> None:
        changes = ledger_changes(events, self._uow.ids.new_id)
        if changes.empty:
            return
        tables = coupon_tables(self._uow.db)

        def apply() -> None:
            for template_id, delta in changes.deltas.items():
                tables.stats[template_id] = tables.stats.get(template_id, ZERO) + delta
            tables.usage.extend(changes.usage)

        self._uow.stage(apply)


class MemoryCodeStore:
    """``CodeStore`` over a :class:`MemoryDatabase`: each call is one atomic step."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    async def insert_chunk(
        self, batch_id: uuid.UUID, template_id: uuid.UUID, codes: Sequence[str], now: dt.datetime
    ) -> int:
        async with self._db.lock:
            batch = self._db.tables[CodeBatch.__name__].get(batch_id)
            if not isinstance(batch, CodeBatch):
                raise CodeBatchNotFound(batch_id)
            if batch.template_id != template_id:
                raise InvalidValue(
                    "the batch belongs to another template", code="coupon.batch_mismatch"
                )
            tables = coupon_tables(self._db)
            room = batch.requested - batch.generated
            inserted = 0
            for code in codes:
                if inserted >= room:
                    break
                if code in tables.codes:
                    continue
                tables.codes[code] = UniqueCode(code, template_id, batch_id)
                inserted += 1
            if inserted:
                batch.generated += inserted
                if batch.generated == batch.requested:
                    batch.state = BatchState.READY
                    batch.completed_at = now
                batch.version += 1
            return inserted


# --- read side --------------------------------------------------------------------------------


def _template_view(t: CouponTemplate) -> TemplateView:
    return TemplateView(
        id=t.id,
        state=t.state,
        definition=t.definition,
        issued=t.issued,
        codes_reserved=t.codes_reserved,
        created_by=t.created_by,
        created_at=t.created_at,
        updated_at=t.updated_at,
        version=t.version,
    )


def _page(items: Sequence[object], paging: PageRequest) -> Page:  # type: ignore[type-arg]
    chosen = items[paging.offset : paging.offset + paging.page_size]
    return Page(tuple(chosen), len(items), paging.page, paging.page_size)


class MemoryCouponQueries:
    """``CouponQueries`` over a :class:`MemoryDatabase`'s committed state."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    def _templates(self) -> dict[uuid.UUID, CouponTemplate]:
        return {
            t.id: t for t in self._db.rows(CouponTemplate.__name__) if isinstance(t, CouponTemplate)
        }

    def _coupons(self) -> list[Coupon]:
        return [c for c in self._db.rows(Coupon.__name__) if isinstance(c, Coupon)]

    async def template(self, template_id: uuid.UUID) -> TemplateView:
        found = self._templates().get(template_id)
        if found is None:
            raise TemplateNotFound(template_id)
        return _template_view(found)

    async def templates(
        self, state: TemplateState | None, paging: PageRequest
    ) -> Page[TemplateView]:
        rows = sorted(
            (t for t in self._templates().values() if state is None or t.state is state),
            key=lambda t: (t.created_at, t.id),
            reverse=True,
        )
        return _page([_template_view(t) for t in rows], paging)

    async def center(
        self, now: dt.datetime, user_id: uuid.UUID | None, paging: PageRequest
    ) -> Page[CenterItem]:
        open_ = [
            t
            for t in self._templates().values()
            if t.public and t.acquisition.free and t.claimable_at(now) and t.remaining > 0
        ]
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        open_.sort(key=lambda t: (t.claim_window.ends_at or far, -t.created_at.timestamp(), t.id))
        held: dict[uuid.UUID, int] = {}
        if user_id is not None:
            for coupon in self._coupons():
                if coupon.user_id == user_id:
                    held[coupon.template_id] = held.get(coupon.template_id, 0) + 1
        items = [
            CenterItem(
                template_id=t.id,
                name=t.name,
                description=t.description,
                terms=t.terms,
                validity=t.validity,
                claim_window=t.claim_window,
                limits=t.limits,
                remaining=t.remaining,
                held_by_user=None if user_id is None else held.get(t.id, 0),
                user_may_claim=None
                if user_id is None
                else (t.limits.per_user is None or held.get(t.id, 0) < t.limits.per_user),
            )
            for t in open_
        ]
        return _page(items, paging)

    def _wallet_items(self, user_id: uuid.UUID, now: dt.datetime) -> list[WalletItem]:
        templates = self._templates()
        items = []
        for c in self._coupons():
            if c.user_id != user_id:
                continue
            t = templates[c.template_id]
            state = c.effective_state(now)
            items.append(
                WalletItem(
                    coupon_id=c.id,
                    template_id=c.template_id,
                    name=t.name,
                    terms=t.terms,
                    state=state,
                    via=c.via,
                    acquired_at=c.acquired_at,
                    valid_from=c.valid_from,
                    valid_until=c.valid_until,
                    expiring_soon=state is CouponState.AVAILABLE
                    and c.valid_until - now <= EXPIRING_SOON,
                    order_id=c.order_id,
                )
            )
        items.sort(key=lambda i: (i.valid_until, i.coupon_id))
        return items

    async def wallet(self, query: WalletQuery, now: dt.datetime) -> Wallet:
        every = self._wallet_items(query.user_id, now)
        counts = {state.value: 0 for state in CouponState}
        for item in every:
            counts[item.state.value] += 1
        chosen = [
            i
            for i in every
            if (query.state is None or i.state is query.state)
            and (not query.expiring_soon or i.expiring_soon)
        ]
        start = query.paging.offset
        return Wallet(
            items=tuple(chosen[start : start + query.paging.page_size]),
            counts=counts,
            expiring_soon=sum(i.expiring_soon for i in every),
        )

    async def owned(self, user_id: uuid.UUID, coupon_id: uuid.UUID, now: dt.datetime) -> WalletItem:
        for item in self._wallet_items(user_id, now):
            if item.coupon_id == coupon_id:
                return item
        raise CouponNotFound(coupon_id)

    async def usable(self, user_id: uuid.UUID, now: dt.datetime) -> Sequence[WalletItem]:
        return [
            i
            for i in self._wallet_items(user_id, now)
            if i.state is CouponState.AVAILABLE and i.valid_from <= now
        ]

    async def statistics(self, template_id: uuid.UUID) -> TemplateStatistics:
        template = self._templates().get(template_id)
        if template is None:
            raise TemplateNotFound(template_id)
        s = coupon_tables(self._db).stats.get(template_id, ZERO)
        currency = template.currency
        return TemplateStatistics(
            template_id=template_id,
            issued=s.issued,
            claimed=s.claimed,
            available=s.available,
            locked=s.locked,
            used=s.used,
            expired=s.expired,
            voided=s.voided,
            discount=Money(s.discount_minor, currency),
            gmv=Money(s.gmv_minor, currency),
            orders=s.orders,
            distinct_users=s.distinct_users,
        )

    async def usage(self, filter: UsageFilter, paging: PageRequest) -> Page[UsageEntry]:
        def keep(e: UsageEntry) -> bool:
            return (
                (filter.template_id is None or e.template_id == filter.template_id)
                and (filter.user_id is None or e.user_id == filter.user_id)
                and (filter.order_id is None or e.order_id == filter.order_id)
                and (filter.coupon_id is None or e.coupon_id == filter.coupon_id)
                and (filter.action is None or e.action is filter.action)
                and (filter.since is None or e.at >= filter.since)
                and (filter.until is None or e.at < filter.until)
            )

        rows = sorted(
            (e for e in coupon_tables(self._db).usage if keep(e)),
            key=lambda e: (e.at, e.id),
            reverse=True,
        )
        return _page(rows, paging)

    def _batches(self) -> list[CodeBatch]:
        return [b for b in self._db.rows(CodeBatch.__name__) if isinstance(b, CodeBatch)]

    async def code_batches(self, template_id: uuid.UUID) -> Sequence[CodeBatchView]:
        rows = sorted(
            (b for b in self._batches() if b.template_id == template_id),
            key=lambda b: (b.created_at, b.id),
            reverse=True,
        )
        return [_batch_view(b) for b in rows]

    async def code_batch(self, batch_id: uuid.UUID) -> CodeBatchView:
        for batch in self._batches():
            if batch.id == batch_id:
                return _batch_view(batch)
        raise CodeBatchNotFound(batch_id)

    async def batch_codes(
        self, batch_id: uuid.UUID, chunk: int = 10_000
    ) -> AsyncIterator[list[str]]:
        await self.code_batch(batch_id)
        codes = sorted(
            c.code for c in coupon_tables(self._db).codes.values() if c.batch_id == batch_id
        )
        for start in range(0, len(codes), chunk):
            yield codes[start : start + chunk]


def _batch_view(b: CodeBatch) -> CodeBatchView:
    return CodeBatchView(
        id=b.id,
        template_id=b.template_id,
        requested=b.requested,
        generated=b.generated,
        state=b.state,
        created_by=b.created_by,
        created_at=b.created_at,
        completed_at=b.completed_at,
    )


class MemorySegmentStore:
    """``SegmentStore`` over a :class:`MemoryDatabase`."""

    def __init__(self, db: MemoryDatabase, clock: Clock | None = None) -> None:
        self._segments = coupon_tables(db).segments
        self._staged = coupon_tables(db).segment_staged
        self._clock: Clock = clock or SystemClock()

    async def append(
        self, segment_id: uuid.UUID, first_position: int, users: list[uuid.UUID]
    ) -> None:
        rows = self._segments.setdefault(segment_id, [])
        if len(rows) + 1 != first_position:
            raise ValueError("segment positions are appended in order")
        self._staged.setdefault(segment_id, self._clock.now())
        rows.extend(users)

    async def read(
        self, segment_id: uuid.UUID, after: int, limit: int
    ) -> list[tuple[int, uuid.UUID]]:
        rows = self._segments.get(segment_id, [])
        return [(after + i + 1, user) for i, user in enumerate(rows[after : after + limit])]

    async def drop(self, segment_id: uuid.UUID) -> None:
        self._segments.pop(segment_id, None)
        self._staged.pop(segment_id, None)
