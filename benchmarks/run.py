"""The benchmark run: workload, interleaved rounds, memory probes, ratios, table and JSON."""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import exports, pdf_pages, pg_writers, scale, systems
from benchmarks.workload import PlanWorkload, caseload, iter_caseload, total_events
from goalplan.projections import PlanLog

# (ratio key, scenario, goalplan's side, peer's side, target: goalplan / peer at least this)
TARGETS: list[tuple[str, float]] = [
    ("append_batched/sqlite3", 0.6),
    ("append_single/sqlite3", 0.8),
    ("append_single/goalplan_unsigned", 0.85),
    ("append_batched/goalplan_unsigned", 0.85),
    ("replay/eventsourcing", 5.0),
    ("replay/sqlite3", 0.5),
    ("catchup/sqlite3", 0.5),
    ("export_all/one_core", 1.6),
    ("pdf_pages/fpdf2", pdf_pages.TARGET),
]
PDF_PLANS = 4  # plans rendered per side and round for pdf_pages
MEMORY_TARGET = 1.5
# Scale scenarios: (key, "at_most" or "at_least", bound); see benchmarks/scale.py and pg_writers.py.
SCALE_TARGETS: list[tuple[str, str, float]] = [
    ("plan_list/large_vs_small", "at_most", 1.5),
    ("write/5000_vs_100", "at_most", 1.5),
    ("calendar_all/with_9x_closed_vs_without", "at_most", 1.5),
    ("postgres_8_writers/psycopg_floor", "at_least", 0.8),
    ("postgres_8_writers/eventsourcing", "at_least", 1.5),
]
SEED = 20240601


@dataclass(frozen=True)
class Config:
    plans: int
    single: int
    rounds: int
    export_plans: int
    export_seconds: float
    memory_small: int
    memory_large: int
    memory: bool
    list_small: int
    list_large: int
    writes: int
    calendar_plans: int
    pg_appends_per_plan: int
    pg_rounds: int


QUICK = Config(
    plans=80,
    single=100,
    rounds=3,
    export_plans=40,
    export_seconds=1.0,
    memory_small=100_000,
    memory_large=1_000_000,
    memory=False,
    list_small=20,
    list_large=2_000,
    writes=30,
    calendar_plans=20,
    pg_appends_per_plan=2,
    pg_rounds=1,
)
FULL = Config(
    plans=300,
    single=300,
    rounds=5,
    export_plans=200,
    export_seconds=4.0,
    memory_small=100_000,
    memory_large=1_000_000,
    memory=True,
    list_small=200,
    list_large=20_000,
    writes=100,
    calendar_plans=100,
    pg_appends_per_plan=3,
    pg_rounds=3,
)


def _timed(func: Callable[[], Any]) -> float:
    return _timed_result(func)[0]


def _timed_result(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def _rotate(items: list[Any], by: int) -> list[Any]:
    by %= len(items)
    return items[by:] + items[:by]


def _single_events(workload: list[PlanWorkload], count: int) -> list[tuple[str, int, Any]]:
    chosen = []
    for plan in workload:
        for version, event in enumerate(plan.events):
            chosen.append((plan.plan_id, version, event))
            if len(chosen) == count:
                return chosen
    return chosen


class Results:
    def __init__(self) -> None:
        self.throughput: dict[str, dict[str, list[float]]] = {}

    def add(self, scenario: str, system: str, per_second: float) -> None:
        self.throughput.setdefault(scenario, {}).setdefault(system, []).append(per_second)

    def ratio(self, scenario: str, ours: str, peer: str) -> list[float]:
        mine, theirs = self.throughput[scenario][ours], self.throughput[scenario][peer]
        return [a / b for a, b in zip(mine, theirs, strict=True)]


def run_round(
    index: int,
    cfg: Config,
    workload: list[PlanWorkload],
    payloads: dict[str, Any],
    events: int,
    export_counts: dict[str, int],
    workdir: Path,
    results: Results,
    log: Callable[[str], None],
) -> Path:
    here = workdir / f"round{index}"
    here.mkdir()
    live = {
        "goalplan": systems.GoalplanSystem(here / "goalplan.db"),
        "goalplan_unsigned": systems.GoalplanSystem(here / "unsigned.db", signing=False),
        "sqlite3": systems.SqliteFloor(here / "floor.db", payloads),
        "eventsourcing": systems.EventsourcingSystem(here / "es.db", payloads),
    }
    order = _rotate(list(live), index)

    for name in order:
        system = live[name]
        seconds = _timed(lambda s=system: [s.append_plan(p, 100) for p in workload])
        results.add("append_batched", name, events / seconds)
    live.pop("goalplan_unsigned").close()  # only its appends are compared
    order.remove("goalplan_unsigned")
    for name in order:
        system = live[name]
        seconds, counted = _timed_result(system.replay)
        assert counted == events, (name, counted, events)
        results.add("replay", name, events / seconds)
    for name in [n for n in order if n != "eventsourcing"]:
        system = live[name]
        seconds, counted = _timed_result(system.catchup)
        assert counted == events, (name, counted, events)
        results.add("catchup", name, events / seconds)
    for system in live.values():
        system.close()

    run_singles(index, cfg, workload, payloads, here, results)

    db = here / "goalplan.db"
    store = systems.SQLiteStore(db)
    all_ids = store.plan_ids()
    pool = exports.ExportPool(db)
    one_total = all_total = 0.0
    plans_done = 0
    for name, count in export_counts.items():
        plan_ids = all_ids[:count]
        plans_done += len(plan_ids)
        modes = ["one_core", "all_cores"] if index % 2 == 0 else ["all_cores", "one_core"]
        for mode in modes:
            if mode == "one_core":
                seconds = _timed(lambda n=name, ids=plan_ids: exports.export_plans(store, n, ids))
                one_total += seconds
            else:
                seconds = _timed(lambda n=name, ids=plan_ids: pool.export(n, ids))
                all_total += seconds
            results.add(f"export_all/{name}", mode, len(plan_ids) / seconds)
    results.add("export_all", "one_core", plans_done / one_total)
    results.add("export_all", "all_cores", plans_done / all_total)
    pool.close()
    if "pdf" in export_counts:
        # pages per second of goalplan's PDF against bare fpdf2 with the same text and fonts
        logs = [PlanLog(tuple(store.read_stream(pid))) for pid in all_ids[:PDF_PLANS]]
        sides = [("goalplan", pdf_pages.goalplan_pdf), ("fpdf2", pdf_pages.bare_pdf)]
        for name, make in sides if index % 2 == 0 else list(reversed(sides)):
            results.add("pdf_pages", name, pdf_pages.pages_per_second(make, logs)[0])
    store.close()
    log(f"round {index + 1}/{cfg.rounds} done")
    return here


def run_singles(
    index: int,
    cfg: Config,
    workload: list[PlanWorkload],
    payloads: dict[str, Any],
    here: Path,
    results: Results,
) -> None:
    """append_single: goalplan, the unsigned store and the floor, taking turns append by append."""
    singles = _single_events(workload, cfg.single)
    names = _rotate(["goalplan", "goalplan_unsigned", "sqlite3"], index)
    single: dict[str, Any] = {
        name: systems.SqliteFloor(here / f"single-{name}.db", payloads)
        if name == "sqlite3"
        else systems.GoalplanSystem(here / f"single-{name}.db", signing=name == "goalplan")
        for name in names
    }
    spent = dict.fromkeys(names, 0.0)
    # Append by append, each system in turn: a durable append takes about a millisecond, far
    # shorter than the bursts of other work on a shared machine, so every burst falls on all
    # systems alike instead of on whichever ran its whole batch at that moment.
    for pid, version, event in singles:
        for name in names:
            started = time.perf_counter()
            single[name].append_one(pid, event, version)
            spent[name] += time.perf_counter() - started
    for name in names:
        results.add("append_single", name, len(singles) / spent[name])
        single[name].close()


def memory_probe(spec: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ)
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.memprobe", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return dict(json.loads(out.stdout))


def build_log(path: Path, events: int) -> int:
    """A goalplan store of about ``events`` events (synchronous=OFF: only the reading is measured)."""
    store = systems.SQLiteStore(path, synchronous="OFF")
    written = 0
    for plan in iter_caseload(10**9, seed=SEED + 1):
        store.append(plan.plan_id, [e.new_event() for e in plan.events], 0)
        written += len(plan.events)
        if written >= events:
            break
    store.close()
    return written


def run_scale(
    cfg: Config, workdir: Path, postgres: str | None, notes: list[str], log: Callable[[str], None]
) -> dict[str, Any]:
    """The scenarios whose cost must follow what they return (benchmarks/scale.py, pg_writers.py)."""
    here = workdir / "scale"
    here.mkdir()
    out: dict[str, Any] = {"ratios": {}}
    listed = scale.plan_list(here, cfg.list_small, cfg.list_large, 5, log)
    out["plan_list"] = listed
    out["ratios"]["plan_list/large_vs_small"] = listed["ratio"]
    out["ratios"]["plan_list/wall_large_vs_small"] = listed["wall_ratio"]
    out["ratios"]["plan_list/in_process_large_vs_small"] = listed["in_process_ratio"]
    written = scale.write(here, cfg.writes, log)
    out["write"] = written
    out["ratios"]["write/5000_vs_100"] = written["running"]["ratio"]
    out["ratios"]["write/fresh_open_5000_vs_100"] = written["fresh_open"]["ratio"]
    calendar = scale.calendar_all(here, cfg.calendar_plans, 3, log)
    if calendar is None:
        notes.append("calendar_all skipped: the iCalendar plugin (goalplan_ical) is not importable")
    else:
        out["calendar_all"] = calendar
        out["ratios"]["calendar_all/with_9x_closed_vs_without"] = calendar["ratio_with_closed"]
        out["ratios"]["calendar_all/2x_dated_vs_dated"] = calendar["ratio_2x_dated"]
        out["ratios"]["calendar_all/every_log_with_9x_closed_vs_without"] = calendar[
            "every_log_ratio_with_closed"
        ]
    why = pg_writers.available(postgres)
    if why is not None:
        notes.append(why)
        return out
    runs: dict[str, list[float]] = {name: [] for name in pg_writers.SYSTEMS}
    for index in range(cfg.pg_rounds):
        for name in _rotate(list(pg_writers.SYSTEMS), index):
            runs[name].append(pg_writers.run_system(name, str(postgres), cfg.pg_appends_per_plan))
        log(f"postgres 8 writers: round {index + 1}/{cfg.pg_rounds} done")
    out["postgres_8_writers"] = {name: summary(values) for name, values in runs.items()}
    for peer, key in (("psycopg", "psycopg_floor"), ("eventsourcing", "eventsourcing")):
        ratios = [a / b for a, b in zip(runs["goalplan"], runs[peer], strict=True)]
        out["ratios"][f"postgres_8_writers/{key}"] = statistics.median(ratios)
        out[f"postgres_8_writers_{key}_ratios"] = ratios
    notes.append(
        f"postgres_8_writers: {pg_writers.WRITERS} processes, "
        f"each {pg_writers.PLANS_PER_WRITER} plans of its own, "
        f"{pg_writers.BATCH}-event appends, {cfg.pg_appends_per_plan} per plan, {cfg.pg_rounds} round(s)"
    )
    return out


def summary(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="a smaller caseload and fewer rounds (~1 minute)"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the results as JSON to this file")
    parser.add_argument("--plans", type=int, default=None, help="plans in the caseload")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("GOALPLAN_BENCH_POSTGRES"),
        help="a PostgreSQL URL for the 8-writer scenario (default: $GOALPLAN_BENCH_POSTGRES; "
        "each system gets a schema of its own, dropped afterwards)",
    )
    parser.add_argument(
        "--only",
        choices=["append_single"],
        default=None,
        help="run only this scenario's interleaved rounds and ratios (no memory, scale or export work)",
    )
    parser.add_argument(
        "--memory",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run the 100k vs 1M event replay memory scenario (default: full mode only)",
    )
    args = parser.parse_args(argv)
    base = QUICK if args.quick else FULL
    cfg = Config(
        **{
            **asdict(base),
            **{
                k: v
                for k, v in {"plans": args.plans, "rounds": args.rounds, "memory": args.memory}.items()
                if v is not None
            },
        }
    )

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    workload = caseload(cfg.plans, seed=SEED)
    payloads = systems.payload_dicts(workload)
    events = total_events(workload)
    gc.collect()
    gc.freeze()  # the workload lives all run long: keep the collector from rescanning it in every scenario
    formats, notes = exports.available_formats()
    log(f"workload: {cfg.plans} plans, {events} events; formats: {', '.join(formats)}")
    workdir = Path(tempfile.mkdtemp(prefix="goalplan-bench-"))
    os.environ.setdefault("GOALPLAN_KEY_FILE", str(workdir / "keys" / "signing-key.pem"))
    results = Results()
    try:
        if args.only:  # one scenario, for a quick before-and-after comparison
            memory: dict[str, Any] = {}
            scaled: dict[str, Any] = {"ratios": {}}
            scaling: dict[str, Any] | None = None
            formats = []
            for index in range(cfg.rounds):
                here = workdir / f"round{index}"
                here.mkdir()
                run_singles(index, cfg, workload, payloads, here, results)
                shutil.rmtree(here)
                log(f"round {index + 1}/{cfg.rounds} done")
        else:
            sync = systems.synchronous_default(workdir / "probe.db")
            notes.append(
                f"eventsourcing's connections run with SQLite's default PRAGMA synchronous={sync} "
                f"({'FULL' if sync == 2 else 'not FULL'}) and journal_mode=WAL"
            )
            probe_db = workdir / "probe-export.db"
            probe = systems.GoalplanSystem(probe_db)
            typical = sorted(workload, key=lambda p: len(p.events))[len(workload) // 2]  # median size
            probe.append_plan(typical, 100)
            seconds_per_plan, failed = exports.working_formats(probe.store, formats, typical.plan_id)
            probe.close()
            notes += failed
            formats = list(seconds_per_plan)
            # Each format renders about cfg.export_seconds of work on one core (at least 2 plans per core),
            # so a slow format (PDF) does not stretch the run and a fast one is not lost in noise.
            cores = os.cpu_count() or 1
            export_counts = {
                name: max(2 * cores, min(cfg.export_plans, int(cfg.export_seconds / max(secs, 1e-6))))
                for name, secs in seconds_per_plan.items()
            }
            notes.append(
                "export_all plans per format: "
                + ", ".join(
                    f"{n} {k} ({seconds_per_plan[k] * 1000:.0f} ms for a median plan)"
                    for k, n in export_counts.items()
                )
            )
            last = workdir
            for index in range(cfg.rounds):
                if index:
                    shutil.rmtree(last)
                last = run_round(index, cfg, workload, payloads, events, export_counts, workdir, results, log)

            memory = {}
            probes = [("append_batched", s) for s in ("goalplan", "sqlite3", "eventsourcing")]
            probes += [("replay", s) for s in ("goalplan", "sqlite3", "eventsourcing")]
            probes += [("catchup", s) for s in ("goalplan", "sqlite3")]
            probes += [(f"export_all/{f}", "goalplan") for f in formats]
            dbs = {
                "goalplan": last / "goalplan.db",
                "sqlite3": last / "floor.db",
                "eventsourcing": last / "es.db",
            }
            for scenario, system in probes:
                db = dbs[system] if scenario != "append_batched" else workdir / f"mem-{system}.db"
                spec = {"scenario": scenario, "system": system, "db": str(db)}
                spec |= {"plans": cfg.plans, "seed": SEED}
                if scenario.startswith("export_all/"):
                    spec["limit"] = export_counts[scenario.split("/", 1)[1]]
                memory[f"{scenario}/{system}"] = memory_probe(spec)
            log("memory probes done")

            scaled = run_scale(cfg, workdir, args.postgres, notes, log)

            scaling = None
            if cfg.memory:
                scaling = {}
                for label, size in (("small", cfg.memory_small), ("large", cfg.memory_large)):
                    db = workdir / f"scale-{label}.db"
                    written = build_log(db, size)
                    probe = memory_probe({"scenario": "replay", "system": "goalplan", "db": str(db)})
                    assert probe["count"] == written
                    scaling[label] = {"events": written, **probe}
                    db.unlink()
                    log(f"memory scenario: replayed {written} events")
                scaling["ratio"] = scaling["large"]["peak_rss_kb"] / scaling["small"]["peak_rss_kb"]
            else:
                notes.append(
                    "memory scaling (replay 1,000,000 vs 100,000 events) runs in full mode only "
                    "(or with --memory)"
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    ratios = {}
    for key, _ in TARGETS:
        scenario, peer = key.split("/")
        if scenario not in results.throughput:
            if not args.only:
                notes.append(f"{key}: not measured (its exporter is not installed)")
            continue
        ratios[key] = summary(
            results.ratio(scenario, "all_cores", "one_core")
            if scenario == "export_all"
            else results.ratio(scenario, "goalplan", peer)
        )
    for name in formats:
        ratios[f"export_all/{name}/one_core"] = summary(
            results.ratio(f"export_all/{name}", "all_cores", "one_core")
        )

    # What the peers allow: a target "goalplan >= k x eventsourcing" is out of reach for any store
    # doing at least the floor's work when the floor itself is below k x eventsourcing.
    bounds = {
        f"{scenario}/sqlite3_over_eventsourcing": summary(results.ratio(scenario, "sqlite3", "eventsourcing"))
        for scenario in ("append_batched", "replay")
        if scenario in results.throughput
    }
    for scenario, target in (("replay", 5.0),) if "replay" in results.throughput else ():
        floor = bounds[f"{scenario}/sqlite3_over_eventsourcing"]["median"]
        if floor < target:
            notes.append(
                f"{scenario}: the sqlite3 floor itself runs at {floor:.2f}x eventsourcing here, below the "
                f"{target}x target, so no store doing the floor's work (or more) can reach it on this machine"
            )
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "config": asdict(cfg) | {"mode": "quick" if args.quick else "full", "events": events, "seed": SEED},
        "throughput": {
            s: {name: summary(v) for name, v in by.items()} for s, by in results.throughput.items()
        },
        "ratios": ratios,
        "targets": {
            key: {"at_least": t, "median": ratios[key]["median"], "pass": ratios[key]["median"] >= t}
            for key, t in TARGETS
            if key in ratios
        },
        "bounds": bounds,
        "memory": memory,
        "memory_scaling": scaling,
        "notes": notes,
        "seconds": round(time.perf_counter() - started, 1),
    }
    report["scale"] = scaled
    for key, kind, bound in SCALE_TARGETS:
        value = scaled["ratios"].get(key)
        if value is not None:
            passed = value <= bound if kind == "at_most" else value >= bound
            report["targets"][key] = {kind: bound, "value": value, "pass": passed}
    if scaling is not None:
        report["targets"]["memory/replay_1m_vs_100k"] = {
            "at_most": MEMORY_TARGET,
            "value": scaling["ratio"],
            "pass": scaling["ratio"] <= MEMORY_TARGET,
        }
    print(render_table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return 0


def render_table(report: dict[str, Any]) -> str:
    cfg = report["config"]
    lines = [
        f"goalplan benchmarks, {report['date']}, {cfg['mode']} mode: {cfg['plans']} plans, "
        f"{cfg['events']} events, "
        f"{cfg['rounds']} rounds, {report['machine']['cpus']} CPUs, Python {report['machine']['python']}",
        "",
        f"{'scenario':<24} {'system':<14} {'median/s':>11} {'min/s':>11} {'max/s':>11}  "
        f"{'peak RSS':>9} {'growth':>8}",
    ]
    for scenario, by in report["throughput"].items():
        for system, s in by.items():
            mem = report["memory"].get(f"{scenario}/{system}") or (
                report["memory"].get(f"{scenario}/goalplan") if system == "one_core" else None
            )
            peak = f"{mem['peak_rss_kb'] / 1024:.0f} MB" if mem else ""
            growth = f"{mem['growth_kb'] / 1024:.0f} MB" if mem else ""
            lines.append(
                f"{scenario:<24} {system:<14} {s['median']:>11,.0f} {s['min']:>11,.0f} {s['max']:>11,.0f}"
                f"  {peak:>9} {growth:>8}"
            )
    lines += [
        "",
        "(throughput: events per second; export_all: plans per second, summed over formats "
        "for the export_all line)",
        "",
        f"{'ratio (goalplan / peer)':<32} {'min':>6} {'median':>7} {'max':>6}  {'target':>7}  result",
    ]
    for key, r in report["ratios"].items():
        target = report["targets"].get(key)
        verdict = ("PASS" if target["pass"] else "MISS") if target else ""
        goal = f">= {target['at_least']}" if target else ""
        lines.append(f"{key:<32} {r['min']:>6.2f} {r['median']:>7.2f} {r['max']:>6.2f}  {goal:>7}  {verdict}")
    for key, r in report["bounds"].items():
        lines.append(
            f"{key:<32} {r['min']:>6.2f} {r['median']:>7.2f} {r['max']:>6.2f}  (the floor's own ratio)"
        )
    scaled = report.get("scale") or {}
    if scaled.get("ratios"):
        lines += ["", f"{'scale (ratio)':<48} {'value':>7}  {'target':>8}  result"]
        for key, value in scaled["ratios"].items():
            target = report["targets"].get(key)
            goal = ""
            if target:
                goal = f"<= {target['at_most']}" if "at_most" in target else f">= {target['at_least']}"
            verdict = ("PASS" if target["pass"] else "MISS") if target else ""
            lines.append(f"{key:<48} {value:>7.2f}  {goal:>8}  {verdict}")
        if "plan_list" in scaled:
            pl = scaled["plan_list"]
            lines.append(
                f"  plan list command, CPU (wall): {pl['command_cpu_seconds']['small']:.3f} s "
                f"({pl['command_seconds']['small']:.3f} s) for {pl['plans']['small']} plans, "
                f"{pl['command_cpu_seconds']['large']:.3f} s ({pl['command_seconds']['large']:.3f} s) "
                f"for {pl['plans']['large']} plans"
            )
        if "write" in scaled:
            for label, w in scaled["write"].items():
                lines.append(
                    f"  write ({label}): {w['median_ms_100']:.1f} ms (100 events), "
                    f"{w['median_ms_5000']:.1f} ms (5,000 events; mean {w['mean_ms_5000']:.1f} ms)"
                )
        if "postgres_8_writers" in scaled:
            for name, r in scaled["postgres_8_writers"].items():
                lines.append(f"  postgres 8 writers, {name}: median {r['median']:,.0f} events/s")
    scaling = report["memory_scaling"]
    if scaling:
        t = report["targets"]["memory/replay_1m_vs_100k"]
        lines.append(
            f"{'memory replay 1M / 100k':<32} peak RSS {scaling['large']['peak_rss_kb'] / 1024:.0f} MB / "
            f"{scaling['small']['peak_rss_kb'] / 1024:.0f} MB = {scaling['ratio']:.2f}  <= {MEMORY_TARGET}  "
            f"{'PASS' if t['pass'] else 'MISS'}"
        )
    if report["notes"]:
        lines += ["", "notes:"] + [f"  - {n}" for n in report["notes"]]
    lines.append(f"\n(ran in {report['seconds']} s)")
    return "\n".join(lines)
