"""The plugin manager: built-in plugins plus packages in the "goalplan" entry point group.

Built-in plugins (DEFAULT_PLUGINS) are imported by module name and always load when present.
GOALPLAN_LOAD_PLUGINS, when set, names the third-party plugins to load (comma-separated entry
point names; set but empty loads none).

One plugin's failure never takes the others down: a plugin that cannot be imported, names a
hook that does not exist, or raises inside a hook is recorded in ``load_errors`` under its name
and left out, and the command line reports it on stderr.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import logging
import os
from collections.abc import Iterator
from functools import cache
from types import ModuleType
from typing import Any

import pluggy
from attrs import evolve, frozen

from goalplan import hookspecs
from goalplan.analytics import Instrument, Rule
from goalplan.audit import AuditFormat, AuditRule
from goalplan.errors import GoalplanError, RejectedError
from goalplan.exporting import Exporter

DEFAULT_PLUGINS = ("goalplan_csv", "goalplan_fhir", "goalplan_ical", "goalplan_pdf", "goalplan_web")
# Core modules that implement hooks (not plugin packages): always registered, never blocked.
CORE_PLUGINS = ("goalplan.analytics.builtin_rules", "goalplan.audit.builtin", "goalplan.audit.formats")
ENTRY_POINT_GROUP = "goalplan"
LOAD_PLUGINS_ENV = "GOALPLAN_LOAD_PLUGINS"

_log = logging.getLogger(__name__)


BUILT_IN = "built-in"


class PluginLoadError(GoalplanError):
    """Raised by ``make_plugin_manager(strict=True)`` when any plugin failed to load."""


@frozen
class PluginInfo:
    """What ``goalplan plugins`` shows for one plugin."""

    name: str
    version: str
    source: str
    hooks: tuple[str, ...]
    exporters: tuple[str, ...]
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "hooks": list(self.hooks),
            "exporters": list(self.exporters),
            "error": self.error,
        }


class PluginManager(pluggy.PluginManager):
    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.add_hookspecs(hookspecs)
        self.load_errors: dict[str, str] = {}
        self._sources: dict[str, tuple[str, str]] = {}
        self._exporters: dict[str, Exporter] | None = None

    def fail(self, name: str, message: str) -> None:
        """Record why a plugin (or part of one) was left out; several reasons accumulate."""
        earlier = self.load_errors.get(name)
        if earlier != message:
            self.load_errors[name] = f"{earlier}; {message}" if earlier else message

    # loading -------------------------------------------------------------------------------

    def add_plugin(self, plugin: object, name: str, *, source: str, version: str) -> bool:
        """Register ``plugin``; on an unknown or malformed hook, record why and leave it out."""
        try:
            self.register(plugin, name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            self.fail(name, str(exc))
            return False
        unknown = self._unknown_hooks(name)
        if unknown:
            self.unregister(name=name)
            self.fail(name, unknown)
            return False
        self._sources[name] = (source, version)
        self._exporters = None
        return True

    def _unknown_hooks(self, plugin_name: str) -> str:
        known = sorted(n for n in dir(hookspecs) if n.startswith("register_"))
        problems = []
        for hook_name, caller in sorted(vars(self.hook).items()):
            if hook_name.startswith("_") or caller.has_spec():
                continue
            for impl in caller.get_hookimpls():
                if impl.plugin_name == plugin_name and not impl.optionalhook:
                    close = difflib.get_close_matches(hook_name, known, n=1)
                    hint = f" (did you mean {close[0]}?)" if close else ""
                    problems.append(f"{hook_name!r} is not a goalplan hook{hint}")
        if not problems:
            return ""
        return "; ".join(problems) + f". Known hooks: {', '.join(known)}."

    def load_default_plugins(self) -> None:
        version = goalplan_version()
        for name in DEFAULT_PLUGINS:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue  # not part of this installation
                self.fail(name, f"{type(exc).__name__}: {exc}")
                continue
            except SystemExit as exc:
                self.fail(name, f"called sys.exit({exc.code!r}) while being imported; not loaded.")
                continue
            except Exception as exc:
                self.fail(name, f"{type(exc).__name__}: {exc}")
                continue
            self.add_plugin(module, name, source=BUILT_IN, version=version)

    def load_entry_points(self, only: set[str] | None) -> None:
        """Load third-party plugins; with ``only``, just the entry points it names."""
        seen: set[str] = set()
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            seen.add(ep.name)
            if only is not None and ep.name not in only:
                continue
            if self.is_blocked(ep.name):
                continue
            dist = ep.dist
            package = f"package {dist.name}" if dist else f"entry point {ep.value}"
            if self.has_plugin(ep.name):
                self.fail(
                    f"{ep.name} ({package})",
                    f"the name {ep.name!r} is already taken by another plugin; not loaded.",
                )
                continue
            try:
                plugin = ep.load()
            except SystemExit as exc:  # sys.exit() at import must not end goalplan without a word
                self.fail(ep.name, f"called sys.exit({exc.code!r}) while being imported; not loaded.")
                continue
            except Exception as exc:
                self.fail(ep.name, f"{type(exc).__name__}: {exc}")
                continue
            self.add_plugin(plugin, ep.name, source=package, version=dist.version if dist else "")
        for missing in sorted((only or set()) - seen):
            self.fail(
                missing,
                f"named in {LOAD_PLUGINS_ENV} but no installed package provides a goalplan plugin "
                "by that name.",
            )

    # calling hooks -------------------------------------------------------------------------

    def call_each(self, hook_name: str, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """Call one hook on each plugin in load order, by keyword, isolating failures by plugin.

        Unlike ``pm.hook.<name>(...)``, one plugin raising does not hide the others' results:
        its error is recorded under its name and the call moves on.
        """
        caller = getattr(self.hook, hook_name)
        tracing = _log.isEnabledFor(logging.DEBUG)
        for impl in caller.get_hookimpls():
            yield from self._call_one(impl, hook_name, tracing, **kwargs)

    def collect(self, hook_name: str) -> list[tuple[str, Any]]:
        """Every item that plugins return from a list-returning hook, with the plugin's name."""
        items: list[tuple[str, Any]] = []
        for plugin_name, provided in self.call_each(hook_name):
            items.extend((plugin_name, item) for item in provided or ())
        return items

    def register_commands(self, cli: Any) -> None:
        """Let each plugin add its commands; one that replaces a command already there is refused.

        Commands present before a plugin's turn (goalplan's own, then each built-in plugin's)
        are put back, and the clash is recorded under the plugin's name, so no plugin can make
        ``verify`` (or any other command) do something else.
        """
        caller = self.hook.register_commands
        for impl in caller.get_hookimpls():
            before = dict(cli.commands)
            for _ in self._call_one(impl, "register_commands", _log.isEnabledFor(logging.DEBUG), cli=cli):
                pass
            for name, command in before.items():
                if cli.commands.get(name) is not command:
                    cli.commands[name] = command
                    self.fail(
                        impl.plugin_name,
                        f"its command {name!r} clashes with the command of that name already there; "
                        "not added (rename the plugin's command).",
                    )

    def _call_one(self, impl: Any, hook_name: str, tracing: bool, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        arguments = {name: kwargs[name] for name in impl.argnames}
        if tracing:
            _log.debug("hook %s(%s) on plugin %s", hook_name, ", ".join(arguments), impl.plugin_name)
        try:
            result = impl.function(**arguments)
        except SystemExit as exc:
            self.fail(impl.plugin_name, f"{hook_name} called sys.exit({exc.code!r}); ignored.")
            return
        except Exception as exc:
            self.fail(impl.plugin_name, f"{hook_name} failed: {type(exc).__name__}: {exc}")
            _log.debug("hook %s on plugin %s raised %s", hook_name, impl.plugin_name, type(exc).__name__)
            return
        yield impl.plugin_name, result

    # exporters -----------------------------------------------------------------------------

    def exporters(self) -> dict[str, Exporter]:
        """Exporters by name; the first plugin to claim a name keeps it (built-ins load first)."""
        if self._exporters is None:
            found: dict[str, Exporter] = {}
            for plugin_name, item in self.collect("register_exporters"):
                if not isinstance(item, Exporter):
                    kind = type(item).__name__
                    self.fail(plugin_name, f"register_exporters returned a {kind}, not a goalplan.Exporter.")
                    continue
                if item.name in found:
                    owner = found[item.name].plugin
                    self.fail(
                        plugin_name,
                        f"exporter {item.name!r} is already provided by plugin {owner}; ignored.",
                    )
                    continue
                found[item.name] = evolve(item, plugin=plugin_name)
            self._exporters = dict(sorted(found.items()))
        return self._exporters

    def exporter(self, name: str) -> Exporter:
        available = self.exporters()
        if name not in available:
            names = ", ".join(available) or "none (no exporter plugin is loaded)"
            raise RejectedError("--format", f"there is no format {name!r}; available formats: {names}.")
        return available[name]

    # listing -------------------------------------------------------------------------------

    def infos(self) -> list[PluginInfo]:
        exporters = self.exporters()
        infos = []
        for name, plugin in sorted(self.list_name_plugin()):
            if plugin is None:
                continue
            source, version = self._sources.get(name, ("registered by code", ""))
            hooks = tuple(sorted(h.name for h in self.get_hookcallers(plugin) or ()))
            owned = tuple(e.name for e in exporters.values() if e.plugin == name)
            infos.append(PluginInfo(name, version, source, hooks, owned, self.load_errors.get(name)))
        loaded = {i.name for i in infos}
        for name, error in sorted(self.load_errors.items()):
            if name not in loaded:
                infos.append(PluginInfo(name, "", "not loaded", (), (), error))
        return infos

    # analytics: SMART rules and instruments ------------------------------------------------

    def load_core_plugins(self) -> None:
        for name in CORE_PLUGINS:
            self.add_plugin(importlib.import_module(name), name, source=BUILT_IN, version=goalplan_version())

    def smart_rules(self) -> list[Rule]:
        """Every registered rule, tagged with its plugin; a later registration of an id replaces it."""
        found = {
            r.id: r if r.plugin else evolve(r, plugin=name)
            for name, r in self.collect("register_smart_rules")
        }
        return list(found.values())

    def instruments(self) -> dict[str, Instrument]:
        """Every registered instrument by id; a later registration (a practice's plugin) replaces it."""
        return {i.id: i for _, i in self.collect("register_instruments")}

    # audit: rules and report formats -------------------------------------------------------

    def audit_rules(self) -> list[AuditRule]:
        """Every registered audit rule, tagged with its plugin; a later registration of an id replaces it."""
        found: dict[str, AuditRule] = {}
        for name, rule in self.collect("register_audit_rules"):
            if not isinstance(rule, AuditRule):
                self.fail(
                    name, f"register_audit_rules returned a {type(rule).__name__}, not a goalplan.AuditRule."
                )
                continue
            found[rule.id] = rule if rule.plugin else evolve(rule, plugin=name)
        return list(found.values())

    def audit_formats(self) -> dict[str, AuditFormat]:
        """Report formats by name; the first plugin to claim a name keeps it (built-ins load first)."""
        found: dict[str, AuditFormat] = {}
        for name, item in self.collect("register_audit_formats"):
            if not isinstance(item, AuditFormat):
                self.fail(
                    name,
                    f"register_audit_formats returned a {type(item).__name__}, not a goalplan.AuditFormat.",
                )
            elif item.name not in found:
                found[item.name] = evolve(item, plugin=name)
        return dict(sorted(found.items()))

    def audit_format(self, name: str) -> AuditFormat:
        available = self.audit_formats()
        if name not in available:
            raise RejectedError(
                "--format", f"there is no audit format {name!r}; available formats: {', '.join(available)}."
            )
        return available[name]


def goalplan_version() -> str:
    try:
        return importlib.metadata.version("goalplan")
    except importlib.metadata.PackageNotFoundError:
        return ""


def plugins_from_env() -> set[str] | None:
    """The third-party plugin names GOALPLAN_LOAD_PLUGINS allows; None when it is not set."""
    value = os.environ.get(LOAD_PLUGINS_ENV)
    if value is None:
        return None
    return {n.strip() for n in value.split(",") if n.strip()}


def make_plugin_manager(
    *,
    load_entry_points: bool = True,
    extra: tuple[ModuleType | object, ...] = (),
    strict: bool = False,
) -> PluginManager:
    """A fresh manager: built-ins, then ``extra`` plugin objects, then allowed entry points.

    ``strict=True`` raises PluginLoadError if anything failed to load (useful in a plugin's
    own tests).
    """
    pm = PluginManager()
    pm.load_core_plugins()
    pm.load_default_plugins()
    for plugin in extra:
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        pm.add_plugin(plugin, name, source="registered by code", version="")
    if load_entry_points:
        pm.load_entry_points(plugins_from_env())
    pm.check_pending()  # every plugin with an unknown hook was left out above, so this holds
    if strict and pm.load_errors:
        raise PluginLoadError(
            "; ".join(f"plugin {name}: {error}" for name, error in sorted(pm.load_errors.items()))
        )
    return pm


@cache
def get_plugin_manager() -> PluginManager:
    """The process-wide manager, loaded once on first use."""
    return make_plugin_manager()
