"""Errors of stock and warehouses (STK-1, STK-2) and of freight (SHP-1)."""

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


class InvalidFreight(InvalidValue):
    """A freight template or a shop's freight rule that is not one (a rate of another kind
    than its template's, a fee below zero, an unknown region code…)."""

    code = "freight.invalid"


class UnknownFreightTemplate(NotFound):
    code = "freight.template_not_found"

    @classmethod
    def of(cls, template_id: uuid.UUID) -> UnknownFreightTemplate:
        return cls("no such freight template", details={"template_id": str(template_id)})


class NoFreightRule(NotFound):
    """The shop has set no freight rule."""

    code = "freight.rule_not_found"


class NoDelivery(Conflict):
    """No rate of the template or the shop's rule covers the destination: the address is not
    served. ``details``: ``region`` and ``template_id`` (absent when it is the shop's rule)."""

    code = "freight.no_delivery"


__all__ = [
    "BelowReserved",
    "InsufficientStock",
    "InvalidFreight",
    "InvalidStock",
    "NoDelivery",
    "NoFreightRule",
    "ReservationConflict",
    "UnknownFreightTemplate",
    "UnknownWarehouse",
    "WarehouseCodeTaken",
]
