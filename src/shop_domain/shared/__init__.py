"""The shared kernel: money, ids, errors, events and the aggregate base used by every context."""

from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.errors import (
    ConcurrencyConflict,
    Conflict,
    CurrencyMismatch,
    DomainError,
    Forbidden,
    InvalidValue,
    NotFound,
    RateLimited,
)
from shop_domain.shared.events import DomainEvent
from shop_domain.shared.ids import new_id
from shop_domain.shared.money import Money, allocate, allocate_minor
from shop_domain.shared.rules import BusinessRule, BusinessRuleBroken, check_rule

__all__ = [
    "Aggregate",
    "BusinessRule",
    "BusinessRuleBroken",
    "ConcurrencyConflict",
    "Conflict",
    "CurrencyMismatch",
    "DomainError",
    "DomainEvent",
    "Forbidden",
    "InvalidValue",
    "Money",
    "NotFound",
    "RateLimited",
    "allocate",
    "allocate_minor",
    "check_rule",
    "new_id",
]
