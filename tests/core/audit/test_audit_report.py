"""goalplan audit as a user runs it: formats, determinism, options, and a practice's own rule."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import goalplan
from goalplan import AuditFinding, AuditRule, Measure, PlanWalk, audit_rule
from goalplan.plugins import make_plugin_manager
from tests.conftest import StepClock
from tests.core.audit.test_audit_rules import at
from tests.plugins.plugin_helpers import run_goalplan


@pytest.fixture
def store(db_path: Path, gp: goalplan.Goalplan, clock: StepClock) -> Path:
    """Two plans of two clinicians with a moved goal, a late entry, a correction and a copied goal."""
    at(clock, "2026-01-05")
    plan = gp.open_plan(client="Ada", clinician="Dr Ruiz", opened=date(2026, 1, 5))
    goal = plan.set_goal(
        "I will have fewer than one panic attack a week",
        measure=Measure(name="panic attacks", unit="per week", baseline=3, target=0.5),
        by=date(2026, 3, 1),
    )
    at(clock, "2026-02-10")
    plan.revise_goal(goal, reason='a week lost to flu; =HYPERLINK("x")', by=date(2026, 3, 15))
    wrong = plan.record_progress(goal, 30, on=date(2026, 1, 20))
    plan.correct(plan.log().records[wrong.versions[0] - 1].event_id, reason="typed 30 for 3")
    other = gp.open_plan(client="Cy", clinician="Dr Lee", opened=date(2026, 2, 10))
    other.set_goal("I will have fewer than one panic attack a week.")
    return db_path


def audit(db: Path, *args: str) -> tuple[int, bytes, str]:
    result = run_goalplan("--db", str(db), "audit", *args)
    return result.returncode, result.stdout, result.stderr.decode()


def test_the_text_report_summarises_then_lists_each_finding(store: Path) -> None:
    code, out, err = audit(store)
    assert code == 0, err
    text = out.decode()
    assert text.startswith("Audit as of 2026-02-10T09:")
    assert "2 plan(s)" in text and "audit.correction" in text
    assert "Reason given: typed 30 for 3" in text


def test_json_is_byte_identical_on_a_rerun_and_as_of_reproduces_an_earlier_report(
    store: Path, gp: goalplan.Goalplan, clock: StepClock, tmp_path: Path
) -> None:
    code, first, err = audit(store, "--format", "json")
    assert code == 0, err
    assert audit(store, "--format", "json")[1] == first
    report = json.loads(first)
    assert set(report) == {"as_of", "scope", "settings", "store", "rules", "summary", "findings"}
    assert {f["rule_id"] for f in report["findings"]} >= {
        "audit.goalpost-moved",
        "audit.late-entry",
        "audit.correction",
        "audit.copied-text",
        "audit.missing-element",
    }

    at(clock, "2026-03-20")
    gp.plan(report["findings"][0]["plan_id"]).hold_review(held=date(2026, 3, 20))
    assert audit(store, "--format", "json")[1] != first
    assert audit(store, "--format", "json", "--as-of", report["as_of"])[1] == first


def test_csv_has_one_spreadsheet_safe_row_per_finding(store: Path) -> None:
    code, out, err = audit(store, "--format", "csv")
    assert code == 0, err
    assert out.endswith(b"\r\n")
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8"), newline="")))
    report = json.loads(audit(store, "--format", "json")[1])
    assert [r["event_id"] for r in rows] == [f["event_id"] or "" for f in report["findings"]]
    moved = next(r for r in rows if r["rule_id"] == "audit.goalpost-moved")
    assert moved["reason"] == 'a week lost to flu; =HYPERLINK("x")'  # not at the start: left as is
    assert json.loads(moved["detail"]) == {"move": "date pushed back"}


def test_the_pdf_has_the_summary_and_every_finding_with_its_plan_and_event(
    store: Path, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    out = tmp_path / "audit.pdf"
    code, _, err = audit(store, "--format", "pdf", "-o", str(out))
    assert code == 0, err
    assert out.stat().st_mode & 0o777 == 0o600
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages).replace("\n", " ")
    assert "Findings by rule" in text and "Findings per month" in text and "Findings per actor" in text
    for finding in json.loads(audit(store, "--format", "json")[1])["findings"]:
        assert finding["plan_id"] in text
    report = json.loads(audit(store, "--format", "json")[1])
    checkpoint = report["store"]["checkpoint"]
    assert checkpoint["position"] == report["store"]["head_position"]
    assert f"Read up to the signed checkpoint at position {checkpoint['position']}" in text
    assert checkpoint["signature"][:16] in text
    again = tmp_path / "again.pdf"
    audit(store, "--format", "pdf", "-o", str(again))
    assert again.read_bytes() == out.read_bytes()


def test_narrowing_options_reach_the_report(store: Path) -> None:
    report = json.loads(audit(store, "--format", "json", "--clinician", "Dr Lee")[1])
    assert report["store"]["plans_read"] == 1 and report["scope"]["clinicians"] == ["Dr Lee"]
    report = json.loads(audit(store, "--format", "json", "--from", "2026-02-01", "--to", "2026-02-28")[1])
    assert report["findings"] and all(
        (f["recorded_at"] or f["effective_on"]).startswith("2026-02") for f in report["findings"]
    )
    report = json.loads(audit(store, "--format", "json", "--late-after", "2w", "--moved-after", "0")[1])
    assert report["settings"]["late_after_days"] == 14
    assert any(f["rule_id"] == "audit.goal-moved-often" for f in report["findings"])


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--format", "docx"), "--format"),
        (("--late-after", "7 days"), "--late-after"),
        (("--moved-after", "-1"), "--moved-after"),
        (("--from", "2026-03-01", "--to", "2026-02-01"), "--from"),
        (("--as-of", "yesterday"), "--as-of"),
        (("--format", "csv", "--option", "bom=maybe"), "--option bom"),
        (("--plan", "NOSUCHPLAN"), "NOSUCHPLAN"),
    ],
)
def test_bad_options_are_refused_in_one_sentence_and_nothing_is_written(
    store: Path, tmp_path: Path, args: tuple[str, ...], named: str
) -> None:
    out = tmp_path / "report.out"
    code, stdout, err = audit(store, *args, "-o", str(out))
    assert code in (1, 2)
    assert named in err and "Traceback" not in err
    assert stdout == b"" and not out.exists()


def test_an_empty_store_gives_an_empty_report(tmp_path: Path) -> None:
    with goalplan.open(tmp_path / "empty.db"):
        pass
    code, out, err = audit(tmp_path / "empty.db", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["findings"] == [] and report["store"] == {
        "checkpoint": None,
        "head_position": 0,
        "plans_read": 0,
        "events_read": 0,
    }


@audit_rule("practice.no-relevance", "Goals without relevance", "Our practice asks why each goal matters.")
def no_relevance(walk: PlanWalk, context: goalplan.AuditContext) -> Iterator[AuditFinding]:
    for goal in walk.final.goals.values():
        if not goal.relevance:
            yield AuditFinding(
                rule_id="practice.no-relevance",
                severity="low",
                plan_id=walk.plan_id,
                goal_id=goal.goal_id,
                message="No relevance recorded.",
            )


class PracticeRules:
    @goalplan.hookimpl
    def register_audit_rules(self) -> list[AuditRule]:
        return [no_relevance]


class BrokenRules:
    @goalplan.hookimpl
    def register_audit_rules(self) -> list[object]:
        return ["not a rule"]


def test_a_practice_adds_its_own_rule_through_the_hook(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pm = make_plugin_manager(load_entry_points=False, extra=(PracticeRules(), BrokenRules()))
    monkeypatch.setattr("goalplan.api.get_plugin_manager", lambda: pm)
    with goalplan.open(store) as gp:
        report = gp.audit()
    rules = {r.id: r for r in report.rules}
    assert rules["practice.no-relevance"].plugin == "PracticeRules"
    assert "audit.late-entry" in rules
    assert report.by_rule()["practice.no-relevance"] == 2
    assert "not a goalplan.AuditRule" in pm.load_errors["BrokenRules"]


DOCS = Path(__file__).resolve().parents[3] / "docs" / "audit.md"


def test_docs_audit_lists_every_built_in_rule_and_every_json_key(store: Path) -> None:
    from goalplan.audit.builtin import BUILTIN_AUDIT_RULES

    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([^`]+)` \|", text, re.M))
    assert {r.id for r in BUILTIN_AUDIT_RULES} <= documented
    report = json.loads(audit(store, "--format", "json")[1])
    assert set(report) <= documented
    assert set(report["findings"][0]) <= documented
    for key in report["summary"]:
        assert f"`{key}`" in text


def test_the_rule_example_in_docs_audit_registers_and_runs(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (example,) = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    namespace: dict[str, object] = {}
    exec(compile(example, "audit.md", "exec"), namespace)
    plugin = type(
        "DocsExample", (), {"register_audit_rules": staticmethod(namespace["register_audit_rules"])}
    )
    pm = make_plugin_manager(load_entry_points=False, extra=(plugin,))
    monkeypatch.setattr("goalplan.api.get_plugin_manager", lambda: pm)
    with goalplan.open(store) as gp:
        assert gp.audit().by_rule()["practice.no-relevance"] == 2


def test_a_refused_stream_ends_the_report_and_closes_its_spool(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from goalplan.audit import report

    closed: list[bool] = []

    class RecordingSpool(report.FindingSpool):
        def close(self) -> None:
            closed.append(True)
            super().close()

    def streams() -> Iterator[list[goalplan.RecordedEvent]]:
        raise goalplan.IntegrityError("plan X version 1: broken")
        yield []

    monkeypatch.setattr(report, "FindingSpool", RecordingSpool)
    with pytest.raises(goalplan.IntegrityError):
        report.run_audit(streams(), [], as_of=datetime(2026, 3, 1, tzinfo=UTC))
    assert closed == [True]
