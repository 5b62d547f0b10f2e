"""``shop db …``: the database schema (Alembic migrations are the only way it changes)."""

from __future__ import annotations

import click

from shop_adapters.cli.support import console, safe_url, settings_from_env
from shop_adapters.settings import MEMORY_URL
from shop_adapters.sql import engine as sql_engine


@click.group()
def db() -> None:
    """Database schema (Alembic migrations are the only way it changes)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database at SHOP_DATABASE_URL to REVISION (default: head)."""
    settings = settings_from_env()
    if settings.database_url == MEMORY_URL:
        console.print("memory:// needs no migration")
        return
    sql_engine.upgrade(settings.database_url, revision)
    console.print(f"database at {safe_url(settings)} is at {revision}")


@db.command("check")
def db_check() -> None:
    """Fail if the models and the migrations differ (``alembic check``)."""
    sql_engine.check(settings_from_env().database_url)
    console.print("no drift between the models and the migrations")
