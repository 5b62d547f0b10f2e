"""retention: the audit horizon, segment headers and the indexes the purges need

- ``audit_horizon`` (one row): audit entries before ``purged_before`` may be deleted, none
  after. The DELETE trigger of ``audit_log`` (migration 0003) now consults it, and triggers
  let the horizon only move forward, and never within 28 days of the database's own clock, so
  recent history cannot be rewritten even by SQL sent past the application (ADR 0020).
- ``coupon_segments``: when each staged segment began staging (existing segments count as
  staged now), so that retention can purge segments whose job finished or never came.
- Indexes on the time columns the purges select by (sent outbox rows, inbox, idempotency
  keys, limiter windows, code expiry), so a purge reads only what it deletes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 23:30:00
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shop_adapters.sql.metadata

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "audit_log is append-only"
FORWARD_ONLY = "the audit horizon only moves forward, and never within 28 days of now"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

POSTGRES_UPGRADE = [
    f"""
    CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND EXISTS (
            SELECT 1 FROM audit_horizon WHERE id = 1 AND OLD.at < purged_before
        ) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION '{APPEND_ONLY}';
    END;
    $$
    """,
    f"""
    CREATE FUNCTION audit_horizon_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id
            AND NEW.purged_before >= OLD.purged_before
            AND NEW.purged_before <= now() - interval '28 days' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{FORWARD_ONLY}';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_horizon_forward_only BEFORE UPDATE OR DELETE ON audit_horizon
    FOR EACH ROW EXECUTE FUNCTION audit_horizon_forward_only()
    """,
]
POSTGRES_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS audit_horizon_forward_only ON audit_horizon",
    "DROP FUNCTION IF EXISTS audit_horizon_forward_only()",
    f"""
    CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{APPEND_ONLY}';
    END;
    $$
    """,
]
# SQLite stores times as text ('YYYY-MM-DD HH:MM:SS.ffffff', UTC), which compares in order
SQLITE_UPGRADE = [
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
    f"""
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    WHEN NOT EXISTS (SELECT 1 FROM audit_horizon WHERE id = 1 AND OLD.at < purged_before)
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY}');
    END
    """,
    f"""
    CREATE TRIGGER audit_horizon_forward_only BEFORE UPDATE ON audit_horizon
    WHEN NEW.id IS NOT OLD.id
        OR NEW.purged_before < OLD.purged_before
        OR NEW.purged_before > datetime('now', '-28 days')
    BEGIN
        SELECT RAISE(ABORT, '{FORWARD_ONLY}');
    END
    """,
    f"""
    CREATE TRIGGER audit_horizon_no_delete BEFORE DELETE ON audit_horizon
    BEGIN
        SELECT RAISE(ABORT, '{FORWARD_ONLY}');
    END
    """,
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS audit_horizon_no_delete",
    "DROP TRIGGER IF EXISTS audit_horizon_forward_only",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
    f"""
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY}');
    END
    """,
]

# (table, index, columns, where)
PURGE_INDEXES = [
    ("outbox", "ix_outbox_sent", ["sent_at"], "sent_at IS NOT NULL"),
    ("inbox", "ix_inbox_handled_at", ["handled_at"], None),
    ("idempotency_keys", "ix_idempotency_keys_created_at", ["created_at"], None),
    ("rate_limits", "ix_rate_limits_window_start", ["window_start"], None),
    ("one_time_codes", "ix_one_time_codes_expires_at", ["expires_at"], None),
]


def _where(condition: str | None) -> dict[str, object]:
    if condition is None:
        return {}
    return {"postgresql_where": sa.text(condition), "sqlite_where": sa.text(condition)}


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    horizon = op.create_table(
        "audit_horizon",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "purged_before",
            shop_adapters.sql.metadata.UtcDateTime(timezone=True),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_horizon_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_horizon")),
    )
    op.bulk_insert(horizon, [{"id": 1, "purged_before": EPOCH}])

    segments = op.create_table(
        "coupon_segments",
        sa.Column("segment_id", sa.Uuid(), nullable=False),
        sa.Column(
            "staged_at", shop_adapters.sql.metadata.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("segment_id", name=op.f("pk_coupon_segments")),
    )
    with op.batch_alter_table("coupon_segments", schema=None) as batch_op:
        batch_op.create_index("ix_coupon_segments_staged_at", ["staged_at"], unique=False)
    members = sa.table("coupon_segment_members", sa.column("segment_id", sa.Uuid()))
    now = sa.literal(dt.datetime.now(dt.UTC), shop_adapters.sql.metadata.UtcDateTime())
    op.execute(
        segments.insert().from_select(
            ["segment_id", "staged_at"], sa.select(members.c.segment_id, now).distinct()
        )
    )

    for table, name, columns, where in PURGE_INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False, **_where(where))

    postgres = op.get_context().dialect.name == "postgresql"
    _run(POSTGRES_UPGRADE if postgres else SQLITE_UPGRADE)


def downgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    _run(POSTGRES_DOWNGRADE if postgres else SQLITE_DOWNGRADE)
    for table, name, _columns, where in reversed(PURGE_INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name, **_where(where))
    with op.batch_alter_table("coupon_segments", schema=None) as batch_op:
        batch_op.drop_index("ix_coupon_segments_staged_at")
    op.drop_table("coupon_segments")
    op.drop_table("audit_horizon")
