"""Loyalty over HTTP: points (:mod:`.points`), membership (:mod:`.members`), a member's verified
phone (:mod:`.phones`), the programme (:mod:`.programme`), the points mall (:mod:`.mall`).
``LOYALTY_CONTROLLERS`` is what the loyalty plug-in serves."""

from __future__ import annotations

from typing import Final

from litestar import Controller

from shop_adapters.http.loyalty.mall import MallController
from shop_adapters.http.loyalty.members import MembershipController
from shop_adapters.http.loyalty.phones import MemberPhoneController
from shop_adapters.http.loyalty.points import POINTS_CONTROLLERS, READ, WRITE
from shop_adapters.http.loyalty.programme import ProgrammeController

LOYALTY_CONTROLLERS: Final[list[type[Controller]]] = [
    *POINTS_CONTROLLERS,
    MembershipController,
    MemberPhoneController,
    ProgrammeController,
    MallController,
]

__all__ = ["LOYALTY_CONTROLLERS", "READ", "WRITE"]
