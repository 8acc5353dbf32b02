"""The plugin manager: built-in plugins plus packages in the "goalplan" entry point group.

GOALPLAN_LOAD_PLUGINS, when set, names the third-party plugins to load (comma-separated; empty
loads none). Built-in plugins always load.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import sys
from functools import cache
from typing import Any, cast

import attrs
import pluggy
from attrs import frozen

from goalplan import hookspecs
from goalplan.analytics import Instrument, Rule
from goalplan.errors import RejectedError
from goalplan.exporting import Exporter

DEFAULT_PLUGINS = ("goalplan_csv", "goalplan_ical", "goalplan_pdf")
# Core modules that implement hooks (not plugin packages): always registered, never blocked.
CORE_PLUGINS = ("goalplan.analytics.builtin_rules",)
ENTRY_POINT_GROUP = "goalplan"
LOAD_PLUGINS_ENV = "GOALPLAN_LOAD_PLUGINS"


@frozen
class PluginInfo:
    name: str
    version: str
    source: str
    hooks: tuple[str, ...]
    exporters: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "hooks": list(self.hooks),
            "exporters": list(self.exporters),
        }


class PluginManager(pluggy.PluginManager):
    def __init__(self) -> None:
        super().__init__("goalplan")
        self.add_hookspecs(hookspecs)
        self.load_errors: dict[str, str] = {}
        self._sources: dict[str, tuple[str, str]] = {}

    def load_default_plugins(self) -> None:
        version = _version("goalplan")
        for name in DEFAULT_PLUGINS:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue
                self.load_errors[name] = f"{type(exc).__name__}: {exc}"
                continue
            self.register(module, name)
            self._sources[name] = ("built-in", version)

    def load_entry_points(self, only: set[str] | None) -> None:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if only is not None and ep.name not in only:
                continue
            if self.get_plugin(ep.name) is not None or self.is_blocked(ep.name):
                continue
            try:
                plugin = ep.load()
                self.register(plugin, name=ep.name)
            except Exception as exc:
                self.load_errors[ep.name] = f"{type(exc).__name__}: {exc}"
                continue
            dist = ep.dist
            self._sources[ep.name] = (
                f"package {dist.name}" if dist else "entry point",
                dist.version if dist else "",
            )

    def exporters(self) -> dict[str, Exporter]:
        found: dict[str, Exporter] = {}
        for impl in self.hook.register_exporters.get_hookimpls():
            try:
                provided = cast("list[Exporter] | None", impl.function())
            except Exception as exc:
                self.load_errors[impl.plugin_name] = f"register_exporters failed: {exc}"
                continue
            for exporter in provided or ():
                if exporter.name not in found:
                    found[exporter.name] = _with_plugin(exporter, impl.plugin_name)
        return dict(sorted(found.items()))

    def exporter(self, name: str) -> Exporter:
        available = self.exporters()
        if name not in available:
            names = ", ".join(available) or "none (no exporter plugin is loaded)"
            raise RejectedError("--format", f"no format {name!r}; available formats: {names}.")
        return available[name]

    def infos(self) -> list[PluginInfo]:
        exporters = self.exporters()
        infos = []
        for name, plugin in sorted(self.list_name_plugin()):
            if plugin is None:
                continue
            source, version = self._sources.get(name, ("registered", ""))
            hooks = tuple(sorted(h.name for h in self.get_hookcallers(plugin) or ()))
            owned = tuple(e.name for e in exporters.values() if e.plugin == name)
            infos.append(PluginInfo(name, version, source, hooks, owned))
        return infos

    # analytics: SMART rules and instruments ------------------------------------------------

    def load_core_plugins(self) -> None:
        version = _version("goalplan")
        for name in CORE_PLUGINS:
            self.register(importlib.import_module(name), name)
            self._sources[name] = ("built-in", version)

    def smart_rules(self) -> list[Rule]:
        """Every registered rule, tagged with its plugin; a later registration of an id replaces it."""
        found: dict[str, Rule] = {}
        for impl in self.hook.register_smart_rules.get_hookimpls():
            try:
                provided = cast("list[Rule] | None", impl.function())
            except Exception as exc:
                self.load_errors[impl.plugin_name] = f"register_smart_rules failed: {exc}"
                continue
            for rule in provided or ():
                found[rule.id] = rule if rule.plugin else attrs.evolve(rule, plugin=impl.plugin_name)
        return list(found.values())

    def instruments(self) -> dict[str, Instrument]:
        """Every registered instrument by id; a later registration (a practice's plugin) replaces it."""
        found: dict[str, Instrument] = {}
        for impl in self.hook.register_instruments.get_hookimpls():
            try:
                provided = cast("list[Instrument] | None", impl.function())
            except Exception as exc:
                self.load_errors[impl.plugin_name] = f"register_instruments failed: {exc}"
                continue
            for instrument in provided or ():
                found[instrument.id] = instrument
        return found


def _with_plugin(exporter: Exporter, plugin_name: str) -> Exporter:
    from attrs import evolve

    return exporter if exporter.plugin else evolve(exporter, plugin=plugin_name)


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _only_from_env() -> set[str] | None:
    value = os.environ.get(LOAD_PLUGINS_ENV)
    if value is None:
        return None
    return {n.strip() for n in value.split(",") if n.strip()}


def make_plugin_manager(*, load_entry_points: bool = True) -> PluginManager:
    pm = PluginManager()
    pm.load_core_plugins()
    pm.load_default_plugins()
    if load_entry_points:
        pm.load_entry_points(_only_from_env())
    pm.check_pending()
    return pm


@cache
def get_plugin_manager() -> PluginManager:
    """The process-wide manager, loaded once on first use."""
    return make_plugin_manager()


def report_load_errors(pm: PluginManager) -> None:
    for name, error in pm.load_errors.items():
        print(f"goalplan: plugin {name} failed to load: {error}", file=sys.stderr)
