"""What promotions' audiences read of a customer (PRO-2: everyone, new users, members of level
≥ L, a customer group): :class:`CustomerFactsSource`, a port of the pricing context.

The membership context will answer it when it exists; until then the adapter is a small table
that operators fill (:class:`~shop_adapters.sql.pricing.customers.SqlCustomerFacts`). A
customer it knows nothing of, and an anonymous one, is an ordinary customer: not new, level 0,
in no group — so a new-user, member or group promotion never applies by mistake.
"""

from __future__ import annotations

from typing import Protocol

from shop_domain.pricing.terms import CustomerFacts
from shop_domain.shared.errors import InvalidValue


class InvalidCustomerFacts(InvalidValue):
    """Customer facts an operator set break a rule (an empty user id, a negative level, an
    unnamed group)."""

    code = "pricing.invalid_customer_facts"


class CustomerFactsSource(Protocol):
    async def facts_of(self, user_id: str | None) -> CustomerFacts:
        """The facts of the signed-in user ``user_id``; ``CustomerFacts()`` for ``None`` (a
        guest) and for a user nothing is known of."""
        ...


__all__ = ["CustomerFactsSource", "InvalidCustomerFacts"]
