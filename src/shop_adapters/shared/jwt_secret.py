"""Where the JWT signing secret comes from — never from a constant in the code (SEC-1).

In order: ``SHOP_JWT_SECRET`` (``settings.jwt_secret``; production sets it); for ``memory://``, a
random secret made once per process (embedders' tests: tokens minted and checked in the same
process agree, and nothing outside the process can sign); otherwise the private file
``SHOP_JWT_SECRET_FILE`` (default ``./var/jwt.secret``, beside the default database), made with
``secrets`` on first use. ``shop token`` and ``shop serve`` read the same file, so a token the one
prints is accepted by the other.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import attrs

from shop_adapters.settings import MEMORY_URL, MIN_JWT_SECRET_LENGTH, Settings
from shop_adapters.shared.secret_files import load_or_create_private_file

_process_secret: str | None = None


@attrs.frozen(repr=False)
class JwtSecret:
    value: str
    source: str
    """Said at start-up: ``environment (SHOP_JWT_SECRET)``, ``file ... (generated now)``,
    ``file ... (existing)`` or ``per-process random secret (memory://)``."""

    def __repr__(self) -> str:
        return f"JwtSecret(source={self.source!r}, <secret>)"


def new_jwt_secret() -> str:
    """256 bits from the operating system's cryptographic source, url-safe text."""
    return secrets.token_urlsafe(32)


def _per_process() -> str:
    global _process_secret
    if _process_secret is None:
        _process_secret = new_jwt_secret()
    return _process_secret


def resolve_jwt_secret(settings: Settings) -> JwtSecret:
    """The secret ``settings`` sign and check tokens with, and where it came from."""
    if settings.jwt_secret is not None:
        return JwtSecret(settings.jwt_secret, "environment (SHOP_JWT_SECRET)")
    if settings.database_url == MEMORY_URL:
        return JwtSecret(_per_process(), "per-process random secret (memory://)")
    path = Path(settings.jwt_secret_file)
    value, created = load_or_create_private_file(path, new_jwt_secret)
    if len(value) < MIN_JWT_SECRET_LENGTH:
        raise ValueError(
            f"the JWT secret file {path} holds fewer than {MIN_JWT_SECRET_LENGTH} characters"
        )
    return JwtSecret(value, f"file {path} ({'generated now' if created else 'existing'})")


def jwt_secret_of(settings: Settings) -> str:
    """Just the secret (what signing and checking need)."""
    return resolve_jwt_secret(settings).value


def with_jwt_secret(settings: Settings) -> tuple[Settings, JwtSecret]:
    """``settings`` with the secret resolved once (the file read once per process start)."""
    found = resolve_jwt_secret(settings)
    return attrs.evolve(settings, jwt_secret=found.value), found
