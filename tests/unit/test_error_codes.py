"""Error codes are defined once (DESIGN: "each is defined once, an error class or a constant,
never repeated as a string literal").

Two scans over the sources of each package in :data:`PACKAGES`:

- no call passes ``code=`` a string literal (``InvalidValue("...", code="catalog.x")``): the
  code belongs to an error class (or a constant) that the call raises or names;
- no two classes assign the same literal to ``code`` (an error class and a business rule that
  both spell ``giftcard.key_required``): the second one refers to the first.

To hold another package to the same rule, add it to :data:`PACKAGES`, with what it still has to
convert in its allow-list (the allow-list of ``shop_domain`` stays empty).
"""

from __future__ import annotations

import ast
import collections
import importlib.util
import pathlib

import pytest

# package name -> inline literals still tolerated there, as (path in the package, code) pairs
PACKAGES: dict[str, frozenset[tuple[str, str]]] = {
    "shop_domain": frozenset(),
    "shop_app": frozenset(),
}


def _package_dir(package: str) -> pathlib.Path:
    spec = importlib.util.find_spec(package)
    assert spec is not None, package
    assert spec.submodule_search_locations, package
    return pathlib.Path(next(iter(spec.submodule_search_locations)))


def _sources(package: str) -> list[tuple[str, ast.Module]]:
    root = _package_dir(package)
    return [
        (path.relative_to(root).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(root.rglob("*.py"))
    ]


def _string(node: ast.expr | None) -> str | None:
    """The text of a string literal (an f-string counts, with its holes shown as ``{}``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def inline_codes(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, code) of every call that passes ``code=`` a string literal."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                text = _string(keyword.value) if keyword.arg == "code" else None
                if text is not None:
                    found.append((node.lineno, text))
    return sorted(found)


def class_codes(tree: ast.Module) -> list[tuple[str, str]]:
    """(class name, code) of every class body that assigns a string literal to ``code``."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            if isinstance(statement, ast.Assign):
                targets, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign):
                targets, value = [statement.target], statement.value
            else:
                continue
            text = _string(value)
            if text is not None and any(
                isinstance(t, ast.Name) and t.id == "code" for t in targets
            ):
                found.append((node.name, text))
    return found


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_error_code_is_passed_as_a_literal(package: str) -> None:
    allowed = PACKAGES[package]
    found = [
        (path, line, code) for path, tree in _sources(package) for line, code in inline_codes(tree)
    ]
    offending = [
        f"{package}/{path}:{line}: code={code!r}"
        for path, line, code in found
        if (path, code) not in allowed
    ]
    assert not offending, "raise an error class (or use a constant) instead of:\n" + "\n".join(
        offending
    )
    stale = sorted(allowed - {(path, code) for path, _, code in found})
    assert not stale, f"allow-list entries no longer needed in {package}: {stale}"


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_each_code_is_defined_by_one_class(package: str) -> None:
    owners: dict[str, list[str]] = collections.defaultdict(list)
    for path, tree in _sources(package):
        for class_name, code in class_codes(tree):
            owners[code].append(f"{path}:{class_name}")
    repeated = {code: where for code, where in owners.items() if len(where) > 1}
    assert not repeated, f"codes defined more than once (refer to the first): {repeated}"


def test_the_domain_defines_its_codes() -> None:
    """The scan sees the classes it is meant to see (a scan that found nothing would pass)."""
    codes = {code for _, tree in _sources("shop_domain") for _, code in class_codes(tree)}
    assert {"catalog.invalid_text", "money.too_precise", "giftcard.key_required"} <= codes


PLANTED = """
class Duplicate(InvalidValue):
    code = "catalog.invalid_text"

class Again:
    code: ClassVar[str] = "catalog.invalid_text"

def check(value):
    if not value:
        raise InvalidValue("empty", code="catalog.invalid_text")
    raise Conflict(f"{value} taken", code=f"catalog.taken")
    raise Conflict("fine", code=CONSTANT)
"""


def test_the_scans_catch_planted_literals() -> None:
    tree = ast.parse(PLANTED)
    assert inline_codes(tree) == [(10, "catalog.invalid_text"), (11, "catalog.taken")]
    assert class_codes(tree) == [
        ("Duplicate", "catalog.invalid_text"),
        ("Again", "catalog.invalid_text"),
    ]
