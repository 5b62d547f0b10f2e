"""Settings from ``SHOP_*`` environment variables, with embedded defaults.

With nothing set, `shop` runs on a SQLite file under ``./var`` with the in-process event bus; the
JWT secret is then generated into a private file beside the database on first use (see
``shop_adapters.shared.jwt_secret``). No secret is a constant in the code.

:class:`Settings` holds the kernel's settings. Each context's are its own *section*, an attrs
class of the context's plug-in with a ``from_env(environ)`` classmethod that reads its
``SHOP_*`` variables with the helpers here (:func:`env_int`, :func:`env_seconds`), given in
``Settings(sections=[...])`` or read on first use from the variables :meth:`Settings.from_env`
was given (:meth:`Settings.section`, ADR 0030).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeVar

import attrs

from shop_app.shared.retention import KERNEL_RULES, RetentionPolicy, RetentionRule
from shop_domain.shared.errors import InvalidValue

MEMORY_URL = "memory://"
MIN_JWT_SECRET_LENGTH = 32
MAX_POOL_WAIT = 300.0

S = TypeVar("S")


class InvalidSetting(InvalidValue):
    """A ``SHOP_*`` variable that cannot be used."""

    code = "settings.invalid"


def env_int(env: Mapping[str, str], name: str, default: int) -> int:
    """The integer in ``env[name]`` (unset or empty: ``default``); anything else is refused
    naming the variable."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise InvalidSetting(f"{name} must be an integer, got {raw!r}") from exc


def env_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """The number of seconds in ``env[name]`` (unset or empty: ``default``)."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise InvalidSetting(f"{name} must be a number of seconds, got {raw!r}") from exc
    return value


RETENTION_DAYS = re.compile(r"SHOP_RETENTION_(\w+)_DAYS")


def retention_variable(rule: RetentionRule) -> str:
    """The variable that sets ``rule``'s retention in days."""
    return f"SHOP_RETENTION_{rule.setting}_DAYS"


def retention_from_env(env: Mapping[str, str]) -> RetentionPolicy:
    """Every ``SHOP_RETENTION_<SETTING>_DAYS`` (the kernel's tables' at their defaults when
    unset, ``KERNEL_RULES``; a context's, checked when its rule is read) and the rows one purge
    transaction deletes (``SHOP_RETENTION_BATCH``, default 5000)."""
    days = {
        found[1]: dt.timedelta(days=env_int(env, name, 0))
        for name in sorted(env)
        if (found := RETENTION_DAYS.fullmatch(name)) and env[name] != ""
    }
    kernel = {
        rule.table: days.pop(rule.setting) for rule in KERNEL_RULES.values() if rule.setting in days
    }
    try:
        return RetentionPolicy(
            kernel, batch_size=env_int(env, "SHOP_RETENTION_BATCH", 5000), by_setting=days
        )
    except InvalidValue as exc:
        raise InvalidSetting(f"SHOP_RETENTION_*: {exc.message}") from exc


def _sections(value: Mapping[type, Any] | Iterable[Any]) -> dict[type, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    return {type(section): section for section in value}


@attrs.frozen(kw_only=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///./var/shop.db"
    database_pool_size: int = 10
    """``SHOP_DATABASE_POOL_SIZE``: the most connections the pool opens (no overflow); on
    PostgreSQL the live promotions' feed has one more of its own (decision 0047)."""
    database_pool_wait: float = 5.0
    """``SHOP_DATABASE_POOL_WAIT``: seconds a request waits for a connection (first come, first
    served) before it is answered 503 ``storage.busy`` with ``Retry-After``."""
    database_pre_ping: bool = False
    broker: Literal["memory", "rabbitmq"] = "memory"
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    rabbitmq_exchange: str = "shop.events"
    jwt_secret: str | None = attrs.field(default=None, repr=False)
    """``SHOP_JWT_SECRET``. Unset: the file below (made on first use); ``memory://`` uses a
    random secret made once per process."""
    jwt_secret_file: str = "./var/jwt.secret"
    jwt_issuer: str = "shop"
    jwt_ttl_seconds: int = 3600
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    relay_batch_size: int = 500
    relay_interval_ms: int = 500
    jobs_poll_interval_ms: int = 1000
    jobs_lease_seconds: int = 30
    """``SHOP_JOBS_LEASE_SECONDS``: how long a job stays with a worker that gives no sign of life
    (the runner heartbeats every third of it while a job runs): a killed worker's job is taken
    over within this."""
    sms: Literal["file", "memory"] = "file"
    """``file``: development SMS inbox at ``sms_file`` (never the application log, SEC-3)."""
    sms_file: str = "./var/sms-outbox.log"
    migrate_on_start: bool = True
    gc_freeze: bool = True
    """``SHOP_GC_FREEZE``: the first start step in a process freezes what the process then holds
    (``gc.freeze``), so that collections stop walking the start-up heap again and again
    (decision 0047). ``0``: leave the collector as it is — for a process that later frees, in
    reference cycles, objects it made before the start."""
    debug: bool = False
    retention: RetentionPolicy = attrs.field(factory=RetentionPolicy)
    """``SHOP_RETENTION_<SETTING>_DAYS`` and ``SHOP_RETENTION_BATCH``: how long the bookkeeping
    tables keep rows before ``shop sweep`` (and the serve loop) purge them (ADR 0020) — the
    kernel's tables and those of the contexts' retention rules (:meth:`retention_of`)."""
    sections: Mapping[type, Any] = attrs.field(factory=dict, converter=_sections)
    """The contexts' settings sections given in code, by class — ``sections=[MySection(...)]``
    or ``sections={MySection: MySection(...)}``; a section not given is read from ``environ`` on
    first use: see :meth:`section`."""
    environ: Mapping[str, str] = attrs.field(factory=dict, repr=False, eq=False)
    """Where sections not given are read from: the variables :meth:`from_env` read. Settings
    built in code read nothing from the process environment — sections not given have their
    defaults, as the kernel's fields and the retention rules do."""
    _read: dict[type, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)

    def section(self, kind: type[S]) -> S:
        """A context's settings section: the one given in ``sections``, else
        ``kind.from_env(environ)``, read once (a context's section is an attrs class with that
        classmethod, reading its own ``SHOP_*`` variables; a bad value raises
        :class:`InvalidSetting` naming it)."""
        found = self.sections.get(kind)
        if found is None:
            found = self._read.get(kind)
        if found is None:
            found = self._read[kind] = kind.from_env(self.environ)  # type: ignore[attr-defined]
        if not isinstance(found, kind):
            raise InvalidSetting(f"the settings section {kind.__name__} is not one")
        return found

    def retention_of(self, rule: RetentionRule) -> dt.timedelta:
        """How long ``rule``'s table keeps its rows (``retention``, else its
        ``SHOP_RETENTION_<SETTING>_DAYS``, else its default); too short is refused naming the
        variable."""
        try:
            return self.retention.keep(rule)
        except InvalidValue as exc:
            raise InvalidSetting(f"{retention_variable(rule)}: {exc.message}") from exc

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        default = {f.name: f.default for f in attrs.fields(cls)}
        broker = env.get("SHOP_BROKER", "memory")
        if broker not in ("memory", "rabbitmq"):
            raise InvalidSetting(f"SHOP_BROKER must be 'memory' or 'rabbitmq', got {broker!r}")
        jobs_lease = env_int(env, "SHOP_JOBS_LEASE_SECONDS", 30)
        if jobs_lease < 1:
            raise InvalidSetting("SHOP_JOBS_LEASE_SECONDS must be positive")
        sms = env.get("SHOP_SMS", "file")
        if sms not in ("file", "memory"):
            raise InvalidSetting(f"SHOP_SMS must be 'file' or 'memory', got {sms!r}")
        pool_size = env_int(env, "SHOP_DATABASE_POOL_SIZE", 10)
        pool_wait = env_seconds(env, "SHOP_DATABASE_POOL_WAIT", 5.0)
        if pool_size < 1 or not 0 < pool_wait <= MAX_POOL_WAIT:
            raise InvalidSetting(
                "SHOP_DATABASE_POOL_SIZE is at least 1 and SHOP_DATABASE_POOL_WAIT is more than 0 "
                f"and at most {MAX_POOL_WAIT:g} seconds"
            )
        secret = env.get("SHOP_JWT_SECRET") or None
        if secret is not None and len(secret) < MIN_JWT_SECRET_LENGTH:
            raise InvalidSetting(
                f"SHOP_JWT_SECRET must be at least {MIN_JWT_SECRET_LENGTH} characters"
            )
        return cls(
            database_url=env.get("SHOP_DATABASE_URL", default["database_url"]),
            database_pool_size=pool_size,
            database_pool_wait=pool_wait,
            database_pre_ping=env.get("SHOP_DATABASE_PRE_PING", "0") in ("1", "true", "yes"),
            broker=broker,  # type: ignore[arg-type]
            rabbitmq_url=env.get("SHOP_RABBITMQ_URL", default["rabbitmq_url"]),
            rabbitmq_exchange=env.get("SHOP_RABBITMQ_EXCHANGE", default["rabbitmq_exchange"]),
            jwt_secret=secret,
            jwt_secret_file=env.get("SHOP_JWT_SECRET_FILE", default["jwt_secret_file"]),
            jwt_issuer=env.get("SHOP_JWT_ISSUER", default["jwt_issuer"]),
            jwt_ttl_seconds=env_int(env, "SHOP_JWT_TTL_SECONDS", 3600),
            http_host=env.get("SHOP_HTTP_HOST", default["http_host"]),
            http_port=env_int(env, "SHOP_HTTP_PORT", 8000),
            relay_batch_size=env_int(env, "SHOP_RELAY_BATCH_SIZE", 500),
            relay_interval_ms=env_int(env, "SHOP_RELAY_INTERVAL_MS", 500),
            jobs_poll_interval_ms=env_int(env, "SHOP_JOBS_POLL_INTERVAL_MS", 1000),
            jobs_lease_seconds=jobs_lease,
            sms=sms,  # type: ignore[arg-type]
            sms_file=env.get("SHOP_SMS_FILE", default["sms_file"]),
            migrate_on_start=env.get("SHOP_MIGRATE_ON_START", "1") not in ("0", "false", "no"),
            gc_freeze=env.get("SHOP_GC_FREEZE", "1") not in ("0", "false", "no"),
            debug=env.get("SHOP_DEBUG", "0") in ("1", "true", "yes"),
            retention=retention_from_env(env),
            environ=env,
        )
