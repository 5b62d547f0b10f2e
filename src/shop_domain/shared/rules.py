"""Business rules as objects: each one names itself, says whether it is broken, and explains why."""

from __future__ import annotations

from typing import ClassVar, Protocol

from shop_domain.shared.errors import DomainError


class BusinessRule(Protocol):
    """A single rule, testable on its own: ``SkuCombinationIsUnique(...).is_broken()``."""

    code: ClassVar[str]

    def is_broken(self) -> bool: ...

    def message(self) -> str: ...


class BusinessRuleBroken(DomainError):
    """Raised by :func:`check_rule`; carries the broken rule's code."""

    code = "rule.broken"
    kind = "conflict"

    def __init__(self, rule: BusinessRule) -> None:
        super().__init__(rule.message())
        self.rule = rule
        self.code = rule.code  # type: ignore[misc]  # the broken rule's code, defined on the rule
        self.kind = getattr(rule, "kind", "conflict")  # type: ignore[misc]


def check_rule(rule: BusinessRule) -> None:
    if rule.is_broken():
        raise BusinessRuleBroken(rule)
