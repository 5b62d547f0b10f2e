"""Append-only tables in the database itself: triggers that refuse UPDATE and DELETE, on
PostgreSQL (one function and trigger per table) and SQLite (a trigger per verb). Migrations
call these with their dialect, so a history written by the application cannot be rewritten by
a bug or a hand-typed statement either (TRUNCATE, an administrator's tool, is not affected on
PostgreSQL)."""

from __future__ import annotations


def append_only(table: str, *, postgres: bool) -> list[str]:
    """The statements that make ``table`` append-only."""
    if postgres:
        return [
            f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{table} is append-only';
            END;
            $$
            """,
            f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_append_only()
            """,
        ]
    return [
        f"""
        CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
        BEGIN
            SELECT RAISE(ABORT, '{table} is append-only');
        END
        """
        for verb in ("UPDATE", "DELETE")
    ]


def no_longer_append_only(table: str, *, postgres: bool) -> list[str]:
    """What :func:`append_only` made, dropped (SQLite drops a table's triggers with it)."""
    if not postgres:
        return []
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"DROP FUNCTION IF EXISTS {table}_append_only()",
    ]


__all__ = ["append_only", "no_longer_append_only"]
