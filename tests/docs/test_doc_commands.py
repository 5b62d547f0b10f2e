"""The commands the guides show are the commands the shop accepts (finding 7 of issue 9).

Every fenced ``sh``/``bash`` and ``python`` block of ``README.md`` and ``docs/*.md`` is checked:

- each ``shop …`` (or ``.venv/bin/shop …``) command line is parsed by the real click
  command; the ones that are safe to run (no ``<placeholder>``, not a server) really run,
  against a temporary SQLite database in a temporary working directory, and must succeed;
- each ``curl`` line must name a route of the OpenAPI document, with the right method;
- each ``python`` block that is a complete program runs;
- each ``python`` block that is a user's test file (it defines ``test_…`` functions or ``Test…``
  classes) passes when pytest runs it in a project of its own, with the kit's plugin loaded by
  its entry point as in a user's run; a block whose first line is ``# conftest.py`` is that
  project's ``conftest.py`` for the test blocks after it in the same guide.

A block that cannot be checked says so in the markdown, visibly: an HTML comment
``<!-- not-tested: reason -->`` on the line before it. A block with nothing to check and no such
comment fails, so that nothing is skipped silently. Inline ``shop …`` code spans are checked too:
every ``--option`` they name must exist on that command.
"""

from __future__ import annotations

import re
import runpy
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import click
import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from shop_adapters.bootstrap import bootstrap
from shop_adapters.cli import main
from shop_adapters.http import create_app
from shop_adapters.http.catalog import CATALOG_CONTROLLERS
from shop_adapters.http.coupons import COUPON_CONTROLLERS
from shop_adapters.http.giftcards import GIFTCARD_CONTROLLERS
from shop_adapters.http.pricing import PRICING_CONTROLLERS
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
GUIDES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)
NOT_TESTED = re.compile(r"<!--\s*not-tested:\s*(\S.*?)\s*-->\s*$")
INLINE = re.compile(r"`((?:\.venv/bin/)?shop [^`]+)`")
SHOP = re.compile(r"(?:^|\$\(|\()(?:\.venv/bin/)?shop$")
CURL = re.compile(r"(?:^|\$\(|\()curl$")
SEPARATORS = {"|", "||", "&", "&&", ";"}
PLACEHOLDER = re.compile(r"<[^>]+>|…")
LONG_RUNNING = {("serve",), ("relay",), ("jobs", "run")}
"""Commands that run until stopped: parsed only (``--once`` makes the last two finish)."""
HOSTS = re.compile(r"^(?:https?://)?(?:\$API|\$\{API\}|localhost:8000|127\.0\.0\.1:8000)")
VALUE_FLAGS = {"-H", "-d", "-X", "-o", "-u", "--data", "--data-binary", "--data-raw", "-T"}


@attrs.frozen
class Block:
    guide: Path
    line: int
    language: str
    text: str
    not_tested: str | None

    @property
    def name(self) -> str:
        return f"{self.guide.relative_to(ROOT)}:{self.line}"


def _blocks() -> Iterator[Block]:
    for guide in GUIDES:
        source = guide.read_text(encoding="utf-8")
        for match in FENCE.finditer(source):
            language = match.group(1)
            if language not in ("sh", "bash", "python"):
                continue
            before = source[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            reason = NOT_TESTED.search(before)
            line = source.count("\n", 0, match.start()) + 1
            text = match.group(2)
            yield Block(guide, line, language, text, reason.group(1) if reason else None)


BLOCKS = list(_blocks())
SHELL = [b for b in BLOCKS if b.language in ("sh", "bash")]
PYTHON = [b for b in BLOCKS if b.language == "python"]
USER_TESTS = re.compile(r"^(?:async )?def test_|^class Test|^Test\w* = ", re.M)
CONFTEST = "# conftest.py\n"


def _logical_lines(text: str) -> Iterator[list[str]]:
    """The block's commands as shell words: continuation lines joined, a quoted string that
    spans lines kept whole, comments dropped."""
    pending = ""
    for raw in text.replace("\\\n", " ").splitlines():
        pending = f"{pending}\n{raw}" if pending else raw
        try:
            words = shlex.split(pending, comments=True)
        except ValueError:  # an open quote: the string goes on on the next line
            continue
        pending = ""
        if words:
            yield words


def _invocations(words: list[str], program: re.Pattern[str]) -> Iterator[list[str]]:
    for i, word in enumerate(words):
        if not program.search(word):
            continue
        args: list[str] = []
        for arg in words[i + 1 :]:
            if arg in SEPARATORS:
                break
            if arg.endswith(")") and "(" not in arg:  # the end of a $( … )
                args.append(arg[:-1])
                break
            args.append(arg)
        yield args


def shop_commands(block: Block) -> list[list[str]]:
    return [args for words in _logical_lines(block.text) for args in _invocations(words, SHOP)]


def curl_commands(block: Block) -> list[list[str]]:
    return [args for words in _logical_lines(block.text) for args in _invocations(words, CURL)]


# --- shop command lines -----------------------------------------------------------------------


def resolve(args: list[str]) -> tuple[tuple[str, ...], click.Command]:
    """The subcommand path and the command that ``args`` name."""
    command: click.Command = main
    path: list[str] = []
    rest = list(args)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        sub = command.get_command(click.Context(command), rest[0])
        assert sub is not None, f"`shop {' '.join(path + rest[:1])}`: no such command"
        path.append(rest.pop(0))
        command = sub
    return tuple(path), command


def parse(args: list[str]) -> None:
    """Parse ``args`` as ``shop`` would, without running anything. A value click refuses
    only because it is a placeholder or names an example file is accepted; an unknown option,
    a missing argument or an extra one is not."""
    context = main.make_context("shop", list(args))
    parent = context
    command: click.Command = main
    rest = [*context._protected_args, *context.args]
    while isinstance(command, click.Group) and rest:
        name, sub, rest = command.resolve_command(parent, rest)
        assert sub is not None
        assert name is not None
        try:
            parent = sub.make_context(name, list(rest), parent=parent)
        except click.BadParameter as exc:
            example = isinstance(exc.param and exc.param.type, click.Path)
            if not example and not any(PLACEHOLDER.search(a) for a in rest):
                raise
            return
        command = sub
        rest = [*parent._protected_args, *parent.args] if isinstance(sub, click.Group) else []


def runnable(args: list[str]) -> bool:
    path, _ = resolve(args)
    if any(PLACEHOLDER.search(a) for a in args):
        return False
    return path not in LONG_RUNNING or "--once" in args


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A temporary working directory with its own SQLite database: what a guide's commands
    may change."""
    monkeypatch.chdir(tmp_path)
    return {"SHOP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'var' / 'shop.db'}"}


@pytest.mark.parametrize("block", SHELL, ids=lambda b: b.name)
def test_shell_blocks_commands_are_accepted(block: Block, workdir: dict[str, str]) -> None:
    if block.not_tested:
        pytest.skip(f"marked not-tested: {block.not_tested}")
    commands, curls = shop_commands(block), curl_commands(block)
    assert commands or curls, (
        f"{block.name}: nothing here can be checked; mark the block with "
        "<!-- not-tested: reason --> on the line before it"
    )
    runner = CliRunner(env=workdir)
    for args in commands:
        parse(args)
        if runnable(args):
            result = runner.invoke(main, args, catch_exceptions=False)
            assert result.exit_code == 0, f"`shop {shlex.join(args)}` failed:\n{result.output}"


# --- curl lines -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    exports = tmp_path_factory.mktemp("exports")
    settings = Settings(
        database_url="memory://", sms="memory", sections=[GiftCardSettings(export_dir=str(exports))]
    )
    app = create_app(
        bootstrap(settings),
        [*CATALOG_CONTROLLERS, *COUPON_CONTROLLERS, *GIFTCARD_CONTROLLERS, *PRICING_CONTROLLERS],
    )
    with TestClient(app) as client:
        paths: dict[str, Any] = client.get("/schema/openapi.json").json()["paths"]
    return paths


def request_of(args: list[str]) -> tuple[str, str] | None:
    """``(method, path)`` of a curl command line, or ``None`` if it names no URL of ours."""
    method, data, url = None, False, None
    words = iter(args)
    for word in words:
        if word in ("-X", "--request"):
            method = next(words)
        elif word in VALUE_FLAGS:
            data = data or word.startswith(("-d", "--data"))
            next(words, None)
        elif HOSTS.match(word) and url is None:
            url = HOSTS.sub("", word)
    if url is None:
        return None
    return (method or ("POST" if data else "GET")).lower(), url.split("?", 1)[0]


def route_matches(template: str, path: str) -> bool:
    want, have = template.strip("/").split("/"), path.strip("/").split("/")
    if len(want) != len(have):
        return False
    for expected, given in zip(want, have, strict=True):
        variable = given.startswith("$") or PLACEHOLDER.fullmatch(given)
        if expected.startswith("{"):
            continue
        if variable or expected != given:
            return False
    return True


@pytest.mark.parametrize("block", [b for b in SHELL if curl_commands(b)], ids=lambda b: b.name)
def test_curl_lines_name_real_routes(block: Block, routes: dict[str, Any]) -> None:
    if block.not_tested:
        pytest.skip(f"marked not-tested: {block.not_tested}")
    for args in curl_commands(block):
        request = request_of(args)
        assert request is not None, f"{block.name}: `curl {shlex.join(args)}` names no URL"
        method, path = request
        found = [t for t in routes if route_matches(t, path)]
        assert found, f"{block.name}: no route {path}"
        assert any(method in routes[t] for t in found), (
            f"{block.name}: {path} answers {sorted(m for t in found for m in routes[t])}, "
            f"not {method.upper()}"
        )


# --- python programs --------------------------------------------------------------------------


def _is_conftest(block: Block) -> bool:
    return block.text.startswith(CONFTEST)


PROGRAMS = [b for b in PYTHON if not USER_TESTS.search(b.text) and not _is_conftest(b)]
TEST_FILES = [b for b in PYTHON if USER_TESTS.search(b.text) and not b.not_tested]


def _conftest_before(block: Block) -> str | None:
    """The last ``# conftest.py`` block of ``block``'s guide before it."""
    earlier = [b for b in PYTHON if b.guide == block.guide and b.line < block.line]
    found = [b for b in earlier if _is_conftest(b)]
    return found[-1].text if found else None


@pytest.mark.parametrize("block", TEST_FILES, ids=lambda b: b.name)
def test_python_test_files_pass(block: Block, pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    conftest = _conftest_before(block)
    if conftest is not None:
        pytester.makeconftest(conftest)
    pytester.makepyfile(test_from_the_guide=block.text)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    report = f"{block.name}: the guide's test file does not pass:\n{result.stdout.str()[-3000:]}"
    assert result.ret == 0, report
    assert result.parseoutcomes().get("passed", 0) > 0, report


@pytest.mark.parametrize("block", PROGRAMS, ids=lambda b: b.name)
def test_python_programs_run(block: Block, workdir: dict[str, str]) -> None:
    if block.not_tested:
        pytest.skip(f"marked not-tested: {block.not_tested}")
    assert "asyncio.run(" in block.text or "__main__" in block.text, (
        f"{block.name} is not a complete program; mark it <!-- not-tested: reason -->"
    )
    script = Path("example.py")
    script.write_text(block.text, encoding="utf-8")
    runpy.run_path(str(script), run_name="__main__")


# --- inline code spans ------------------------------------------------------------------------


def _inline_commands() -> Iterator[tuple[str, list[str]]]:
    for guide in GUIDES:
        for number, line in enumerate(guide.read_text(encoding="utf-8").splitlines(), start=1):
            for span in INLINE.findall(line):
                words = [w for w in re.split(r"[\s\[\]()|\\·]+", span) if w and w != "…"]
                yield f"{guide.relative_to(ROOT)}:{number}", words[1:]


@pytest.mark.parametrize(("where", "args"), list(_inline_commands()), ids=lambda v: str(v))
def test_inline_commands_name_real_options(where: str, args: list[str]) -> None:
    path, command = resolve(args)
    known = {name for p in command.params for name in getattr(p, "opts", [])}
    known |= {name for p in command.params for name in getattr(p, "secondary_opts", [])}
    known |= {"--help"}
    for word in args[len(path) :]:
        if word.startswith("--"):
            option = word.split("=", 1)[0]
            assert option in known, f"{where}: `shop {' '.join(path)}` has no option {option}"
