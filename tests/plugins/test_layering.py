"""Plugins use only goalplan's public API, and the core never imports a plugin.

import-linter (pyproject, run by .ci/run) enforces this for the plugin packages it names; this
test reads the source of every package under plugins/ and of the example plugin, so a plugin
is held to the rule from its first commit, before it is named in the import-linter contracts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugins.plugin_helpers import EXAMPLE_PLUGIN, WORKTREE

PLUGIN_PACKAGES = sorted(
    [p for p in (WORKTREE / "plugins").iterdir() if (p / "__init__.py").exists()]
    + [p for p in (EXAMPLE_PLUGIN / "src").iterdir() if (p / "__init__.py").exists()]
)


def imported_modules(package: Path) -> Iterator[tuple[Path, int, str]]:
    for source in sorted(package.rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield source, node.lineno, alias.name
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield source, node.lineno, node.module


def test_there_is_at_least_the_csv_plugin_and_the_example() -> None:
    names = {p.name for p in PLUGIN_PACKAGES}
    assert {"goalplan_csv", "goalplan_markdown"} <= names


@pytest.mark.parametrize("package", PLUGIN_PACKAGES, ids=lambda p: p.name)
def test_a_plugin_imports_nothing_of_goalplan_but_the_top_level_package(package: Path) -> None:
    offending = [
        f"{source.relative_to(WORKTREE)}:{line} imports {module}"
        for source, line, module in imported_modules(package)
        if module.startswith("goalplan.")
    ]
    assert offending == []


def test_the_core_imports_no_plugin() -> None:
    plugins = {p.name for p in PLUGIN_PACKAGES}
    offending = [
        f"{source.relative_to(WORKTREE)}:{line} imports {module}"
        for source, line, module in imported_modules(WORKTREE / "core" / "goalplan")
        if module.split(".")[0] in plugins
    ]
    assert offending == []
