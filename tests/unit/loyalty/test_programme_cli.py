"""``shop points programme show`` / ``set`` against a real SQLite file (PTS-1): the programme
printed as JSON, edited and set back as the next revision; a file made from a revision that is
no longer in force, or saying a rule the programme refuses, changes nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from shop_adapters.cli import main
from shop_adapters.sql.engine import upgrade

pytestmark = pytest.mark.rule("PTS-1")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite+aiosqlite:///{tmp_path}/shop.db"
    upgrade(url)
    return {"SHOP_DATABASE_URL": url, "SHOP_MIGRATE_ON_START": "0"}


def show(runner: CliRunner, env: dict[str, str]) -> dict[str, object]:
    shown = runner.invoke(main, ["points", "programme", "show"], env=env)
    assert shown.exit_code == 0, shown.output
    body: dict[str, object] = json.loads(shown.output)
    return body


def test_the_programme_is_shown_edited_and_set_as_the_next_revision(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner = CliRunner()
    shown = show(runner, env)
    assert (shown["revision"], shown["changed_by"]) == (0, "installation")
    edited = json.loads(json.dumps(shown))
    edited["programme"]["checkout"]["max_share"] = "0.25"
    file = tmp_path / "programme.json"
    file.write_text(json.dumps(edited), encoding="utf-8")
    args = ["points", "programme", "set", str(file), "--reason", "cap at a quarter"]
    done = runner.invoke(main, [*args, "--by", "ops-lead"], env=env)
    assert done.exit_code == 0, done.output
    assert "revision 1" in done.output
    now = show(runner, env)
    assert (now["revision"], now["changed_by"], now["reason"]) == (
        1,
        "ops-lead",
        "cap at a quarter",
    )
    assert now["programme"] == edited["programme"]

    again = runner.invoke(main, args, env=env)  # the file still says revision 0
    assert again.exit_code == 1
    assert "points.programme_conflict" in again.output
    edited["programme"]["levels"]["window_months"] = 0
    file.write_text(json.dumps(edited), encoding="utf-8")
    refused = runner.invoke(main, [*args, "--revision", "1"], env=env)
    assert refused.exit_code == 1
    assert "points.invalid_programme" in refused.output
    assert "levels" in refused.output
    file.write_text("{not json", encoding="utf-8")
    assert runner.invoke(main, args, env=env).exit_code == 1
    file.write_text(json.dumps(edited["programme"]), encoding="utf-8")  # no revision in it
    unsaid = runner.invoke(main, args, env=env)
    assert unsaid.exit_code == 2
    assert "--revision" in unsaid.output
    assert show(runner, env)["revision"] == 1


def test_the_programmes_revisions_refuse_update_and_delete(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Kept in the database itself: a revision cannot be rewritten past the application."""
    runner = CliRunner()
    shown = show(runner, env)
    edited = json.loads(json.dumps(shown))
    edited["programme"]["shortfall"] = "negative"
    file = tmp_path / "programme.json"
    file.write_text(json.dumps(edited), encoding="utf-8")
    args = ["points", "programme", "set", str(file), "--reason", "owe points"]
    assert runner.invoke(main, args, env=env).exit_code == 0
    path = env["SHOP_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as db:
        for statement in (
            "UPDATE loyalty_programme_revisions SET reason = 'nothing'",
            "DELETE FROM loyalty_programme_revisions",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)
        assert db.execute("SELECT reason FROM loyalty_programme_revisions").fetchall() == [
            ("owe points",)
        ]
