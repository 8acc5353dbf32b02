"""The shipped examples plus a seeded caseload give findings of every built-in kind."""

from __future__ import annotations

from pathlib import Path

from benchmarks.workload import iter_caseload
from examples.caseload import build

import goalplan
from goalplan.audit.builtin import BUILTIN_AUDIT_RULES
from goalplan.store.sqlite import SQLiteStore


def test_the_examples_and_a_seeded_caseload_produce_findings_of_every_kind(tmp_path: Path) -> None:
    db = tmp_path / "caseload.db"
    build(str(db))
    store = SQLiteStore(db)
    for plan in iter_caseload(60):
        store.append(plan.plan_id, [e.new_event() for e in plan.events], 0)
    store.close()
    with goalplan.open(db) as gp:
        report = gp.audit()
        counts = report.by_rule()
    assert report.plans_read == 64
    assert {r.id for r in BUILTIN_AUDIT_RULES} == {rule for rule, n in counts.items() if n}, counts
