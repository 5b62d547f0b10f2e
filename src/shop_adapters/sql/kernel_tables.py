"""Tables of the shared kernel's stores: background jobs, the attempt limiter and the audit log."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
)

from shop_adapters.sql.metadata import Json, UtcDateTime, metadata

# One row per job; every change is a short transaction of its own (see shop_app.shared.jobs).
# ``lease_seconds`` is the length of the current lease, so that progress can renew it.
jobs = Table(
    "jobs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(100), nullable=False),
    Column("state", String(20), nullable=False),
    Column("params", Json, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("done", BigInteger, nullable=False),
    Column("result", Json, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("worker", String(200), nullable=True),
    Column("lease_until", UtcDateTime, nullable=True),
    Column("lease_seconds", Integer, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')", name="state"),
    CheckConstraint("total >= 0 AND done >= 0", name="progress"),
)
# the claimers' scan (oldest first among queued and running jobs) and the operators' list
Index("ix_jobs_state_created", jobs.c.state, jobs.c.created_at)
Index("ix_jobs_kind_created", jobs.c.kind, jobs.c.created_at)

# One row per (scope, subject): failures in the window that opened at ``window_start``, and the
# end of the lock-out once tripped (see shop_app.shared.ratelimit).
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("scope", String(100), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("window_start", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("scope", "subject"),
)
Index("ix_rate_limits_window_start", rate_limits.c.window_start)  # the retention purge

# Append-only (SEC-2): the application only inserts, and triggers refuse UPDATE, and DELETE of
# anything at or after the audit horizon that only the retention purge moves (migrations 0003
# and 0008; shop_adapters.sql.retention).
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_kind", String(20), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(200), nullable=False),
    Column("target", String(200), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("detail", Json, nullable=False),
)
Index("ix_audit_log_at", audit_log.c.at)
Index("ix_audit_log_actor_at", audit_log.c.actor, audit_log.c.at)
Index("ix_audit_log_action_at", audit_log.c.action, audit_log.c.at)
Index("ix_audit_log_target_at", audit_log.c.target, audit_log.c.at)
