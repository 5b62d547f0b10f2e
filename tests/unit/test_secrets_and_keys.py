"""No secret is a constant in the code; secret files are private; the CLI and the service agree
through them; a memory runtime keeps working; ``shop giftcards reseal`` re-seals with progress
(SEC-1, SEC-3, GC-11)."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from shop_adapters.bootstrap import bootstrap
from shop_adapters.cli import main
from shop_adapters.http import create_app
from shop_adapters.settings import Settings
from shop_adapters.shared.crypto import new_key_spec, parse_keys
from shop_adapters.shared.jwt_secret import resolve_jwt_secret
from shop_adapters.shared.secret_files import InsecureSecretFile, load_or_create_private_file
from shop_adapters.sql.engine import upgrade
from shop_app.giftcards.reseal import RESEAL_CARDS
from shop_app.giftcards.services import GiftCardServices
from shop_app.shared.jobs import JobState

SRC = Path(__file__).resolve().parents[2] / "src"
OLD_DEV_SECRET = "shop-development-secret-change-me-0123456789abcdef"  # the constant 0.x shipped


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite+aiosqlite:///{tmp_path}/shop.db"
    upgrade(url)
    return {
        "SHOP_DATABASE_URL": url,
        "SHOP_JWT_SECRET_FILE": str(tmp_path / "var" / "jwt.secret"),
        "SHOP_GIFTCARD_KEY_FILE": str(tmp_path / "var" / "giftcard.keys"),
        "SHOP_SMS": "memory",
        "SHOP_EXPORT_DIR": str(tmp_path / "exports"),
    }


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _text(path: Path) -> str:
    return path.read_text().strip()


# --- the JWT secret (SEC-1) -------------------------------------------------------------------


@pytest.mark.rule("SEC-1")
def test_no_secret_is_a_constant_in_the_code() -> None:
    found = subprocess.run(
        ["grep", "-rn", "-e", OLD_DEV_SECRET, "-e", "DEV_JWT_SECRET", str(SRC)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.stdout == ""


@pytest.mark.rule("SEC-1")
def test_no_secret_file_or_key_is_tracked_by_git() -> None:
    """A key file a local run made (``var/giftcard.keys``, ``var/jwt.secret``) or a key spec
    pasted into a file must never be committed: a benchmark's key file once was."""
    root = SRC.parent
    if not (root / ".git").exists():
        pytest.skip("not a git checkout: nothing is tracked")
    tracked = subprocess.run(
        ["git", "-C", str(root), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert [
        name
        for name in tracked
        if "var/" in name or name.endswith((".keys", ".secret", ".pem", ".key"))
    ] == []
    pasted = subprocess.run(
        ["git", "-C", str(root), "grep", "-lE", r"k[0-9a-f]{16}:[A-Za-z0-9_-]{43}="],
        capture_output=True,
        text=True,
        check=False,
    )
    assert pasted.stdout == ""


@pytest.mark.rule("SEC-1")
async def test_a_token_signed_with_the_old_development_secret_is_refused(
    env: dict[str, str],
) -> None:
    settings = Settings.from_env(env)
    runtime = bootstrap(settings)
    forged = jwt.encode(
        {
            "sub": "mallory",
            "kind": "operator",
            "perms": ["*"],
            "iss": "shop",
            "iat": 1,
            "exp": 4_000_000_000,
        },
        OLD_DEV_SECRET,
        algorithm="HS256",
    )
    async with AsyncTestClient(create_app(runtime, owns_runtime=True)) as client:
        response = await client.get("/jobs", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


@pytest.mark.rule("SEC-1")
async def test_shop_token_and_the_service_agree_through_a_private_file(
    env: dict[str, str],
) -> None:
    printed = CliRunner().invoke(main, ["token", "alice", "--operator", "--perm", "*"], env=env)
    assert printed.exit_code == 0, printed.output
    secret_file = Path(env["SHOP_JWT_SECRET_FILE"])
    assert _mode(secret_file) == 0o600
    assert _mode(secret_file.parent) == 0o700
    assert len(_text(secret_file)) >= 32
    runtime = bootstrap(Settings.from_env(env))
    async with AsyncTestClient(create_app(runtime, owns_runtime=True)) as client:
        headers = {"Authorization": f"Bearer {printed.output.strip()}"}
        assert (await client.get("/jobs", headers=headers)).status_code == 200
    # the same file again: the same secret, said to be existing
    again = resolve_jwt_secret(Settings.from_env(env))
    assert again.source == f"file {secret_file} (existing)"
    assert again.value == _text(secret_file)
    assert again.value not in repr(again)


@pytest.mark.rule("SEC-1")
def test_the_secret_source_is_named(tmp_path: Path) -> None:
    file = tmp_path / "jwt.secret"
    made = resolve_jwt_secret(Settings(jwt_secret_file=str(file)))
    assert made.source == f"file {file} (generated now)"
    given = resolve_jwt_secret(Settings(jwt_secret="x" * 40))
    assert given.source == "environment (SHOP_JWT_SECRET)"
    memory = resolve_jwt_secret(Settings(database_url="memory://"))
    assert memory.source == "per-process random secret (memory://)"
    assert memory.value == resolve_jwt_secret(Settings(database_url="memory://")).value
    assert memory.value not in (made.value, OLD_DEV_SECRET)


@pytest.mark.rule("SEC-1")
def test_an_open_jwt_secret_file_is_refused_with_the_fix(env: dict[str, str]) -> None:
    path = Path(env["SHOP_JWT_SECRET_FILE"])
    load_or_create_private_file(path, lambda: "s" * 43)
    path.chmod(0o640)
    result = CliRunner().invoke(main, ["token", "alice"], env=env)
    assert result.exit_code != 0
    assert f"chmod 600 {path}" in result.output
    assert "s" * 43 not in result.output  # never the secret itself (SEC-3)


# --- the gift-card key file (GC-11) -----------------------------------------------------------


@pytest.mark.rule("GC-11")
def test_a_group_readable_key_file_refuses_the_start(env: dict[str, str]) -> None:
    path = Path(env["SHOP_GIFTCARD_KEY_FILE"])
    load_or_create_private_file(path, new_key_spec)
    path.chmod(0o644)
    result = CliRunner().invoke(main, ["jobs", "run", "--once"], env=env)
    assert result.exit_code != 0
    assert "shop cannot start" in result.output
    assert f"chmod 600 {path}" in result.output
    with pytest.raises(InsecureSecretFile):
        load_or_create_private_file(path, new_key_spec)


@pytest.mark.rule("GC-11")
def test_generated_key_ids_are_unique() -> None:
    ids = {parse_keys(new_key_spec())[1] for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"k[0-9a-f]{16}", key_id) for key_id in ids)


@pytest.mark.rule("GC-11")
async def test_a_memory_runtime_keeps_working_and_reseals() -> None:
    runtime = bootstrap(Settings(database_url="memory://", sms="memory"))
    try:
        generator = runtime.get(GiftCardServices).generator
        generator.chunk(1, "")  # usable before start (nothing stored yet)
        await runtime.start()
        await runtime.start()  # once is enough; again is harmless
        job = await runtime.job_runner.submit(RESEAL_CARDS, {}, created_by="test")
        done = await runtime.job_runner.run_inline(job, "test")
        assert done.state is JobState.SUCCEEDED
        assert done.result == {"resealed": 0, "key_id": done.result["key_id"], "sealed_by": {}}
    finally:
        await runtime.close()


@pytest.mark.rule("GC-11")
@pytest.mark.rule("SEC-3")
def test_the_reseal_command_shows_progress_and_what_each_key_seals(env: dict[str, str]) -> None:
    old, new = new_key_spec(), new_key_spec()
    old_id, new_id = parse_keys(old)[1], parse_keys(new)[1]
    runner = CliRunner()
    made = runner.invoke(
        main,
        [
            "giftcards",
            "create-batch",
            "--name",
            "R",
            "--kind",
            "virtual",
            "--face-value",
            "5.00",
            "--count",
            "30",
            "--days",
            "30",
        ],
        env={**env, "SHOP_GIFTCARD_KEYS": old},
    )
    assert made.exit_code == 0, made.output
    refused = runner.invoke(main, ["giftcards", "reseal"], env={**env, "SHOP_GIFTCARD_KEYS": new})
    assert refused.exit_code != 0
    assert old_id in refused.output
    rotated = {**env, "SHOP_GIFTCARD_KEYS": f"{new},{old}"}
    result = runner.invoke(main, ["giftcards", "reseal"], env=rotated)
    assert result.exit_code == 0, result.output
    assert "re-sealing cards" in result.output
    assert f"key {new_id}: 30 card(s), the current key" in result.output
    assert f"key {old_id}: 0 card(s), seals nothing now" in result.output
    # the old key has left the ring: the shop starts without it
    final = runner.invoke(main, ["jobs", "run", "--once"], env={**env, "SHOP_GIFTCARD_KEYS": new})
    assert final.exit_code == 0, final.output
