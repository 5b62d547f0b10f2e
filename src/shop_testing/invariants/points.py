"""The books of a points account (PTS-2..8), checked on the account itself.

:func:`check_points_books` reads a :class:`~shop_domain.loyalty.account.PointsAccount` whose
``entries`` are its whole history (an account built in memory, or one whose history a test
read back) and raises :class:`~shop_testing.invariants.base.InvariantBroken` listing every
breach:

- the entries are numbered 1, 2, 3…, each carrying the running sums after it, and the balance,
  pending and held points are the sums of their entries (PTS-8);
- every lot holds the sum of its entries' points, between zero and what it was granted, and
  nothing once expired; the balance is what the lots hold less the debt, and while there is
  debt no lot holds points; with a clamping programme the balance is never below zero (PTS-6);
- no point was spent, held, restored or given back to a lot at or after its expiry (PTS-3,
  PTS-6), and each spend's or hold's lot entries sum to the points it answered (PTS-3);
- what the orders hold is the held figure, lot by lot; what they earned and did not release or
  reverse is the pending figure (PTS-5).
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from shop_domain.loyalty.account import PointsAccount
from shop_domain.loyalty.lots import EntryKind
from shop_domain.loyalty.membership import LevelRules, Member
from shop_domain.loyalty.programme import Programme, ShortfallPolicy
from shop_domain.shared.phones import InvalidPhoneNumber, mask_phone, normalize_phone
from shop_testing.invariants.base import Findings

_INTO_LIVE_LOT = frozenset({EntryKind.SPEND, EntryKind.HOLD, EntryKind.RESTORE, EntryKind.UNHOLD})
"""Entries that may only touch a lot before its expiry."""


def check_points_books(account: PointsAccount, programme: Programme | None = None) -> None:
    found = Findings(f"points books of account {account.id}")
    _check_entries(account, found)
    _check_lots(account, programme, found)
    _check_orders(account, found)
    found.raise_if_any()


def _check_entries(account: PointsAccount, found: Findings) -> None:
    balance = pending = held = 0
    for n, entry in enumerate(account.entries, start=1):
        balance += entry.points
        pending += entry.pending
        held += entry.held
        found.expect(entry.seq == n, f"entry {n} is numbered {entry.seq}")
        after = (entry.balance_after, entry.pending_after, entry.held_after)
        found.expect(
            after == (balance, pending, held),
            f"entry {n} ({entry.kind}) says {after} after it; the sums are "
            f"{(balance, pending, held)}",
        )
    figures = (account.balance, account.pending, account.held)
    found.expect(
        figures == (balance, pending, held),
        f"balance, pending, held are {figures}; the entries sum to {(balance, pending, held)}",
    )
    found.expect(
        account.seq == len(account.entries),
        f"seq {account.seq} after {len(account.entries)} entries",
    )


def _check_lots(account: PointsAccount, programme: Programme | None, found: Findings) -> None:
    per_lot: dict[uuid.UUID, int] = defaultdict(int)
    held_per_lot: dict[uuid.UUID, int] = defaultdict(int)
    for entry in account.entries:
        if entry.lot_id is None:
            continue
        per_lot[entry.lot_id] += entry.points
        held_per_lot[entry.lot_id] += entry.held
        lot = account.lots.get(entry.lot_id)
        if lot is None:
            found.add(f"entry {entry.seq} names lot {entry.lot_id}, which the account lacks")
            continue
        if entry.kind in _INTO_LIVE_LOT and lot.expires_at is not None:
            found.expect(
                entry.at < lot.expires_at,
                f"entry {entry.seq} ({entry.kind}) touches lot {lot.id} at {entry.at}, at or "
                f"after its expiry {lot.expires_at}",
            )
    in_lots = 0
    for lot in account.lots.values():
        in_lots += lot.remaining
        found.expect(
            lot.remaining == per_lot[lot.id],
            f"lot {lot.id} holds {lot.remaining}; its entries sum to {per_lot[lot.id]}",
        )
        found.expect(
            0 <= lot.remaining <= lot.granted,
            f"lot {lot.id} holds {lot.remaining} of {lot.granted}",
        )
        found.expect(
            not lot.expired or lot.remaining == 0, f"lot {lot.id} expired holding {lot.remaining}"
        )
    found.expect(
        account.balance == in_lots - account.debt,
        f"balance {account.balance}; the lots hold {in_lots} and the debt is {account.debt}",
    )
    found.expect(account.debt >= 0, f"debt {account.debt} is negative")
    found.expect(
        not account.debt or not in_lots, f"a debt of {account.debt} while the lots hold {in_lots}"
    )
    if programme is not None and programme.shortfall is ShortfallPolicy.CLAMP:
        found.expect(account.balance >= 0, f"a clamping programme's balance {account.balance}")
    held_parts: dict[uuid.UUID, int] = defaultdict(int)
    for order in account.orders.values():
        for part in order.hold_parts:
            held_parts[part.lot_id] += part.points
    for lot_id in set(held_per_lot) | set(held_parts):
        found.expect(
            held_per_lot[lot_id] == held_parts[lot_id],
            f"lot {lot_id}: held entries sum to {held_per_lot[lot_id]}, the orders hold "
            f"{held_parts[lot_id]} of it",
        )


def _check_orders(account: PointsAccount, found: Findings) -> None:
    answered: dict[tuple[uuid.UUID | None, str | None, str], int] = defaultdict(int)
    for entry in account.entries:
        if entry.kind in (EntryKind.SPEND, EntryKind.HOLD):
            answered[(entry.order_id, entry.key, entry.kind.value)] -= entry.points
    held = pending = 0
    for order in account.orders.values():
        held += order.held
        found.expect(
            order.held == sum(part.points for part in order.hold_parts),
            f"order {order.order_id} holds {order.held}; its parts {order.hold_parts}",
        )
        if not order.released:
            pending += order.earned - order.reversed
        for slot, ((name, _), answer) in order.keys.items():
            key = slot.partition(":")[2]
            if name in ("spend", "hold"):
                took = answered[(order.order_id, key, name)]
                found.expect(
                    took == answer,
                    f"order {order.order_id} {name} {key!r} answered {answer}; its lot entries "
                    f"took {took}",
                )
    found.expect(held == account.held, f"the orders hold {held}; the account {account.held}")
    found.expect(
        pending == account.pending,
        f"the orders' pending points are {pending}; the account's {account.pending}",
    )


def check_member_books(member: Member, rules: LevelRules) -> None:
    """A member whose ``entries`` are its whole history (MEM-2..4): growth is the sum of its
    entries; each source and ref earned once; what each ref lost is at most what it earned; the
    level is never above what the growth could reach; a verified phone is canonical and has the
    moment it was verified."""
    found = Findings(f"member books of {member.id}")
    found.expect(
        member.growth == sum(e.amount for e in member.entries),
        f"growth {member.growth}; the entries sum to {sum(e.amount for e in member.entries)}",
    )
    earned: dict[tuple[str, str], int] = defaultdict(int)
    taken: dict[tuple[str, str], int] = defaultdict(int)
    for entry in member.entries:
        slot = (entry.source.value, entry.ref)
        if entry.key:
            taken[slot] -= entry.amount
        else:
            found.expect(slot not in earned, f"{slot} earned twice")
            earned[slot] += entry.amount
    for slot, lost in taken.items():
        found.expect(
            lost <= earned.get(slot, 0),
            f"{slot} lost {lost} of the {earned.get(slot, 0)} it earned",
        )
    found.expect(
        rules.level_for(max(0, sum(earned.values()))).number >= member.level,
        f"level {member.level} above what all growth reaches",
    )
    if member.phone is not None:
        found.expect(
            member.phone_verified_at is not None and _canonical(member.phone),
            f"a verified phone {mask_phone(member.phone)} that is not canonical, or with no "
            f"moment of verification ({member.phone_verified_at})",
        )
    found.raise_if_any()


def _canonical(phone: str) -> bool:
    try:
        return normalize_phone(phone) == phone
    except InvalidPhoneNumber:
        return False


__all__ = ["check_member_books", "check_points_books"]
