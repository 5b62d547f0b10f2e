"""Settings from ``SHOP_*`` environment variables, with embedded defaults.

With nothing set, `shop` runs on a SQLite file under ``./var`` with the in-process event bus and
a development JWT secret (and says so loudly at start-up).
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from typing import Literal

import attrs

from shop_domain.shared.errors import InvalidValue

DEV_JWT_SECRET = "shop-development-secret-change-me-0123456789abcdef"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise InvalidValue(
            f"{name} must be an integer, got {raw!r}", code="settings.invalid"
        ) from exc


@attrs.frozen(kw_only=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///./var/shop.db"
    database_pool_size: int = 10
    database_pre_ping: bool = False
    broker: Literal["memory", "rabbitmq"] = "memory"
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    rabbitmq_exchange: str = "shop.events"
    jwt_secret: str = attrs.field(default=DEV_JWT_SECRET, repr=False)
    jwt_issuer: str = "shop"
    jwt_ttl_seconds: int = 3600
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    relay_batch_size: int = 100
    relay_interval_ms: int = 500
    jobs_poll_interval_ms: int = 1000
    jobs_lease_seconds: int = 300
    max_category_depth: int = 3
    coupon_timezone: str = "UTC"
    coupon_claim_batch: int = 200
    coupon_code_attempts: int = 10
    giftcard_keys: str | None = attrs.field(default=None, repr=False)
    """``SHOP_GIFTCARD_KEYS``: ``id:base64,...``; the first seals, all open (rotation). Unset:
    the key file below (created with a fresh key on first use); ``memory://`` uses a key that
    lives as long as the process."""
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

    @property
    def uses_dev_secret(self) -> bool:
        return self.jwt_secret == DEV_JWT_SECRET

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        default = {f.name: f.default for f in attrs.fields(cls)}
        broker = env.get("SHOP_BROKER", "memory")
        if broker not in ("memory", "rabbitmq"):
            raise InvalidValue(
                f"SHOP_BROKER must be 'memory' or 'rabbitmq', got {broker!r}",
                code="settings.invalid",
            )
        depth = _int(env, "SHOP_MAX_CATEGORY_DEPTH", 3)
        if not 1 <= depth <= 4:
            raise InvalidValue("SHOP_MAX_CATEGORY_DEPTH must be 1 to 4", code="settings.invalid")
        jobs_lease = _int(env, "SHOP_JOBS_LEASE_SECONDS", 300)
        if jobs_lease < 1:
            raise InvalidValue("SHOP_JOBS_LEASE_SECONDS must be positive", code="settings.invalid")
        zone = env.get("SHOP_COUPON_TIMEZONE", "UTC")
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidValue(
                f"SHOP_COUPON_TIMEZONE is not a known time zone: {zone!r}", code="settings.invalid"
            ) from exc
        claim_batch = _int(env, "SHOP_COUPON_CLAIM_BATCH", 200)
        code_attempts = _int(env, "SHOP_COUPON_CODE_ATTEMPTS", 10)
        if claim_batch < 1 or code_attempts < 1:
            raise InvalidValue(
                "SHOP_COUPON_CLAIM_BATCH and SHOP_COUPON_CODE_ATTEMPTS are at least 1",
                code="settings.invalid",
            )
        chunk = _int(env, "SHOP_GIFTCARD_CHUNK", 20_000)
        attempts = _int(env, "SHOP_GIFTCARD_ACTIVATION_ATTEMPTS", 5)
        if not 100 <= chunk <= 200_000 or attempts < 1:
            raise InvalidValue(
                "SHOP_GIFTCARD_CHUNK is 100..200000 and SHOP_GIFTCARD_ACTIVATION_ATTEMPTS at "
                "least 1",
                code="settings.invalid",
            )
        sms = env.get("SHOP_SMS", "file")
        if sms not in ("file", "memory"):
            raise InvalidValue(
                f"SHOP_SMS must be 'file' or 'memory', got {sms!r}", code="settings.invalid"
            )
        secret = env.get("SHOP_JWT_SECRET", DEV_JWT_SECRET)
        if len(secret) < 32:
            raise InvalidValue(
                "SHOP_JWT_SECRET must be at least 32 characters", code="settings.invalid"
            )
        return cls(
            database_url=env.get("SHOP_DATABASE_URL", default["database_url"]),
            database_pool_size=_int(env, "SHOP_DATABASE_POOL_SIZE", 10),
            database_pre_ping=env.get("SHOP_DATABASE_PRE_PING", "0") in ("1", "true", "yes"),
            broker=broker,  # type: ignore[arg-type]
            rabbitmq_url=env.get("SHOP_RABBITMQ_URL", default["rabbitmq_url"]),
            rabbitmq_exchange=env.get("SHOP_RABBITMQ_EXCHANGE", default["rabbitmq_exchange"]),
            jwt_secret=secret,
            jwt_issuer=env.get("SHOP_JWT_ISSUER", default["jwt_issuer"]),
            jwt_ttl_seconds=_int(env, "SHOP_JWT_TTL_SECONDS", 3600),
            http_host=env.get("SHOP_HTTP_HOST", default["http_host"]),
            http_port=_int(env, "SHOP_HTTP_PORT", 8000),
            relay_batch_size=_int(env, "SHOP_RELAY_BATCH_SIZE", 100),
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
        )
