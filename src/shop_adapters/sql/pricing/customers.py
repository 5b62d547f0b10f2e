"""Customer facts from the ``pricing_customer_facts`` table
(:class:`shop_app.pricing.customers.CustomerFactsSource`), until the membership context replaces
it.

Operators (or an import, or the embedder's own membership system) set a user's facts with
:meth:`SqlCustomerFacts.put` and take them back with :meth:`SqlCustomerFacts.forget`; a user
without a row is an ordinary customer. "New user" is what was set, not worked out: there are no
orders yet to tell a first purchase by (ADR 0034).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.engine import reader
from shop_adapters.sql.pricing.live_tables import pricing_customer_facts as facts_table
from shop_adapters.sql.reads import read_records
from shop_app.pricing.customers import InvalidCustomerFacts
from shop_domain.pricing.terms import CustomerFacts

USER_ID_MAX: Final = 200
_F = facts_table.c
_READ: Final = Prepared(
    select(_F.new_user, _F.member_level, _F.groups).where(
        _F.user_id == bindparam("user_id", type_=_F.user_id.type)
    )
)


def _checked(user_id: str, facts: CustomerFacts) -> None:
    if not user_id.strip() or len(user_id) > USER_ID_MAX:
        raise InvalidCustomerFacts(f"a user id has 1 to {USER_ID_MAX} characters")
    if isinstance(facts.member_level, bool) or facts.member_level < 0:
        raise InvalidCustomerFacts("a member level is 0 or more")
    if any(not group.strip() for group in facts.groups):
        raise InvalidCustomerFacts("a customer group has a name")


class SqlCustomerFacts:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reader = reader(engine)
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def facts_of(self, user_id: str | None) -> CustomerFacts:
        if user_id is None:
            return CustomerFacts()
        found = await read_records(self._reader, _READ, {"user_id": user_id})
        if not found:
            return CustomerFacts()
        new_user, level, groups = found[0]
        return CustomerFacts(
            new_user=bool(new_user), member_level=int(level), groups=frozenset(groups)
        )

    async def put(self, user_id: str, facts: CustomerFacts, now: dt.datetime) -> None:
        """Set ``user_id``'s facts (replacing those set before); a bad value raises
        ``pricing.invalid_customer_facts`` and changes nothing."""
        _checked(user_id, facts)
        values = {
            "new_user": facts.new_user,
            "member_level": facts.member_level,
            "groups": sorted(facts.groups),
            "updated_at": now,
        }
        statement = (
            self._insert(facts_table)
            .values(user_id=user_id, **values)
            .on_conflict_do_update(index_elements=[facts_table.c.user_id], set_=values)
        )
        async with self._engine.begin() as conn:
            await conn.execute(statement)

    async def forget(self, user_id: str) -> None:
        """Make ``user_id`` an ordinary customer again."""
        async with self._engine.begin() as conn:
            await conn.execute(delete(facts_table).where(facts_table.c.user_id == user_id))


__all__ = ["SqlCustomerFacts"]
