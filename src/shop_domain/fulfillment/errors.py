"""Errors of stock and warehouses (STK-1, STK-2)."""

from __future__ import annotations

import uuid

from shop_domain.shared.errors import Conflict, InvalidValue, NotFound


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


class UnknownWarehouse(NotFound):
    code = "stock.warehouse_not_found"

    @classmethod
    def of(cls, warehouse_id: uuid.UUID) -> UnknownWarehouse:
        return cls("no such warehouse", details={"warehouse_id": str(warehouse_id)})


class WarehouseCodeTaken(Conflict):
    """Another warehouse has this code."""

    code = "stock.warehouse_code_taken"


__all__ = [
    "BelowReserved",
    "InsufficientStock",
    "InvalidStock",
    "ReservationConflict",
    "UnknownWarehouse",
    "WarehouseCodeTaken",
]
