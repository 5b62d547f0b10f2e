"""A worker killed mid-job (``kill -9`` of ``shop giftcards create-batch``) does not leave its job
stuck: while its lease lasts, ``shop jobs run --job`` is refused with who holds it and when it
frees; once the lease is over (a few heartbeats missed), another worker takes it over and
finishes it exactly once — issue 9, finding 6. Real processes, a real SQLite file."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

CARDS = 20_000
LEASE_SECONDS = 10
SHOP = Path(sys.executable).with_name("shop")


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SHOP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}",
        "SHOP_JWT_SECRET": "job-takeover-test-secret-0123456789abcdef",
        "SHOP_GIFTCARD_KEY_FILE": str(tmp_path / "giftcard.keys"),
        "SHOP_EXPORT_DIR": str(tmp_path / "exports"),
        "SHOP_SMS": "memory",
        "SHOP_GIFTCARD_CHUNK": "100",
        "SHOP_JOBS_LEASE_SECONDS": str(LEASE_SECONDS),
    }


def _job(database: Path) -> sqlite3.Row | None:
    """The one job, or ``None`` while the database is not migrated yet."""
    with contextlib.closing(sqlite3.connect(database)) as conn:
        conn.row_factory = sqlite3.Row
        try:
            found: sqlite3.Row | None = conn.execute(
                "SELECT id, state, done, total, worker, lease_until, attempts FROM jobs"
            ).fetchone()
        except sqlite3.OperationalError:  # no such table (yet)
            return None
        return found


def _wait_for(check: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.rule("GC-1")
def test_a_killed_batch_is_taken_over_after_the_lease_and_written_once(tmp_path: Path) -> None:
    env = _env(tmp_path)
    database = tmp_path / "shop.db"
    writer = subprocess.Popen(
        [
            *(str(SHOP), "giftcards", "create-batch", "--name", "Killed"),
            *("--face-value", "100.00", "--count", str(CARDS), "--days", "30"),
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: database.exists() and (job := _job(database)) and job["done"] > 0, 60)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
    killed = _job(database)
    assert killed is not None
    assert killed["state"] == "running"
    assert killed["done"] < CARDS
    job_uuid = str(uuid.UUID(killed["id"]))

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SHOP), "jobs", "run", "--job", job_uuid],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    started = time.monotonic()
    refused = run()
    assert refused.returncode != 0
    assert "job.claimed" in refused.stderr
    assert killed["worker"] in refused.stderr
    assert " s)" in refused.stderr  # when it can resume

    # the dead worker no longer renews its lease: it frees within one lease
    _wait_for(lambda: run().returncode == 0, 2 * LEASE_SECONDS + 30)
    assert time.monotonic() - started < 2 * LEASE_SECONDS + 30

    done = _job(database)
    assert done is not None
    assert done["state"] == "succeeded"
    assert done["done"] == CARDS
    assert done["attempts"] == 2  # the killed run, then the one takeover
    with contextlib.closing(sqlite3.connect(database)) as conn:
        count, numbers = conn.execute(
            "SELECT count(*), count(DISTINCT number) FROM giftcards"
        ).fetchone()
    assert count == numbers == CARDS
