"""Settings from ``SHOP_*`` environment variables, with embedded defaults.

With nothing set, `shop` runs on a SQLite file under ``./var`` with the in-process event bus; the
JWT secret and the gift-card keys are then generated into private files beside the database on
first use (see ``shop_adapters.shared.jwt_secret`` and ``shop_adapters.shared.keyring``). No
secret is a constant in the code.
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

import attrs

from shop_app.shared.retention import DEFAULT_RETENTION, Retained, RetentionPolicy
from shop_domain.shared.errors import InvalidValue

MEMORY_URL = "memory://"
MIN_JWT_SECRET_LENGTH = 32
MAX_POOL_WAIT = 300.0

S = TypeVar("S")


class InvalidSetting(InvalidValue):
    """A ``SHOP_*`` variable that cannot be used."""

    code = "settings.invalid"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise InvalidSetting(f"{name} must be an integer, got {raw!r}") from exc


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise InvalidSetting(f"{name} must be a number of seconds, got {raw!r}") from exc
    return value


RETENTION_ENV = {
    Retained.IDEMPOTENCY_KEYS: "SHOP_RETENTION_IDEMPOTENCY_DAYS",
    Retained.LIMITER: "SHOP_RETENTION_LIMITER_DAYS",
    Retained.ONE_TIME_CODES: "SHOP_RETENTION_OTP_DAYS",
    Retained.SEGMENTS: "SHOP_RETENTION_SEGMENTS_DAYS",
    Retained.OUTBOX: "SHOP_RETENTION_OUTBOX_DAYS",
    Retained.INBOX: "SHOP_RETENTION_INBOX_DAYS",
    Retained.AUDIT: "SHOP_RETENTION_AUDIT_DAYS",
}


def retention_from_env(env: Mapping[str, str]) -> RetentionPolicy:
    """The retention of each table in days (defaults: ``DEFAULT_RETENTION``), and the rows one
    purge transaction deletes (``SHOP_RETENTION_BATCH``, default 5000)."""
    days = {
        table: dt.timedelta(days=_int(env, name, DEFAULT_RETENTION[table].days))
        for table, name in RETENTION_ENV.items()
    }
    try:
        return RetentionPolicy(days, batch_size=_int(env, "SHOP_RETENTION_BATCH", 5000))
    except InvalidValue as exc:
        raise InvalidSetting(f"SHOP_RETENTION_*: {exc.message}") from exc


@attrs.frozen(kw_only=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///./var/shop.db"
    database_pool_size: int = 10
    """``SHOP_DATABASE_POOL_SIZE``: the most connections the process opens (no overflow)."""
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
    max_category_depth: int = 3
    coupon_timezone: str = "UTC"
    coupon_claim_batch: int = 200
    coupon_code_attempts: int = 10
    giftcard_keys: str | None = attrs.field(default=None, repr=False)
    """``SHOP_GIFTCARD_KEYS``: ``id:base64,...``; the first seals, all open (rotation). Unset:
    the key file below, created with a fresh key at start only while the database records no
    sealed secret (a lost key file refuses to start); ``memory://`` uses a key that lives as
    long as the runtime."""
    giftcard_key_file: str = "./var/giftcard.keys"
    giftcard_chunk: int = 20_000
    giftcard_activation_attempts: int = 5
    export_dir: str = "./var/exports"
    admin_phone: str | None = None
    """Where one-time export codes go when a batch's owner has no phone (GC-12)."""
    sms: Literal["file", "memory"] = "file"
    """``file``: development SMS inbox at ``sms_file`` (never the application log, SEC-3)."""
    sms_file: str = "./var/sms-outbox.log"
    migrate_on_start: bool = True
    debug: bool = False
    retention: RetentionPolicy = attrs.field(factory=RetentionPolicy)
    """``SHOP_RETENTION_<TABLE>_DAYS`` and ``SHOP_RETENTION_BATCH``: how long the bookkeeping
    tables keep rows before ``shop sweep`` (and the serve loop) purge them (ADR 0020)."""
    sections: Mapping[type, Any] = attrs.field(factory=dict)
    """Settings sections of contexts plugged in, given here (``Settings(sections={NotesSettings:
    NotesSettings(...)})``) or read from the environment on first use: see :meth:`section`."""

    def section(self, kind: type[S]) -> S:
        """A context's settings section: the one given in ``sections``, else
        ``kind.from_env(os.environ)`` (a context's section is an attrs class with that
        classmethod, reading its own ``SHOP_<CONTEXT>_*`` variables)."""
        found = self.sections.get(kind)
        if found is None:
            found = kind.from_env(os.environ)  # type: ignore[attr-defined]
        if not isinstance(found, kind):
            raise InvalidSetting(f"the settings section {kind.__name__} is not one")
        return found

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        default = {f.name: f.default for f in attrs.fields(cls)}
        broker = env.get("SHOP_BROKER", "memory")
        if broker not in ("memory", "rabbitmq"):
            raise InvalidSetting(f"SHOP_BROKER must be 'memory' or 'rabbitmq', got {broker!r}")
        depth = _int(env, "SHOP_MAX_CATEGORY_DEPTH", 3)
        if not 1 <= depth <= 4:
            raise InvalidSetting("SHOP_MAX_CATEGORY_DEPTH must be 1 to 4")
        jobs_lease = _int(env, "SHOP_JOBS_LEASE_SECONDS", 30)
        if jobs_lease < 1:
            raise InvalidSetting("SHOP_JOBS_LEASE_SECONDS must be positive")
        zone = env.get("SHOP_COUPON_TIMEZONE", "UTC")
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidSetting(
                f"SHOP_COUPON_TIMEZONE is not a known time zone: {zone!r}"
            ) from exc
        claim_batch = _int(env, "SHOP_COUPON_CLAIM_BATCH", 200)
        code_attempts = _int(env, "SHOP_COUPON_CODE_ATTEMPTS", 10)
        if claim_batch < 1 or code_attempts < 1:
            raise InvalidSetting(
                "SHOP_COUPON_CLAIM_BATCH and SHOP_COUPON_CODE_ATTEMPTS are at least 1"
            )
        chunk = _int(env, "SHOP_GIFTCARD_CHUNK", 20_000)
        attempts = _int(env, "SHOP_GIFTCARD_ACTIVATION_ATTEMPTS", 5)
        if not 100 <= chunk <= 200_000 or attempts < 1:
            raise InvalidSetting(
                "SHOP_GIFTCARD_CHUNK is 100..200000 and SHOP_GIFTCARD_ACTIVATION_ATTEMPTS at "
                "least 1"
            )
        sms = env.get("SHOP_SMS", "file")
        if sms not in ("file", "memory"):
            raise InvalidSetting(f"SHOP_SMS must be 'file' or 'memory', got {sms!r}")
        pool_size = _int(env, "SHOP_DATABASE_POOL_SIZE", 10)
        pool_wait = _seconds(env, "SHOP_DATABASE_POOL_WAIT", 5.0)
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
            jwt_ttl_seconds=_int(env, "SHOP_JWT_TTL_SECONDS", 3600),
            http_host=env.get("SHOP_HTTP_HOST", default["http_host"]),
            http_port=_int(env, "SHOP_HTTP_PORT", 8000),
            relay_batch_size=_int(env, "SHOP_RELAY_BATCH_SIZE", 500),
            relay_interval_ms=_int(env, "SHOP_RELAY_INTERVAL_MS", 500),
            jobs_poll_interval_ms=_int(env, "SHOP_JOBS_POLL_INTERVAL_MS", 1000),
            jobs_lease_seconds=jobs_lease,
            max_category_depth=depth,
            coupon_timezone=zone,
            coupon_claim_batch=claim_batch,
            coupon_code_attempts=code_attempts,
            giftcard_keys=env.get("SHOP_GIFTCARD_KEYS") or None,
            giftcard_key_file=env.get("SHOP_GIFTCARD_KEY_FILE", default["giftcard_key_file"]),
            giftcard_chunk=chunk,
            giftcard_activation_attempts=attempts,
            export_dir=env.get("SHOP_EXPORT_DIR", default["export_dir"]),
            admin_phone=env.get("SHOP_ADMIN_PHONE") or None,
            sms=sms,  # type: ignore[arg-type]
            sms_file=env.get("SHOP_SMS_FILE", default["sms_file"]),
            migrate_on_start=env.get("SHOP_MIGRATE_ON_START", "1") not in ("0", "false", "no"),
            debug=env.get("SHOP_DEBUG", "0") in ("1", "true", "yes"),
            retention=retention_from_env(env),
        )
