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


def test_the_project_urls_name_one_repository_and_the_docs_site_links_to_it() -> None:
    urls = PROJECT["project"]["urls"]
    source = urls["Source"]
    assert set(urls) >= {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
    assert all(url.startswith(source) for url in urls.values()), urls
    assert urls["Issues"] == f"{source}/issues"
    assert (ROOT / urls["Changelog"].removeprefix(f"{source}/blob/main/")).is_file()
    assert (ROOT / urls["Documentation"].removeprefix(f"{source}/tree/main/")).is_dir()
    mkdocs = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert f"repo_url: {source}\n" in mkdocs


def test_authors_classifiers_and_licence_are_declared() -> None:
    project = PROJECT["project"]
    assert project["authors"] and all(a.get("name") for a in project["authors"])
    assert "Typing :: Typed" in project["classifiers"]
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]  # the expression says it
    assert project["license"] == "MIT AND Bitstream-Vera"
    fonts = (ROOT / "plugins" / "goalplan_pdf" / "fonts" / "LICENSE").read_text(encoding="utf-8")
    assert "Bitstream Vera Fonts Copyright" in fonts and "Arev Fonts Copyright" in fonts
