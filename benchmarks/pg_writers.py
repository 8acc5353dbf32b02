"""PostgreSQL with 8 writer processes: goalplan, a plain psycopg floor and eventsourcing.

Every system makes the same appends: each writer its own 50 plans, 10 events per append, one
transaction per append, all writers released together by a barrier. Throughput is all events
over the time from the release to the last writer's end.

- goalplan: ``PostgresStore.append`` (hash chain, idempotent-retry check, global positions,
  inline read models and snapshots).
- psycopg floor: the same rows inserted with ``executemany`` in one transaction per append into
  a table keyed by plan and version; no hash, no global order, no read models.
- eventsourcing (v9, ``eventsourcing.postgres``): an aggregate per plan, 10 events triggered
  and saved together through its application recorder, which numbers notifications globally.

Each system works in a schema of its own, created for the round and dropped after it.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit

WRITERS = 8
PLANS_PER_WRITER = 50
BATCH = 10
SYSTEMS = ("goalplan", "psycopg", "eventsourcing")


def _schema_url(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def _batches(writer: int, appends_per_plan: int) -> list[tuple[str, int, list[Any]]]:
    """(plan id, version before, NewEvents) for every append this writer makes, plan by plan."""
    from datetime import UTC, date, datetime, timedelta

    from goalplan.codec import NewEvent
    from goalplan.events import FocusAreaAdded, GoalSet, Measure, PlanOpened, ProgressRecorded

    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    out = []
    for rnd in range(appends_per_plan):
        for p in range(PLANS_PER_WRITER):
            plan_id = f"w{writer}-plan-{p:03d}"
            events: list[Any] = []
            if rnd == 0:
                events = [
                    PlanOpened(
                        client_name=f"Client {p}", clinician_name="Dr. Ruiz", opened_on=date(2026, 1, 5)
                    ),
                    FocusAreaAdded(focus_id="F1", title="Sleep"),
                    GoalSet(
                        goal_id="G1",
                        statement="I will sleep seven hours on most nights",
                        focus_id="F1",
                        measure=Measure(name="nights", unit="per week", baseline=1, target=5),
                        target_date=date(2026, 6, 1),
                    ),
                ]
            while len(events) < BATCH:
                n = rnd * BATCH + len(events)
                events.append(
                    ProgressRecorded(
                        goal_id="G1", value=float(n % 7), observed_on=date(2026, 1, 6) + timedelta(days=n)
                    )
                )
            stamp = start + timedelta(minutes=rnd)
            out.append(
                (
                    plan_id,
                    rnd * BATCH,
                    [
                        NewEvent.of(
                            e, actor=f"writer-{writer}", recorded_at=stamp + timedelta(microseconds=i)
                        )
                        for i, e in enumerate(events)
                    ],
                )
            )
    return out


def _es_env(url: str, schema: str) -> dict[str, str]:
    parts = urlsplit(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parts.path.lstrip("/"),
        "POSTGRES_HOST": parts.hostname or "localhost",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or ""),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": "1",
    }


def _writer(
    system: str, url: str, schema: str, writer: int, appends_per_plan: int, barrier: Any, results: Any
) -> None:
    batches = _batches(writer, appends_per_plan)
    if system == "goalplan":
        from goalplan.store.postgres import PostgresStore

        store = PostgresStore(_schema_url(url, schema))
        barrier.wait()
        began = time.perf_counter()
        for plan_id, version, events in batches:
            store.append(plan_id, events, version)
        ended = time.perf_counter()
        store.close()
    elif system == "psycopg":
        import psycopg

        conn = psycopg.connect(_schema_url(url, schema), autocommit=True)
        insert = (
            "INSERT INTO floor_events (plan_id, version, event_id, recorded_at, actor, type, "
            "schema_version, payload) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        )
        barrier.wait()
        began = time.perf_counter()
        for plan_id, version, events in batches:
            rows = [
                (
                    plan_id,
                    version + i + 1,
                    e.event_id,
                    e.recorded_at,
                    e.actor,
                    e.type,
                    e.schema_version,
                    e.payload,
                )
                for i, e in enumerate(events)
            ]
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(insert, rows)
        ended = time.perf_counter()
        conn.close()
    else:
        import json

        from benchmarks.es_model import PlanAggregate, Plans

        app = Plans(env={**_es_env(url, schema), "CREATE_TABLE": "false"})  # made by _prepare
        aggregates: dict[str, Any] = {}
        payloads = [
            (plan_id, [(e.type, json.loads(e.payload)) for e in events]) for plan_id, _, events in batches
        ]
        barrier.wait()
        began = time.perf_counter()
        for plan_id, items in payloads:
            agg = aggregates.get(plan_id)
            if agg is None:
                _, first = items[0]
                agg = aggregates[plan_id] = PlanAggregate(plan_id=plan_id, payload=first)
                items = items[1:]
            for kind, payload in items:
                agg.record(type=kind, payload=payload)
            app.save(agg)
        ended = time.perf_counter()
        app.close()
    results.put((began, ended, sum(len(b[2]) for b in batches)))


def _prepare(system: str, url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    if system == "goalplan":
        from goalplan.store.postgres import PostgresStore

        PostgresStore(_schema_url(url, schema)).close()
    elif system == "psycopg":
        with psycopg.connect(_schema_url(url, schema), autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE floor_events (plan_id text NOT NULL, version integer NOT NULL, "
                "event_id text NOT NULL, recorded_at text NOT NULL, actor text NOT NULL, type text NOT NULL, "
                "schema_version integer NOT NULL, payload text NOT NULL, PRIMARY KEY (plan_id, version))"
            )
    else:
        from benchmarks.es_model import Plans

        Plans(env=_es_env(url, schema)).close()  # creates its tables once, before the writers race


def _drop(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def run_system(system: str, url: str, appends_per_plan: int) -> float:
    """Events per second for ``system`` with WRITERS processes."""
    schema = f"bench_{system}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    ctx = multiprocessing.get_context("spawn")
    _prepare(system, url, schema)
    try:
        barrier = ctx.Barrier(WRITERS)
        results = ctx.Queue()
        procs = [
            ctx.Process(target=_writer, args=(system, url, schema, w, appends_per_plan, barrier, results))
            for w in range(WRITERS)
        ]
        for proc in procs:
            proc.start()
        got = []
        while len(got) < WRITERS:
            try:
                got.append(results.get(timeout=1))
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in procs):
                    break

        for proc in procs:
            proc.join(timeout=60)
            if proc.exitcode != 0:
                for other in procs:
                    if other.is_alive():
                        other.kill()
                raise RuntimeError(f"a {system} writer failed (exit {proc.exitcode})")
        began = min(g[0] for g in got)
        ended = max(g[1] for g in got)
        return sum(g[2] for g in got) / (ended - began)
    finally:
        _drop(url, schema)


def available(url: str | None) -> str | None:
    """Why the PostgreSQL scenario cannot run (None if it can)."""
    if not url:
        return "PostgreSQL writers: give --postgres URL (or $GOALPLAN_BENCH_POSTGRES) to run this scenario"
    try:
        import eventsourcing.postgres  # noqa: F401
        import psycopg

        with psycopg.connect(url, connect_timeout=5):
            pass
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"PostgreSQL writers skipped: {type(exc).__name__}: {first}"
    return None
