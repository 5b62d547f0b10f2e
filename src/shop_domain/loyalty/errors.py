"""Errors of the loyalty context (points and membership). Codes are part of the public contract:
never change them."""

from __future__ import annotations

import uuid

from shop_domain.shared.errors import Conflict, InvalidValue, NotFound


class AccountNotFound(NotFound):
    code = "points.account_not_found"

    def __init__(self, account: uuid.UUID) -> None:
        super().__init__("no such points account", details={"account": str(account)})


class InvalidProgramme(InvalidValue):
    code = "points.invalid_programme"


class InvalidPoints(InvalidValue):
    """A number of points that is not a positive whole number (or too large)."""

    code = "points.invalid_amount"


class InsufficientPoints(Conflict):
    """A spend, hold or deduction asks for more points than are available (PTS-3)."""

    code = "points.insufficient"

    def __init__(self, asked: int, available: int) -> None:
        super().__init__(
            f"{asked} points asked for, {available} available",
            details={"asked": asked, "available": available},
        )


class KeyReused(Conflict):
    """An order command's key was used before for another command or other figures: a retry
    repeats its request exactly."""

    code = "points.key_reused"

    def __init__(self, order_id: uuid.UUID, key: str) -> None:
        super().__init__(
            f"key {key!r} of order {order_id} was used for another request",
            details={"order_id": str(order_id), "key": key},
        )


class OrderPointsConflict(Conflict):
    """An order command that the order's points do not allow: spending a hold there is not,
    holding twice, restoring more than was spent, reversing more than was earned."""

    code = "points.order_conflict"


class AlreadyCheckedIn(Conflict):
    code = "points.already_checked_in"

    def __init__(self, day: object) -> None:
        super().__init__(f"already checked in on {day}", details={"day": str(day)})


class MakeUpRefused(Conflict):
    """A make-up check-in the programme does not allow (none, not this month, none left)."""

    code = "points.make_up_refused"


class UnknownActivity(InvalidValue):
    code = "points.unknown_activity"


class MallSoldOut(Conflict):
    code = "points.mall_sold_out"

    def __init__(self, item_id: uuid.UUID, asked: int, left: int) -> None:
        super().__init__(
            f"{asked} asked for, {left} left",
            details={"item_id": str(item_id), "asked": asked, "left": left},
        )


class MallItemUnavailable(Conflict):
    code = "points.mall_item_unavailable"


class RedemptionStateConflict(Conflict):
    code = "points.redemption_state"


class InvalidMallItem(InvalidValue):
    code = "points.invalid_mall_item"


class RedemptionNotFound(NotFound):
    code = "points.redemption_not_found"

    def __init__(self, redemption_id: uuid.UUID) -> None:
        super().__init__("no such redemption", details={"redemption_id": str(redemption_id)})


class LotsNotLoaded(Conflict):
    """The account was loaded without the lots an operation needs (a repository's bug, never
    the customer's)."""

    code = "points.lots_not_loaded"


class PhoneTaken(Conflict):
    """Another member holds this verified phone (one member per number); nothing changed."""

    code = "member.phone_taken"


__all__ = [
    "AccountNotFound",
    "InvalidMallItem",
    "MallItemUnavailable",
    "MallSoldOut",
    "RedemptionNotFound",
    "RedemptionStateConflict",
    "AlreadyCheckedIn",
    "MakeUpRefused",
    "UnknownActivity",
    "InsufficientPoints",
    "InvalidPoints",
    "InvalidProgramme",
    "KeyReused",
    "LotsNotLoaded",
    "OrderPointsConflict",
    "PhoneTaken",
]
