"""export_all: every plan through each registered exporter, on one core and on all cores.

The formats are whatever exporters the plugin manager has registered (CSV, ICS, PDF as their
plugins are installed), plus ``plan-json``: the core's documented plan JSON, so the scenario
measures something even where no exporter plugin is installed.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from goalplan.codec import canonical_json
from goalplan.exporting import Exporter, render
from goalplan.plugins import get_plugin_manager
from goalplan.projections import PlanLog, plan_to_json
from goalplan.store.sqlite import SQLiteStore

EXPECTED_FORMATS = ("csv", "ics", "pdf")
CORE_FORMAT = "plan-json"


def _render_plan_json(log: PlanLog, options: Mapping[str, str]) -> bytes:
    return canonical_json(plan_to_json(log.state)).encode()


def _core_exporter() -> Exporter:
    return Exporter(
        name=CORE_FORMAT,
        suffix=".json",
        media_type="application/json",
        description="The plan's documented JSON (a core projection, not a plugin).",
        render=_render_plan_json,
        plugin="goalplan (core)",
    )


def available_formats() -> tuple[list[str], list[str]]:
    """(formats to measure, notes on the expected formats that are not installed)."""
    try:
        pm = get_plugin_manager()
    except Exception as exc:  # a plugin that breaks on import takes the manager down with it
        return [CORE_FORMAT], [f"export_all: no plugin formats, the plugin manager failed to load: {exc!r}"]
    registered = pm.exporters()
    notes = [
        f"export_all/{name}: skipped, no exporter named {name!r} is registered (its plugin is not installed)"
        for name in EXPECTED_FORMATS
        if name not in registered
    ]
    notes += [f"plugin {name} failed to load: {error}" for name, error in pm.load_errors.items()]
    return [CORE_FORMAT, *registered], notes


def working_formats(
    store: SQLiteStore, formats: list[str], plan_id: str
) -> tuple[dict[str, float], list[str]]:
    """Seconds to render one plan in each format that works, and a note for each that fails."""
    ok: dict[str, float] = {}
    notes = []
    for name in formats:
        try:
            export_plans(store, name, [plan_id])  # warm: imports, fonts, caches
            start = time.perf_counter()
            export_plans(store, name, [plan_id])
            ok[name] = time.perf_counter() - start
        except Exception as exc:
            notes.append(f"export_all/{name}: skipped, the exporter fails on this goalplan: {exc}")
    return ok, notes


def exporter(name: str) -> Exporter:
    return _core_exporter() if name == CORE_FORMAT else get_plugin_manager().exporter(name)


def export_plans(store: SQLiteStore, name: str, plan_ids: Sequence[str]) -> int:
    """Render each plan once; the byte count keeps the work from being optimised away."""
    chosen = exporter(name)
    size = 0
    for plan_id in plan_ids:
        size += len(render(chosen, PlanLog(tuple(store.read_stream(plan_id))), {}))
    return size


_worker_store: SQLiteStore | None = None


def _open_worker(path: str) -> None:
    global _worker_store
    _worker_store = SQLiteStore(path)
    with contextlib.suppress(Exception):  # as in available_formats: then only plan-json is asked for
        get_plugin_manager()  # plugins load here, not inside the timed work


def _export_chunk(name: str, plan_ids: Sequence[str]) -> int:
    assert _worker_store is not None
    return export_plans(_worker_store, name, plan_ids)


def _warm(_: int) -> int:
    return os.getpid()


class ExportPool:
    """Worker processes, one per core, started (and warmed) before any timing."""

    def __init__(self, db: Path, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.pool = ProcessPoolExecutor(
            self.workers, mp_context=get_context("fork"), initializer=_open_worker, initargs=(str(db),)
        )
        list(self.pool.map(_warm, range(self.workers * 2)))

    def export(self, name: str, plan_ids: Sequence[str]) -> int:
        chunks = max(1, self.workers * 4)
        size = (len(plan_ids) + chunks - 1) // chunks
        parts = [plan_ids[i : i + size] for i in range(0, len(plan_ids), size)]
        return sum(self.pool.map(_export_chunk, [name] * len(parts), parts))

    def close(self) -> None:
        self.pool.shutdown()
