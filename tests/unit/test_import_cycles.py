"""No import cycles between the modules of shop_domain, shop_app and shop_adapters.

import-linter has no cycle contract, so this test builds the same import graph with ``grimp``
(import-linter's own graph library) and looks for its strongly connected components: any group
of two or more modules that reach each other is a cycle. Imports made only for type checking
count too — two modules that name each other's types are one module in two files.

:data:`KNOWN_CYCLES` lists the cycles that exist and are owned elsewhere; the test also fails
when one of them is gone, so that the list only ever shrinks.
"""

from __future__ import annotations

import grimp
import pytest

PACKAGES = ("shop_domain", "shop_app", "shop_adapters")

KNOWN_CYCLES: frozenset[frozenset[str]] = frozenset()


def cycles(graph: grimp.ImportGraph) -> set[frozenset[str]]:
    """The strongly connected components of ``graph`` with more than one module (Tarjan's
    algorithm, iterative: the graph is deep enough to worry a recursive one)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    imported = sorted(graph.find_modules_directly_imported_by(target))
                    work.append((target, iter(imported)))
                elif target in on_stack:
                    low[module] = min(low[module], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.add(frozenset(component))
    return found


def _describe(cycle: frozenset[str], graph: grimp.ImportGraph) -> str:
    edges = sorted(
        f"  {importer} -> {imported}"
        for importer in cycle
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported in cycle
    )
    return "\n".join(["cycle:", *edges])


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    new = cycles(graph) - KNOWN_CYCLES
    assert not new, "\n".join(_describe(c, graph) for c in sorted(new, key=sorted))


def test_the_known_cycles_still_exist(graph: grimp.ImportGraph) -> None:
    gone = KNOWN_CYCLES - cycles(graph)
    assert not gone, f"remove from KNOWN_CYCLES, they are fixed: {[sorted(c) for c in gone]}"


def test_the_command_line_is_a_package_without_cycles(graph: grimp.ImportGraph) -> None:
    """The CLI that had a cycle (cli -> cli_coupons -> cli_support -> cli) is a package whose
    modules do not import its ``__init__`` (only ``python -m``'s ``__main__`` runs it)."""
    cli = graph.find_descendants("shop_adapters.cli")
    assert {"shop_adapters.cli.support", "shop_adapters.cli.coupons"} <= cli
    importers = graph.find_modules_that_directly_import("shop_adapters.cli")
    assert importers & cli == {"shop_adapters.cli.__main__"}


def test_the_search_finds_planted_cycles() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [
        ("pkg.a", "pkg.b"),
        ("pkg.b", "pkg.c"),
        ("pkg.c", "pkg.a"),  # a -> b -> c -> a
        ("pkg.c", "pkg.d"),
        ("pkg.d", "pkg.e"),
        ("pkg.e", "pkg.d"),  # d <-> e
        ("pkg.f", "pkg.a"),  # f only reaches the cycle
    ]:
        graph.add_import(importer=importer, imported=imported)
    assert cycles(graph) == {
        frozenset({"pkg.a", "pkg.b", "pkg.c"}),
        frozenset({"pkg.d", "pkg.e"}),
    }
