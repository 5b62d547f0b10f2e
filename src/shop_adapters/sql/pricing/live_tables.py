"""Tables that keep each process's live promotions current (ADR 0034), and the customer facts
promotions' audiences read until the membership context exists.

``promotion_feed`` holds one row whose ``seq`` moves on by one for every committed write of a
``promotions`` row, and ``promotion_changes`` the promotion each ``seq`` was for — written by
triggers, so every writer is covered (the unit of work, a bulk statement, another process, SQL
typed by hand), as the catalog's freshness stamp is (ADR 0026):

- PostgreSQL: a deferred constraint trigger per row runs at COMMIT and takes the feed row's
  lock, held until the commit is done. The numbers are therefore handed out in commit order:
  a reader that sees ``seq`` N sees every change numbered below N — no gap ever closes later,
  as one would in the outbox, whose ``position`` is taken at INSERT (a transaction that took
  position 10 may commit after the one that took 11). The lock is taken last, when every other
  lock of the transaction is held, so it cannot close a deadlock cycle. A TRUNCATE moves the
  number on without a change row: readers see the hole and load everything again.
- SQLite: a trigger per operation (one writer at a time: commit order is write order).

A missing feed row comes back at a random number, so that a number seen before never means
other data; changes older than :data:`KEPT_CHANGES` numbers are dropped as new ones come (a
reader that far behind sees the hole and loads everything again).

``pricing_customer_facts``: what operators set of a customer for audiences (PRO-2: new users,
member level, groups); a customer without a row is an ordinary one.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Integer,
    String,
    Table,
    Uuid,
    event,
)
from sqlalchemy.engine import Connection

from shop_adapters.sql.metadata import Json, UtcDateTime, metadata

FEED_ROW: Final = 1
KEPT_CHANGES: Final = 10_000

promotion_feed = Table(
    "promotion_feed",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
)
promotion_changes = Table(
    "promotion_changes",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("promotion_id", Uuid, nullable=False),
)
pricing_customer_facts = Table(
    "pricing_customer_facts",
    metadata,
    Column("user_id", String(200), primary_key=True),
    Column("new_user", Boolean, nullable=False),
    Column("member_level", Integer, nullable=False),
    Column("groups", Json(), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

_PG_RANDOM: Final = "floor(random() * 1e15)::bigint"
_SQLITE_RANDOM: Final = "abs(random() % 1000000000000000)"
_POSTGRES_FUNCTION: Final = f"""
    CREATE OR REPLACE FUNCTION promotion_feed_note() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        next_seq bigint;
    BEGIN
        INSERT INTO promotion_feed (id, seq) VALUES ({FEED_ROW}, {_PG_RANDOM})
        ON CONFLICT (id) DO UPDATE SET seq = promotion_feed.seq + 1
        RETURNING seq INTO next_seq;
        IF TG_OP = 'TRUNCATE' THEN
            RETURN NULL;
        END IF;
        INSERT INTO promotion_changes (seq, promotion_id)
        VALUES (next_seq, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
        DELETE FROM promotion_changes WHERE seq <= next_seq - {KEPT_CHANGES};
        RETURN NULL;
    END;
    $$
"""


def _sqlite_note(row: str) -> str:
    return (
        f"INSERT INTO promotion_feed (id, seq) VALUES ({FEED_ROW}, {_SQLITE_RANDOM}) "
        "ON CONFLICT (id) DO UPDATE SET seq = seq + 1; "
        "INSERT INTO promotion_changes (seq, promotion_id) "
        f"SELECT seq, {row}.id FROM promotion_feed WHERE id = {FEED_ROW}; "
        "DELETE FROM promotion_changes WHERE seq <= "
        f"(SELECT seq FROM promotion_feed WHERE id = {FEED_ROW}) - {KEPT_CHANGES};"
    )


def trigger_statements(dialect: str) -> list[str]:
    """The DDL that makes writes to ``promotions`` feed the live promotions (idempotent)."""
    if dialect == "postgresql":
        return [
            _POSTGRES_FUNCTION,
            "DROP TRIGGER IF EXISTS promotion_feed ON promotions",
            "CREATE CONSTRAINT TRIGGER promotion_feed AFTER INSERT OR UPDATE OR DELETE "
            "ON promotions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION promotion_feed_note()",
            "CREATE OR REPLACE TRIGGER promotion_feed_truncate AFTER TRUNCATE ON promotions "
            "FOR EACH STATEMENT EXECUTE FUNCTION promotion_feed_note()",
        ]
    statements = []
    for operation, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        name = f"promotion_feed_{operation.lower()}"
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {operation} ON promotions BEGIN {_sqlite_note(row)} END",
        ]
    return statements


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS promotion_feed ON promotions",
            "DROP TRIGGER IF EXISTS promotion_feed_truncate ON promotions",
            "DROP FUNCTION IF EXISTS promotion_feed_note()",
        ]
    return [f"DROP TRIGGER IF EXISTS promotion_feed_{op}" for op in ("insert", "update", "delete")]


def first_row_statement(dialect: str) -> str:
    random = _PG_RANDOM if dialect == "postgresql" else _SQLITE_RANDOM
    return (
        f"INSERT INTO promotion_feed (id, seq) VALUES ({FEED_ROW}, {random}) "
        "ON CONFLICT (id) DO NOTHING"
    )


@event.listens_for(metadata, "after_create")
def _on_create(target: Any, connection: Connection, **kw: Any) -> None:
    """A schema made by ``metadata.create_all`` (``memory://``) gets the triggers too."""
    if promotion_feed not in kw.get("tables", ()):
        return
    dialect = connection.dialect.name
    for statement in [*trigger_statements(dialect), first_row_statement(dialect)]:
        connection.exec_driver_sql(statement)


__all__ = [
    "KEPT_CHANGES",
    "drop_statements",
    "first_row_statement",
    "pricing_customer_facts",
    "promotion_changes",
    "promotion_feed",
    "trigger_statements",
]
