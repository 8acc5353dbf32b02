"""The distribution's metadata: typed packages, declared licences."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def packages() -> list[Path]:
    return [p.parent for where in ("core", "plugins") for p in sorted((ROOT / where).glob("*/__init__.py"))]


def test_every_package_ships_a_py_typed_marker() -> None:
    package_data = PROJECT["tool"]["setuptools"]["package-data"]
    for package in packages():
        assert (package / "py.typed").is_file(), package.name
        assert "py.typed" in package_data.get(package.name, []), package.name


def test_every_licence_file_is_declared_and_exists() -> None:
    declared = PROJECT["project"]["license-files"]
    assert all((ROOT / name).is_file() for name in declared)
    shipped = {str(p.relative_to(ROOT)) for p in ROOT.glob("plugins/*/fonts/LICENSE")}
    assert shipped <= set(declared)


def test_mypy_checks_the_plugins_strictly() -> None:
    mypy = PROJECT["tool"]["mypy"]
    assert mypy["strict"] is True
    assert "plugins" in mypy["files"]
