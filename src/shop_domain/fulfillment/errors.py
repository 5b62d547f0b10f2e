"""Errors of stock and warehouses (STK-1, STK-2)."""

from __future__ import annotations

from shop_domain.shared.errors import Conflict, InvalidValue


class InvalidStock(InvalidValue):
    """A quantity, level or warehouse that is not one (a count below zero, an empty code…)."""

    code = "stock.invalid"


class InsufficientStock(Conflict):
    """More asked for than is available. ``details``: ``available``."""

    code = "stock.insufficient"


class ReservationConflict(Conflict):
    """The order reserved another quantity of this stock already, or its reservation has ended
    (released or consumed) and cannot move so."""

    code = "stock.reservation_conflict"


class BelowReserved(Conflict):
    """An adjustment that would leave less on hand than is reserved. ``details``:
    ``reserved``."""

    code = "stock.below_reserved"


__all__ = ["BelowReserved", "InsufficientStock", "InvalidStock", "ReservationConflict"]
