"""The signing package's modules import each other one way only (no import loop)."""

from __future__ import annotations

import ast
from pathlib import Path

import signing

PACKAGE = Path(signing.__file__).parent


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("signing.")}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles: list[list[str]] = []

    def walk(module: str, path: list[str]) -> None:
        for target in sorted(graph.get(module, ())):
            if target in path:
                cycles.append([*path[path.index(target):], target])
            elif len(path) < len(graph):
                walk(target, [*path, target])

    for module in graph:
        walk(module, [module])
    return cycles


def test_no_import_loop_inside_signing() -> None:
    graph = {f"signing.{p.stem}": _imports(p) for p in PACKAGE.glob("*.py")}
    assert graph["signing.verdicts"]  # the scan sees imports at all
    assert _cycles(graph) == []


def test_the_report_reads_verdicts_without_importing_them() -> None:
    assert "signing.verdicts" not in _imports(PACKAGE / "report.py")
