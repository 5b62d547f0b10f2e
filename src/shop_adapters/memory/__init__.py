"""In-memory adapters, shipped so that embedders can test their own code against them.

They keep the same promises as the SQL adapters (the contract suites run against both):
a unit of work sees its own writes, commits atomically, rolls back unless committed, and
refuses a stale write with ``ConcurrencyConflict``.
"""

from shop_adapters.memory.audit import MemoryAuditQueries
from shop_adapters.memory.jobs import MemoryJobStore
from shop_adapters.memory.kernel import (
    FixedClock,
    MemoryDatabase,
    MemoryIdempotencyStore,
    MemoryRepository,
    MemoryUnitOfWork,
)
from shop_adapters.memory.ratelimit import MemoryAttemptLimiter

__all__ = [
    "FixedClock",
    "MemoryAttemptLimiter",
    "MemoryAuditQueries",
    "MemoryDatabase",
    "MemoryIdempotencyStore",
    "MemoryJobStore",
    "MemoryRepository",
    "MemoryUnitOfWork",
]
