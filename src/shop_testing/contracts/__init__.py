"""The contract suite of every port, to run against your adapter.

A suite is a base class of pytest tests (the ``eventsourcing`` habit): subclass it in a test
module of yours, give it its fixture, and pytest runs every test of the suite on your adapter.
Most suites ask for ``backend``, a :class:`Backend`; the simplest is a :class:`SqlBackend`
(ours, over ``memory://`` or a database URL) with the one method overridden that returns your
adapter — see :mod:`shop_testing.contracts.backend` for the few lines it takes. The suites mark
their tests for pytest-asyncio, so they run in its strict and auto modes alike.

Suites, the port each checks, and the ``Backend`` method(s) it reaches the port by:

Points

- :class:`PointsPersistenceContract` — the points accounts' repository and read side: round
  trips, lots loaded page by page, the append-only history (``uow()``, ``points_bus()``,
  ``points_queries()``, ``change_points_history_by_hand()``); fixture ``backend``.
- :class:`PointsEarningContract` — earning through the stack: check-ins, activities, reviews,
  purchases (``points_bus()``, ``uow()``); fixture ``backend``.

Catalog

- :class:`CatalogPersistenceContract` — the catalog's unit of work: repositories (round trips,
  their queries), transactions and versions, the outbox, the idempotency store
  (``uow()``, ``outbox()``); fixture ``backend``.
- :class:`CatalogQueriesContract` — ``CatalogQueries`` (``catalog_queries()``), compared with a
  ``memory://`` reference; fixture ``backend`` (``reference`` may be overridden to ``None``).
- :class:`CatalogFreshnessContract` — ``CatalogFreshness``, the stamp public answers are reused
  under (fixtures ``queries``, ``catalog``).

Coupons

- :class:`CouponPersistenceContract` — the coupons' unit of work, the ``CodeStore`` and the
  ledger (``uow()``, ``code_store()``, ``coupon_queries()``); fixture ``backend``.
- :class:`CouponQueriesContract` — ``CouponQueries`` (``coupon_queries()``) against the
  reference; fixture ``backend``.
- :class:`SegmentStoreContract` — ``SegmentStore``, the staged users of an issue to a segment
  (fixtures ``store``, ``other_store``).

Gift cards

- :class:`GiftCardPersistenceContract` — the gift cards' unit of work, ``CardStore`` and
  ``ExportSource`` (``uow()``, ``card_store()``, ``export_source()``, ``giftcard_queries()``);
  fixture ``backend``.
- :class:`GiftCardQueriesContract` — ``GiftCardQueries`` (``giftcard_queries()``) against the
  reference; fixture ``backend``.
- :class:`GiftCardStoreContract` — ``CardStore`` and ``ExportSource`` with the batch written
  through the unit of work (``card_store()``, ``export_source()``, ``stored_cards()``);
  fixture ``backend``.
- :class:`GiftCardStoreGuardsContract` — the store's own guards against writes past the
  application (``set_card_balance_by_hand()``, ``add_activation_by_hand()``,
  ``change_ledger_by_hand()``, ``giftcard_operation_actions()``); fixture ``backend``.
- :class:`KeyChecksContract` — the gift-card keys of a runtime started on a database, checked
  against what it holds, and re-sealing (GC-11); fixture ``url``: a migrated, empty database
  (SQLite file or PostgreSQL).
- :class:`KeyRingContract`, :class:`KeySourceContract` — a ``KeyRing`` (fixtures ``ring``,
  ``impostor``) and a ``KeySource`` (fixture ``sources``: a new source over the same keys).
- :class:`SecretBoxContract` — ``SecretBox`` (fixtures ``box``, ``stranger``, ``rotated``).
- :class:`SheetFactoryContract` — ``SheetFactory``/``ProtectedSheet``, the password-protected
  export file (fixture ``sheets``, hook ``read_back``).

Pricing

- :class:`PromotionPersistenceContract` — the promotions' unit of work: every field of drawn
  promotions round-trips (the kind's parameters included), versions, ``holding()``, outbox
  (``uow()``, ``outbox()``); fixture ``backend``.

Kernel

- :class:`SmsSenderContract` — ``SmsSender`` (fixtures ``sender``, ``refusing``; hook
  ``delivered``).
- :class:`EventPublisherContract` — ``EventPublisher`` (fixtures ``publisher``, ``received`` — a
  :class:`Received` fed by a consumer of yours — and ``unreachable``).
- :class:`ClockContract`, :class:`IdGeneratorContract` — ``Clock`` (fixture ``clock``) and
  ``IdGenerator`` (fixtures ``ids``, ``other_ids``).
- :class:`IdempotencyStoreContract` — ``IdempotencyStore`` (fixture ``uow_factory``: units of
  work whose ``idempotency`` is the store), through the bus as SEC-5 promises a client.
- :class:`AuditLogContract` — ``uow.audit`` and ``AuditQueries`` (``audit()``); fixture
  ``backend``.
- :class:`JobStoreContract` — ``JobStore`` and ``uow.jobs`` (``jobs()``); fixture ``backend``.
- :class:`AttemptLimiterContract` — ``AttemptLimiter`` (``limiter()``); fixture ``backend``.
- :class:`OneTimeCodesContract` — ``OneTimeCodeStore`` under ``OneTimeCodes``
  (``otp_store()``, ``stored_one_time_codes()``); fixture ``backend``.
- :class:`RetentionContract` — the retention store's purges, through a :class:`RetentionDriver`
  (``limiter()``, ``otp_store()``, ``jobs()``, ``uow()``); fixture ``backend``, a
  :class:`SqlBackend` unless the ``driver`` fixture is overridden too.
  :class:`SqlRetentionContract` adds what only a SQL database holds (the inbox, triggers
  guarding the audit log and its horizon).

For a backend whose transactions run side by side (PostgreSQL; not SQLite, which serialises
writers), add :class:`CatalogConcurrencyContract`, :class:`CouponConcurrencyContract`,
:class:`GiftCardStoreConcurrencyContract` and :class:`AttemptLimiterConcurrencyContract`
(fixture ``backend``). A backend that serialises writers from their first statement skips the
persistence suites' ``test_stale_write_raises_concurrency_conflict`` in its subclass: two of
its units of work never hold the same version.
"""

from shop_testing.contracts.backend import (
    T0,
    Backend,
    OutboxEntry,
    SqlBackend,
    StoredCard,
)
from shop_testing.contracts.catalog_persistence import (
    CatalogConcurrencyContract,
    CatalogPersistenceContract,
)
from shop_testing.contracts.catalog_queries import CatalogQueriesContract
from shop_testing.contracts.coupon_persistence import (
    CouponConcurrencyContract,
    CouponPersistenceContract,
)
from shop_testing.contracts.coupon_queries import CouponQueriesContract
from shop_testing.contracts.freshness import CatalogFreshnessContract
from shop_testing.contracts.giftcard_keyring import KeyChecksContract
from shop_testing.contracts.giftcard_persistence import GiftCardPersistenceContract
from shop_testing.contracts.giftcard_queries import GiftCardQueriesContract
from shop_testing.contracts.giftcard_store import (
    GiftCardStoreConcurrencyContract,
    GiftCardStoreContract,
    GiftCardStoreGuardsContract,
)
from shop_testing.contracts.idempotency import IdempotencyStoreContract
from shop_testing.contracts.identity import ClockContract, IdGeneratorContract
from shop_testing.contracts.kernel_audit import AuditLogContract
from shop_testing.contracts.kernel_jobs import JobStoreContract
from shop_testing.contracts.kernel_limiter import (
    AttemptLimiterConcurrencyContract,
    AttemptLimiterContract,
)
from shop_testing.contracts.kernel_otp import OneTimeCodesContract
from shop_testing.contracts.kernel_retention import RetentionContract, SqlRetentionContract
from shop_testing.contracts.kernel_retention_support import RetentionDriver, SqlRetentionDriver
from shop_testing.contracts.keys import KeyRingContract, KeySourceContract
from shop_testing.contracts.messaging import EventPublisherContract, Received
from shop_testing.contracts.notify import SmsSenderContract
from shop_testing.contracts.points_earning import PointsEarningContract
from shop_testing.contracts.points_persistence import PointsPersistenceContract
from shop_testing.contracts.pricing_persistence import PromotionPersistenceContract
from shop_testing.contracts.secrets import SecretBoxContract
from shop_testing.contracts.segments import SegmentStoreContract
from shop_testing.contracts.sheets import SheetFactoryContract
from shop_testing.harness import CountingIds

__all__ = [
    "T0",
    "AttemptLimiterConcurrencyContract",
    "AttemptLimiterContract",
    "AuditLogContract",
    "Backend",
    "CatalogConcurrencyContract",
    "CatalogFreshnessContract",
    "CatalogPersistenceContract",
    "CatalogQueriesContract",
    "ClockContract",
    "CountingIds",
    "CouponConcurrencyContract",
    "CouponPersistenceContract",
    "CouponQueriesContract",
    "EventPublisherContract",
    "GiftCardPersistenceContract",
    "GiftCardQueriesContract",
    "GiftCardStoreConcurrencyContract",
    "GiftCardStoreContract",
    "GiftCardStoreGuardsContract",
    "IdGeneratorContract",
    "IdempotencyStoreContract",
    "JobStoreContract",
    "KeyChecksContract",
    "KeyRingContract",
    "KeySourceContract",
    "OneTimeCodesContract",
    "OutboxEntry",
    "PointsEarningContract",
    "PointsPersistenceContract",
    "PromotionPersistenceContract",
    "Received",
    "RetentionContract",
    "RetentionDriver",
    "SecretBoxContract",
    "SegmentStoreContract",
    "SheetFactoryContract",
    "SmsSenderContract",
    "SqlBackend",
    "SqlRetentionContract",
    "SqlRetentionDriver",
    "StoredCard",
]
