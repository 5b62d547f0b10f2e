"""The participation log's share of the pricing plug-in (PRO-7), kept in a module of its own
so that :mod:`shop_adapters.plugins.pricing` only names it: its table module, its store on the
unit of work (``uow.promotion_participations``), its read side and its command handlers. Its
controllers are ``shop_adapters.http.pricing.participation:PARTICIPATION_CONTROLLERS``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from shop_adapters.plugin import Wiring
from shop_adapters.sql.pricing.participation import SqlParticipationStore
from shop_adapters.sql.pricing.participation_queries import SqlParticipationQueries
from shop_app.pricing.participation import participation_command_handlers
from shop_app.pricing.participation_ports import ParticipationQueries
from shop_app.shared.messagebus import CommandHandler

PARTICIPATION_TABLES: Final = "shop_adapters.sql.pricing.participation"
PARTICIPATION_REPOSITORIES: Final[Mapping[str, Callable[[Any], Any]]] = {
    "promotion_participations": SqlParticipationStore
}


def wire_participation(wiring: Wiring) -> None:
    wiring.add(ParticipationQueries, SqlParticipationQueries(wiring.engine))


def participation_handlers(_wiring: Wiring) -> Mapping[type, CommandHandler]:
    return participation_command_handlers()


__all__ = [
    "PARTICIPATION_REPOSITORIES",
    "PARTICIPATION_TABLES",
    "participation_handlers",
    "wire_participation",
]
