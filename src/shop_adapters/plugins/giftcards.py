"""Gift cards as a plug-in: batches, sealed secrets, activation, sales, spending and restoring
as a tender, exports (GC-*)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from shop_adapters.files.xlsx import ProtectedXlsxWriter
from shop_adapters.plugin import ContextPlugin, Wiring
from shop_adapters.shared.keyring import deferred_box, key_source, open_keys
from shop_adapters.sql.giftcards.keys import SqlKeyCheckStore
from shop_adapters.sql.giftcards.ledger import SqlGiftCardLedger
from shop_adapters.sql.giftcards.queries import SqlGiftCardQueries
from shop_adapters.sql.giftcards.repositories import (
    SqlCardExportRepository,
    SqlCardUsageRepository,
    SqlGiftCardBatchRepository,
    SqlGiftCardRepository,
)
from shop_adapters.sql.giftcards.store import SqlCardStore, SqlExportSource
from shop_app.giftcards.exports import CardExporter
from shop_app.giftcards.generation import CardGenerator
from shop_app.giftcards.handlers import (
    EXPORT_CARDS,
    GENERATE_CARDS,
    export_code_handlers,
    giftcard_command_handlers,
)
from shop_app.giftcards.keyring import KeyCheckStore
from shop_app.giftcards.middlewares import giftcard_middlewares
from shop_app.giftcards.policy import GiftCardPolicy
from shop_app.giftcards.ports import CardStore, ExportSource
from shop_app.giftcards.queries import GiftCardQueries
from shop_app.giftcards.reseal import DEFAULT_RESEAL_CHUNK, RESEAL_CARDS, CardResealer, ResealSource
from shop_app.giftcards.secrets import SecretBox
from shop_app.giftcards.services import GiftCardServices
from shop_app.shared.jobs import JobHandler
from shop_app.shared.messagebus import CommandHandler, MessageBus, UnitOfWorkFactory
from shop_app.shared.middleware import Middleware
from shop_app.shared.otp import OneTimeCodes
from shop_app.shared.ratelimit import AttemptLimiter

_KEYS = "giftcards.key_source"


def _wire(wiring: Wiring) -> None:
    settings, engine = wiring.settings, wiring.engine
    policy = GiftCardPolicy(
        card_chunk=settings.giftcard_chunk,
        activation_attempts=settings.giftcard_activation_attempts,
        admin_phone=settings.admin_phone,
    )
    wiring.add(GiftCardPolicy, policy)
    keys = key_source(settings)
    wiring.add(_KEYS, keys)
    box = deferred_box(settings, keys)  # opened by the start step, after the database is read
    wiring.add(SecretBox, box)
    keychecks = SqlKeyCheckStore(engine)
    wiring.add(KeyCheckStore, keychecks)
    wiring.add(ResealSource, keychecks)
    wiring.add(GiftCardQueries, SqlGiftCardQueries(engine))
    wiring.add(CardStore, SqlCardStore(engine))
    wiring.add(ExportSource, SqlExportSource(engine))

    def services() -> GiftCardServices:
        bus: MessageBus = wiring.resolve(MessageBus)
        uow_factory: Any = wiring.resolve(UnitOfWorkFactory)  # has every context's repositories
        return GiftCardServices(
            queries=wiring.resolve(GiftCardQueries),
            generator=CardGenerator(
                uow_factory, wiring.resolve(CardStore), box, bus, wiring.clock, policy
            ),
            exporter=CardExporter(
                bus=bus,
                uow_factory=uow_factory,
                source=wiring.resolve(ExportSource),
                box=box,
                sheets=ProtectedXlsxWriter,
                directory=Path(settings.export_dir),
            ),
            policy=policy,
        )

    wiring.add_lazy(GiftCardServices, services)


def _handlers(wiring: Wiring) -> Mapping[type, CommandHandler]:
    policy: GiftCardPolicy = wiring.resolve(GiftCardPolicy)
    return {
        **giftcard_command_handlers(policy, wiring.resolve(SecretBox)),
        **export_code_handlers(
            wiring.resolve(GiftCardQueries), wiring.resolve(OneTimeCodes), policy
        ),
    }


def _middlewares(wiring: Wiring) -> Sequence[Middleware]:
    return giftcard_middlewares(
        wiring.resolve(GiftCardPolicy),
        wiring.resolve(AttemptLimiter),
        wiring.clock,
        wiring.resolve(OneTimeCodes),
    )


def _jobs(wiring: Wiring) -> Mapping[str, JobHandler]:
    services: GiftCardServices = wiring.resolve(GiftCardServices)
    uow_factory: Any = wiring.resolve(UnitOfWorkFactory)  # has every context's repositories
    resealer = CardResealer(
        uow_factory,
        wiring.resolve(ResealSource),
        wiring.resolve(SecretBox),
        chunk=min(wiring.settings.giftcard_chunk, DEFAULT_RESEAL_CHUNK),
    )
    return {
        GENERATE_CARDS: services.generator.run_job,
        EXPORT_CARDS: services.exporter.run_job,
        RESEAL_CARDS: resealer.run_job,
    }


def _starters(wiring: Wiring) -> Sequence[Callable[[], Awaitable[None]]]:
    """The key check: the gift-card keys against what the database holds (GC-11)."""
    return (
        lambda: open_keys(
            wiring.resolve(SecretBox), wiring.resolve(_KEYS), wiring.resolve(KeyCheckStore)
        ),
    )


PLUGIN = ContextPlugin(
    name="giftcards",
    tables=("shop_adapters.sql.giftcards.tables",),
    wire=_wire,
    handlers=_handlers,
    middlewares=_middlewares,
    repositories={
        "giftcard_batches": SqlGiftCardBatchRepository,
        "giftcards": SqlGiftCardRepository,
        "giftcard_usages": SqlCardUsageRepository,
        "giftcard_exports": SqlCardExportRepository,
    },
    projections=(SqlGiftCardLedger,),
    jobs=_jobs,
    starters=_starters,
    services=(GiftCardServices, GiftCardQueries, SecretBox),
    http="shop_adapters.http.giftcards:GIFTCARD_CONTROLLERS",
    cli="shop_adapters.cli.giftcards:GIFTCARD_COMMANDS",
)
