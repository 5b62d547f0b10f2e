"""Who lives where, and which household claimed which template — two tables of the service's
own, beside `shop`'s in the same database.

A claim *reserves* its household's place for the template before `shop` decides it, in a
transaction of its own: the primary key (template, household) lets only one reservation in,
so two people of one household claiming at the same moment — in one process or in many —
cannot both get a coupon. A claim `shop` refuses gives its reservation back. A process that
dies between the two leaves a reservation without a coupon: the household may not claim that
template again, which is the safe side of the rule (no coupon is ever created by the fault).
"""

from __future__ import annotations

import enum
import uuid

from shop_app.shared.errors import PersistenceConflict
from sqlalchemy import Column, Integer, MetaData, String, Table, Uuid, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

metadata = MetaData()
members = Table(
    "household_members",
    metadata,
    Column("id", Uuid, primary_key=True),  # the member's user id
    Column("household", String(500), nullable=False, index=True),
    Column("version", Integer, nullable=False),
)
claims = Table(
    "household_claims",
    metadata,
    Column("template_id", Uuid, primary_key=True),
    Column("household", String(500), primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("claim_key", String(200), nullable=True),
)


class Reservation(enum.Enum):
    MADE = "made"
    """This claim holds the household's place now."""
    RETRY = "retry"
    """The same person's retry of the claim that holds the place (same idempotency key)."""
    TAKEN = "taken"
    """Another claim holds the place."""


class HouseholdStore:
    """The reservations, and reading who lives where (``MoveIn`` writes that through the unit
    of work)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create_tables(self) -> None:
        async with self._engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def household_of(self, user_id: uuid.UUID) -> str | None:
        async with self._engine.connect() as conn:
            found = await conn.scalar(select(members.c.household).where(members.c.id == user_id))
        return None if found is None else str(found)

    async def reserve(
        self, template_id: uuid.UUID, household: str, user_id: uuid.UUID, key: str | None
    ) -> Reservation:
        row = {"template_id": template_id, "household": household, "user_id": user_id}
        try:
            async with self._engine.begin() as conn:
                await conn.execute(claims.insert().values(**row, claim_key=key))
            return Reservation.MADE
        except (IntegrityError, PersistenceConflict):
            holder = await self._holder(template_id, household)
        if holder is not None and key is not None and holder == (user_id, key):
            return Reservation.RETRY
        return Reservation.TAKEN

    async def release(self, template_id: uuid.UUID, household: str, user_id: uuid.UUID) -> None:
        c = claims.c
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(claims).where(
                    c.template_id == template_id, c.household == household, c.user_id == user_id
                )
            )

    async def households(self) -> dict[uuid.UUID, str]:
        """Every known person's household."""
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(members.c.id, members.c.household))).all()
        return {row.id: row.household for row in rows}

    async def _holder(self, template_id: uuid.UUID, household: str) -> tuple[uuid.UUID, str] | None:
        c = claims.c
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(c.user_id, c.claim_key).where(
                        c.template_id == template_id, c.household == household
                    )
                )
            ).first()
        return None if row is None or row.claim_key is None else (row.user_id, row.claim_key)


__all__ = ["HouseholdStore", "Reservation", "claims", "members", "metadata"]
