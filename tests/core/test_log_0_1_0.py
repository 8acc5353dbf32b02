"""A log written by goalplan 0.1.0 (the shipped examples, exported as JSON Lines) still imports,
verifies and folds, and its version-1 signatures are bound to what their signers saw."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from goalplan import Goalplan, plan_to_json
from goalplan.analytics import LintContext, lint
from goalplan.codec import decode
from goalplan.domain import changes_after, content_digest, fold, is_current
from goalplan.errors import RejectedError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "log-0.1.0.jsonl"
LINES = FIXTURE.read_text(encoding="utf-8").splitlines()


def test_every_line_was_written_at_schema_version_1_and_decodes() -> None:
    for line in LINES:
        record = json.loads(line)
        assert record["schema_version"] == 1
        decode(record["type"], 1, record["payload"])


def test_the_0_1_0_log_imports_verifies_and_folds(gp: Goalplan) -> None:
    report = gp.import_log(LINES)
    assert (report.plans, report.events, report.skipped) == (4, len(LINES), 0)
    assert gp.verify() == []
    for plan_id in gp.store.plan_ids():
        state = fold(gp.store.read_stream(plan_id), plan_id=plan_id)
        shown = plan_to_json(state)
        assert shown["client_birth_date"] is None and shown["client_record_number"] == ""
        assert shown["diagnoses"] == []
        for item in shown["interventions"]:
            assert (item["type"], item["minutes"], item["provider"]) == (None, None, None)
        lint(state, gp.smart_rules(), LintContext(today=state.opened_on))


def test_a_version_1_signature_binds_the_version_before_it_and_the_content_then(gp: Goalplan) -> None:
    gp.import_log(LINES)
    for plan_id in gp.store.plan_ids():
        records = gp.store.read_stream(plan_id)
        state = fold(records, plan_id=plan_id)
        for signature in state.signatures:
            signed_at = next(r.version for r in records if r.event_id == signature.event_id)
            assert signature.signed_version == signed_at - 1
            assert signature.content_digest == content_digest(fold(records[: signed_at - 1]))


def test_every_shipped_plan_was_revised_after_signing_and_now_says_so(gp: Goalplan) -> None:
    gp.import_log(LINES)
    for plan_id in gp.store.plan_ids():
        records = gp.store.read_stream(plan_id)
        state = fold(records, plan_id=plan_id)
        revision = next(r for r in records if r.type == "goal_revised")
        for signature in state.signatures:
            assert not is_current(state, signature)
            changed = changes_after(state, signature)
            assert changed[0].event_id == revision.event_id
            assert changed[0].what.startswith(f"goal {revision.event.goal_id[:6]} revised (")  # type: ignore[attr-defined]
            shown = next(s for s in plan_to_json(state)["signatures"] if s["event_id"] == signature.event_id)
            assert shown["current"] is False
            assert shown["changed_after"][0]["recorded_at"] == revision.recorded_at


def test_a_completion_recorded_before_the_missed_target_rule_still_imports(
    gp: Goalplan, tmp_path: Path
) -> None:
    """0.1.0 let a measured goal be completed short of its target with no further reason; its
    logs import, while a new completion like it is refused (docs/events.md, goal_status_changed)."""
    from datetime import date

    from goalplan import Measure

    plan = gp.open_plan(client="A", clinician="B", opened=date(2026, 1, 5))
    goal = plan.set_goal(
        "I will ride the bus", measure=Measure(name="rides", unit="per week", baseline=0, target=3)
    )
    plan.record_progress(goal, 1, on=date(2026, 1, 12))
    plan.change_status(goal, "completed", reason="moved away", target_missed="moved away")
    lines = []
    for line in io.StringIO(_export(gp, plan.id)):
        record = json.loads(line)
        if record["type"] == "goal_status_changed":  # as 0.1.0 wrote it: schema 1, no reason field
            record["schema_version"] = 1
            del record["payload"]["target_missed_reason"]
            record = _rehash(record, lines)
        elif lines:
            record = _rehash(record, lines)
        lines.append(record)
    with Goalplan.open(tmp_path / "other.db") as other:
        report = other.import_log(json.dumps(r) for r in lines)
        assert report.events == len(lines) and other.verify() == []
        assert other.plan(plan.id).state.goals[goal].status == "completed"
    bad = [dict(r) for r in lines]
    bad[-1] = {**bad[-1], "schema_version": 2}
    bad[-1] = _rehash(bad[-1], bad[:-1])
    with (
        Goalplan.open(tmp_path / "third.db") as third,
        pytest.raises(RejectedError, match="misses its target"),
    ):
        third.import_log(json.dumps(r) for r in bad)


def _export(gp: Goalplan, plan_id: str) -> str:
    out = io.StringIO()
    gp.export_log(out, plan_id)
    return out.getvalue()


def _rehash(record: dict[str, object], before: list[dict[str, object]]) -> dict[str, object]:
    """The record with its hash (and its link to the one before) made right again."""
    from goalplan.codec import chain_hash, new_event_from_json

    record = {**record, "prev_hash": before[-1]["hash"] if before else record["prev_hash"]}
    plan_id, version, event, prev, _ = new_event_from_json({**record, "hash": "0" * 64})
    record["hash"] = chain_hash(plan_id=plan_id, version=version, event=event, prev_hash=prev)
    return record
