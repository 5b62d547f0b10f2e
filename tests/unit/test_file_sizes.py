"""Files that fit in a head: no source file passes 400 lines (migrations aside; DESIGN).

:data:`KNOWN_LONG` lists the files that still do and are being split elsewhere; the test fails
when one of them has come under the limit too, so that the list only ever shrinks.
"""

from __future__ import annotations

import pathlib

MAX_LINES = 400
SOURCES = pathlib.Path(__file__).resolve().parents[2] / "src"

KNOWN_LONG: frozenset[str] = frozenset()


def long_files(root: pathlib.Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if "migrations" not in path.relative_to(root).parts
        and len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    }


def test_no_source_file_passes_the_limit() -> None:
    new = sorted(long_files(SOURCES) - KNOWN_LONG)
    assert not new, f"over {MAX_LINES} lines, split by what the parts are about: {new}"


def test_the_known_long_files_are_still_long() -> None:
    gone = sorted(KNOWN_LONG - long_files(SOURCES))
    assert not gone, f"remove from KNOWN_LONG, they fit now: {gone}"


def test_the_count_sees_a_long_file(tmp_path: pathlib.Path) -> None:
    (tmp_path / "pkg" / "migrations").mkdir(parents=True)
    (tmp_path / "pkg" / "long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "pkg" / "short.py").write_text("x = 1\n" * MAX_LINES)
    (tmp_path / "pkg" / "migrations" / "0001.py").write_text("x = 1\n" * (MAX_LINES + 1))
    assert long_files(tmp_path) == {"pkg/long.py"}
