"""The SQL repository of members (:class:`shop_app.loyalty.ports.MemberRepository`).

A member is read locked, like an account; its growth history is never loaded (an append-only
child): what earned growth is looked up by (source, ref), and the growth of the re-evaluation
window is one sum over ``ix_member_growth_window`` (:func:`window_growth_of`). A verified phone
is one member's at most: the partial unique index ``uq_members_phone`` decides between two
members verifying it at once, and :meth:`SqlMemberRepository.keep_phone` turns its refusal into
``member.phone_taken``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased

from shop_adapters.sql.driver import Prepared
from shop_adapters.sql.loyalty.mapping import MEMBERS
from shop_adapters.sql.loyalty.tables import member_growth, members
from shop_adapters.sql.uow import SqlRepository
from shop_app.shared.errors import PersistenceConflict
from shop_domain.loyalty.errors import PhoneTaken
from shop_domain.loyalty.membership import GrowthSource, Member

G = member_growth.c
_LOCKED = Prepared(
    MEMBERS.select_all.where(members.c.user_id == bindparam("user_id")).with_for_update()
)
_EARNED = Prepared(
    select(G.amount, G.key).where(
        G.member_id == bindparam("member_id"),
        G.source == bindparam("source", type_=G.source.type),
        G.ref == bindparam("ref"),
    )
)


def window_growth_of(member_id: Any, since: Any) -> Select[Any]:
    """The growth of a member's window: what was earned since ``since`` less what was taken
    back of it — a take-back counts in the window of the gain it takes back (whenever it was
    written), so a refund of growth earned before the window never lowers the window's, and
    the window's growth never rises as a take-back leaves it."""
    gain = aliased(member_growth)
    taken_back_of_a_gain_in_window = exists().where(
        gain.c.member_id == G.member_id,
        gain.c.source == G.source,
        gain.c.ref == G.ref,
        gain.c.key == "",
        gain.c.at >= since,
    )
    return select(func.coalesce(func.sum(G.amount), 0)).where(
        G.member_id == member_id,
        or_(and_(G.key == "", G.at >= since), and_(G.key != "", taken_back_of_a_gain_in_window)),
    )


_WINDOW = Prepared(window_growth_of(bindparam("member_id"), bindparam("since", type_=G.at.type)))
_DUE = Prepared(
    select(members.c.user_id)
    .where(
        members.c.level > 0,
        members.c.evaluated_at.is_(None)
        | (members.c.evaluated_at < bindparam("before", type_=members.c.evaluated_at.type)),
    )
    .order_by(members.c.evaluated_at.nulls_first(), members.c.id)
    .limit(bindparam("limit"))
)

_PHONE_HOLDER = Prepared(select(members.c.user_id).where(members.c.phone == bindparam("phone")))


class SqlMemberRepository(SqlRepository[Member]):
    table = MEMBERS

    async def opened(self, user_id: uuid.UUID, now: dt.datetime, new_id: uuid.UUID) -> Member:
        empty = Member.open(id=new_id, user_id=user_id, now=now)
        return await self._opened_once(_LOCKED, {"user_id": user_id}, empty)

    async def earned(
        self, member: Member, source: GrowthSource, ref: str
    ) -> tuple[int, dict[str, int]]:
        """What ``ref`` earned (0: nothing yet), and what each key took back of it."""
        await self._flush()
        rows = await self._link.fetch(
            _EARNED, {"member_id": member.id, "source": source, "ref": ref}
        )
        gained = sum(amount for amount, key in rows if not key)
        return gained, {key: -amount for amount, key in rows if key}

    async def window_growth(self, member: Member, since: dt.datetime) -> int:
        await self._flush()
        rows = await self._link.fetch(_WINDOW, {"member_id": member.id, "since": since})
        return int(rows[0][0])

    async def due_for_evaluation(self, before: dt.datetime, limit: int) -> list[uuid.UUID]:
        rows = await self._link.fetch(_DUE, {"before": before, "limit": limit})
        return [row[0] for row in rows]

    async def phone_holder(self, phone: str) -> uuid.UUID | None:
        rows = await self._link.fetch(_PHONE_HOLDER, {"phone": phone})
        return rows[0][0] if rows else None

    async def keep_phone(self, member: Member) -> None:
        try:
            await self._flush()
        except PersistenceConflict as clash:  # the unique index: another member wrote it first
            raise PhoneTaken("this phone number is verified by another member") from clash


__all__ = ["SqlMemberRepository"]
