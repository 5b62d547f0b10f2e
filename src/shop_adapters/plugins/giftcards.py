"""Gift cards as a plug-in: batches, sealed secrets, activation, sales, spending and restoring
as a tender, exports (GC-*)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from shop_adapters.files.xlsx import ProtectedXlsxWriter
from shop_adapters.plugin import ContextPlugin, Wiring
from shop_adapters.settings import InvalidSetting, env_int
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
from shop_app.giftcards.ports import CardStore, ExportSource, NoVerifiedPhones, VerifiedPhones
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


@attrs.frozen(kw_only=True)
class GiftCardSettings:
    """The gift cards' settings section (``settings.section(GiftCardSettings)``)."""

    keys: str | None = attrs.field(default=None, repr=False)
    """``SHOP_GIFTCARD_KEYS``: ``id:base64,...``; the first seals, all open (rotation). Unset:
    the key file below, created with a fresh key at start only while the database records no
    sealed secret (a lost key file refuses to start); ``memory://`` uses a key that lives as
    long as the runtime."""
    key_file: str = "./var/giftcard.keys"
    """``SHOP_GIFTCARD_KEY_FILE``."""
    chunk: int = 10_000
    """``SHOP_GIFTCARD_CHUNK``: cards written per transaction, 100 to 200,000."""
    activation_attempts: int = 5
    """``SHOP_GIFTCARD_ACTIVATION_ATTEMPTS``: wrong pairs per user and per card before a
    lock-out."""
    export_dir: str = "./var/exports"
    """``SHOP_EXPORT_DIR``: where card exports are written."""
    admin_phone: str | None = None
    """``SHOP_ADMIN_PHONE``: where one-time export codes go when a batch's owner has no phone
    (GC-12)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> GiftCardSettings:
        default = cls()
        chunk = env_int(env, "SHOP_GIFTCARD_CHUNK", default.chunk)
        attempts = env_int(env, "SHOP_GIFTCARD_ACTIVATION_ATTEMPTS", default.activation_attempts)
        if not 100 <= chunk <= 200_000 or attempts < 1:
            raise InvalidSetting(
                "SHOP_GIFTCARD_CHUNK is 100..200000 and SHOP_GIFTCARD_ACTIVATION_ATTEMPTS at "
                "least 1"
            )
        return cls(
            keys=env.get("SHOP_GIFTCARD_KEYS") or None,
            key_file=env.get("SHOP_GIFTCARD_KEY_FILE", default.key_file),
            chunk=chunk,
            activation_attempts=attempts,
            export_dir=env.get("SHOP_EXPORT_DIR", default.export_dir),
            admin_phone=env.get("SHOP_ADMIN_PHONE") or None,
        )


def _wire(wiring: Wiring) -> None:
    section, engine = wiring.settings.section(GiftCardSettings), wiring.engine
    policy = GiftCardPolicy(
        card_chunk=section.chunk,
        activation_attempts=section.activation_attempts,
        admin_phone=section.admin_phone,
    )
    wiring.add(GiftCardPolicy, policy)
    database_url = wiring.settings.database_url
    keys = key_source(database_url, section.keys, section.key_file)
    wiring.add(_KEYS, keys)
    box = deferred_box(database_url, keys)  # opened by the start step, after the database is read
    wiring.add(SecretBox, box)
    keychecks = SqlKeyCheckStore(engine)
    wiring.add(KeyCheckStore, keychecks)
    wiring.add(ResealSource, keychecks)
    wiring.add(GiftCardQueries, SqlGiftCardQueries(engine))
    wiring.add(CardStore, SqlCardStore(engine))
    wiring.add(ExportSource, SqlExportSource(engine))
    # nobody's phone is verified here: membership re-registers it with its members' (GC-5)
    wiring.add(VerifiedPhones, NoVerifiedPhones())

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
                directory=Path(section.export_dir),
            ),
            policy=policy,
        )

    wiring.add_lazy(GiftCardServices, services)


def _handlers(wiring: Wiring) -> Mapping[type, CommandHandler]:
    policy: GiftCardPolicy = wiring.resolve(GiftCardPolicy)
    return {
        **giftcard_command_handlers(
            policy, wiring.resolve(SecretBox), wiring.resolve(VerifiedPhones)
        ),
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
        chunk=min(wiring.settings.section(GiftCardSettings).chunk, DEFAULT_RESEAL_CHUNK),
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
    settings=GiftCardSettings,
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
    services=(GiftCardServices, GiftCardQueries, SecretBox, VerifiedPhones),
    http="shop_adapters.http.giftcards:GIFTCARD_CONTROLLERS",
    cli="shop_adapters.cli.giftcards:GIFTCARD_COMMANDS",
)
