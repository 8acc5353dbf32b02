"""A log written by goalplan 0.1.0 (the shipped examples, exported as JSON Lines) still imports,
verifies and folds, and its version-1 signatures are bound to what their signers saw."""

from __future__ import annotations

import json
from pathlib import Path

from goalplan import Goalplan, plan_to_json
from goalplan.analytics import LintContext, lint
from goalplan.codec import decode
from goalplan.domain import changes_after, content_digest, fold, is_current

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
