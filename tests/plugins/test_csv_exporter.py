"""The CSV exporter: tables, RFC 4180 bytes, formula injection, de-identification."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

import goalplan
from goalplan import Measure, PlanLog
from goalplan.exporting import render
from goalplan.plugins import make_plugin_manager
from goalplan_csv.cells import FORMULA_STARTS, neutralise, write_csv
from tests.plugins.plugin_helpers import OWASP_PAYLOADS

KEY = "a-practice-secret-of-enough-length"


@pytest.fixture
def csv_exporter() -> goalplan.Exporter:
    return make_plugin_manager(load_entry_points=False, strict=True).exporter("csv")


def export(exporter: goalplan.Exporter, log: PlanLog, **options: str) -> bytes:
    return render(exporter, log, options)


def rows(data: bytes, *, numeric: bool = False) -> list[dict[str, object]]:
    """Read back as a spreadsheet-minded reader would; numeric=True turns bare cells into floats."""
    text = data.decode("utf-8")
    quoting = csv.QUOTE_NONNUMERIC if numeric else csv.QUOTE_MINIMAL
    return list(csv.DictReader(io.StringIO(text, newline=""), quoting=quoting))


# -- tables -------------------------------------------------------------------------------------


def test_goals_table_has_current_smart_fields_status_latest_and_percent(
    csv_exporter: goalplan.Exporter, panic_plan: goalplan.Plan
) -> None:
    goals = rows(export(csv_exporter, panic_plan.log()), numeric=True)
    assert len(goals) == 2
    panic, walks = goals
    assert panic["client"] == "Amara Lindqvist"
    assert panic["statement"] == (
        "I will have fewer than one panic attack a week within two months, on the bus and train."
    )  # the revised wording, not the original
    assert panic["focus_area"] == "Panic attacks"
    assert (panic["measure"], panic["unit"], panic["baseline"], panic["target"]) == (
        "panic attacks",
        "per week",
        3.0,
        0.5,
    )
    assert panic["direction"] == "decrease"
    assert panic["target_date"] == "2026-03-05"
    assert panic["status"] == "active"
    assert (panic["latest_value"], panic["latest_observed_on"]) == (1.0, "2026-02-09")
    assert panic["percent_toward_target"] == 80.0  # 3 -> 1 of the way 3 -> 0.5
    assert (panic["measurements"], panic["steps"], panic["revisions"]) == (3.0, 1.0, 1.0)
    assert walks["direction"] == "increase"
    assert walks["percent_toward_target"] == 50.0  # 0 -> 2 of the way 0 -> 4


@pytest.mark.parametrize(
    ("baseline", "target", "latest", "percent"),
    [(3, 0.5, 1, 80.0), (0, 4, 2, 50.0), (0, 4, 6, 150.0), (3, 0.5, 4, -40.0), (10, 20, 10, 0.0)],
)
def test_percent_toward_target_follows_the_goal_direction(
    csv_exporter: goalplan.Exporter,
    gp: goalplan.Goalplan,
    baseline: float,
    target: float,
    latest: float,
    percent: float,
) -> None:
    plan = gp.open_plan(client="C", clinician="D", opened=date(2026, 1, 1))
    goal = plan.set_goal(
        "I will do it.", measure=Measure(name="m", unit="u", baseline=baseline, target=target)
    )
    plan.record_progress(goal, latest, on=date(2026, 1, 2))
    (row,) = rows(export(csv_exporter, plan.log()), numeric=True)
    assert row["percent_toward_target"] == percent


def test_progress_table_has_one_row_per_measurement(
    csv_exporter: goalplan.Exporter, panic_plan: goalplan.Plan
) -> None:
    progress = rows(export(csv_exporter, panic_plan.log(), table="progress"), numeric=True)
    panic_goal = next(g.goal_id for g in panic_plan.state.goals.values() if g.term == "short")
    panic_rows = [r for r in progress if r["goal_id"] == panic_goal]
    assert [(r["observed_on"], r["value"]) for r in panic_rows] == [
        ("2026-01-12", 3.0),
        ("2026-01-26", 2.0),
        ("2026-02-09", 1.0),
    ]
    assert panic_rows[1]["note"] == "Used breathing on the bus; one attack shortened."
    assert len(progress) == 4
    assert all(r["recorded_by"] == "dr.ruiz" for r in progress)


def test_history_table_has_one_row_per_change_with_reason(
    csv_exporter: goalplan.Exporter, panic_plan: goalplan.Plan
) -> None:
    history = rows(export(csv_exporter, panic_plan.log(), table="history"))
    assert list(history[0]) == [
        "recorded_at",
        "recorded_by",
        "event_type",
        "version",
        "event_id",
        "plan_id",
        "goal_id",
        "field",
        "old_value",
        "new_value",
        "reason",
    ]
    revision = [r for r in history if r["event_type"] == "goal_revised"]
    assert len(revision) == 1
    assert revision[0]["field"] == "statement"
    assert revision[0]["old_value"].endswith("so I can ride the bus to work.")  # type: ignore[union-attr]
    assert revision[0]["new_value"].endswith("on the bus and train.")  # type: ignore[union-attr]
    assert revision[0]["reason"].startswith("Progress is faster than expected")  # type: ignore[union-attr]
    record = panic_plan.log().records[int(str(revision[0]["version"])) - 1]
    assert (revision[0]["recorded_at"], revision[0]["event_id"]) == (record.recorded_at, record.event_id)


# -- RFC 4180 bytes -----------------------------------------------------------------------------


def test_output_is_rfc4180_utf8_with_crlf_and_quoted_text(
    csv_exporter: goalplan.Exporter, panic_plan: goalplan.Plan
) -> None:
    first_goal = next(iter(panic_plan.state.goals))
    panic_plan.record_progress(first_goal, 1, note='Said "better"\nthen, left')
    data = export(csv_exporter, panic_plan.log(), table="progress")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert "Tomás".encode() not in data  # progress has no names; check UTF-8 below on goals
    records = data.split(b"\r\n")
    assert records[-1] == b""  # every record, the last included, ends with CRLF
    assert b'"Said ""better""\nthen, left"' in data  # embedded quote doubled, line break kept in quotes
    assert 'Said "better"\nthen, left' in [r["note"] for r in rows(data)]
    goals = export(csv_exporter, panic_plan.log())
    assert '"Dr. Tomás Ruiz"'.encode() in goals


def test_bom_option_adds_a_utf8_byte_order_mark(
    csv_exporter: goalplan.Exporter, panic_plan: goalplan.Plan
) -> None:
    plain = export(csv_exporter, panic_plan.log())
    with_bom = export(csv_exporter, panic_plan.log(), bom="true")
    assert with_bom == b"\xef\xbb\xbf" + plain
    assert export(csv_exporter, panic_plan.log(), bom="false") == plain


def test_same_log_and_options_give_byte_identical_output(
    csv_exporter: goalplan.Exporter, panic_plan: goalplan.Plan, db_path: object
) -> None:
    for options in (
        {},
        {"table": "progress"},
        {"table": "scores"},
        {"table": "history"},
        {"profile": "deidentified", "key": KEY},
    ):
        first = export(csv_exporter, panic_plan.log(), **options)
        with goalplan.Goalplan.open(str(db_path)) as reopened:
            second = export(csv_exporter, reopened.plan(panic_plan.id).log(), **options)
        assert first == second


# -- formula injection --------------------------------------------------------------------------


@pytest.fixture
def hostile_plan(gp: goalplan.Goalplan) -> goalplan.Plan:
    """Every OWASP payload in names, statements, notes and reasons, plus a negative baseline."""
    plan = gp.open_plan(
        client=OWASP_PAYLOADS[0],
        clinician=OWASP_PAYLOADS[1],
        opened=date(2026, 1, 5),
        discharge_criteria=OWASP_PAYLOADS[2],
    )
    for number, payload in enumerate(OWASP_PAYLOADS):
        one_line = payload if payload.isprintable() else f"per {number}"  # no tab or newline in a unit
        goal = plan.set_goal(
            payload,
            focus=f"focus {number}",
            measure=Measure(name=one_line, unit=one_line, baseline=-2, target=3),
            relevance=payload,
        )
        plan.record_progress(goal, -1, on=date(2026, 1, 6), note=payload)
        plan.record_score("PHQ-9", 9, on=date(2026, 1, 6), goal=goal, note=payload)
        plan.change_status(goal, "on-hold", reason=payload)
    return plan


@pytest.mark.parametrize("table", ["goals", "progress", "scores", "history"])
def test_owasp_payloads_are_neutralised_and_numbers_stay_numbers(
    csv_exporter: goalplan.Exporter, hostile_plan: goalplan.Plan, table: str
) -> None:
    data = export(csv_exporter, hostile_plan.log(), table=table)
    read = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    numeric = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), quoting=csv.QUOTE_NONNUMERIC))
    found = set()
    for row, typed in zip(read, numeric, strict=True):
        for cell, value in zip(row, typed, strict=True):
            if isinstance(value, str):  # a text cell: never starts a formula
                assert not cell.startswith(FORMULA_STARTS), cell
                if cell.startswith("'") and cell[1:] in OWASP_PAYLOADS:
                    found.add(cell[1:])
            else:  # a bare number: negative values are not prefixed
                assert isinstance(value, float)
    assert found == set(OWASP_PAYLOADS)  # each payload made it through, neutralised
    if table in ("goals", "progress"):
        negatives = [v for r in numeric[1:] for v in r if isinstance(v, float) and v < 0]
        assert negatives, "the negative baseline/value should be written as a number"


def test_text_cells_that_only_look_numeric_are_still_neutralised() -> None:
    assert neutralise("-5 pounds") == "'-5 pounds"
    assert neutralise("+44 20 7946 0958") == "'+44 20 7946 0958"
    assert neutralise("walk 5 days") == "walk 5 days"
    assert neutralise("") == ""
    assert neutralise("\0=1+2") == "'\0=1+2"
    assert neutralise("  two gatherings") == "  two gatherings"  # only a formula after the spaces
    assert neutralise("\u200b") == "\u200b"
    assert neutralise("a|b") == "a|b"


def test_every_leading_formula_character_is_neutralised_in_written_cells() -> None:
    payloads = [f"{c}SUM(1+1)" for c in FORMULA_STARTS]
    payloads += [f"{lead}{c}SUM(1+1)" for lead in (" ", "\u200b", "\ufeff", " \u2060") for c in "=+-@|"]
    payloads += [f"{c}SUM(1+1)" for c in "\uff1d\uff0b\uff0d\uff20\uff5c"]
    data = write_csv(["text", "number"], [[p, -3] for p in payloads])
    read = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), quoting=csv.QUOTE_NONNUMERIC))
    assert read[1:] == [["'" + p, -3.0] for p in payloads]
    assert data.count(b"\r\n") >= len(payloads) + 1


# -- de-identified profile ----------------------------------------------------------------------


def _all_text(plan: goalplan.Plan) -> list[str]:
    state = plan.state
    texts = [state.client_name, state.clinician_name, state.clinician_credentials, state.discharge_criteria]
    for goal in state.goals.values():
        texts += [goal.statement, goal.relevance, state.focus_title(goal.focus_id), goal.set_by]
        if goal.measure:
            texts += [goal.measure.name, goal.measure.unit]
        texts += [p.note for p in goal.progress]
    texts += [s.text for s in state.steps.values()]
    texts += [r.summary for r in state.reviews]
    texts += [e.reason for e in plan.history() if e.reason]
    return [t for t in texts if t]


@pytest.mark.parametrize("table", ["goals", "progress", "scores", "history"])
def test_deidentified_output_has_no_names_free_text_ids_dates_or_key(
    csv_exporter: goalplan.Exporter, panic_plan: goalplan.Plan, table: str
) -> None:
    data = export(csv_exporter, panic_plan.log(), table=table, profile="deidentified", key=KEY)
    text = data.decode("utf-8")
    for secret in _all_text(panic_plan):
        assert secret not in text, secret
    assert panic_plan.id not in text
    for goal_id in panic_plan.state.goals:
        assert goal_id not in text
    for record in panic_plan.log().records:
        assert record.event_id not in text
    assert KEY not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "a calendar date leaked"
    assert "Tomás" not in text and "Amara" not in text


def test_deidentified_dates_are_day_offsets_from_the_opening(
    csv_exporter: goalplan.Exporter, panic_plan: goalplan.Plan
) -> None:
    goals = rows(export(csv_exporter, panic_plan.log(), profile="deidentified", key=KEY), numeric=True)
    assert "target_date" not in goals[0] and "client" not in goals[0]
    assert goals[0]["target_day"] == 59.0  # 2026-01-05 -> 2026-03-05
    assert goals[0]["latest_observed_day"] == 35.0  # -> 2026-02-09
    assert goals[0]["percent_toward_target"] == 80.0
    progress = rows(
        export(csv_exporter, panic_plan.log(), table="progress", profile="deidentified", key=KEY),
        numeric=True,
    )
    assert [r["observed_day"] for r in progress[:3]] == [7.0, 21.0, 35.0]
    history = rows(
        export(csv_exporter, panic_plan.log(), table="history", profile="deidentified", key=KEY), numeric=True
    )
    assert {"recorded_by", "reason", "event_id"}.isdisjoint(history[0])
    revised = next(r for r in history if r["event_type"] == "goal_revised")
    assert (revised["field"], revised["old_value"], revised["new_value"]) == ("statement", "", "")
    baseline = next(r for r in history if r["field"] == "baseline")
    assert baseline["new_value"] == 3.0


def test_pseudonyms_are_stable_for_a_key_and_differ_across_keys(
    csv_exporter: goalplan.Exporter, panic_plan: goalplan.Plan
) -> None:
    def pseudonyms(key: str, table: str) -> list[tuple[object, object]]:
        got = rows(export(csv_exporter, panic_plan.log(), table=table, profile="deidentified", key=key))
        return [(r["plan_pseudonym"], r["goal_pseudonym"]) for r in got]

    goals = pseudonyms(KEY, "goals")
    assert goals == pseudonyms(KEY, "goals")
    assert {g for _, g in pseudonyms(KEY, "progress")} == {g for _, g in goals}  # joinable across tables
    assert len({g for _, g in goals}) == 2
    other = pseudonyms("another-secret-key-entirely", "goals")
    assert {p for p, _ in other}.isdisjoint({p for p, _ in goals})


def test_the_key_can_come_from_the_environment(
    csv_exporter: goalplan.Exporter, panic_plan: goalplan.Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOALPLAN_PSEUDONYM_KEY", KEY)
    from_env = export(csv_exporter, panic_plan.log(), profile="deidentified")
    assert from_env == export(csv_exporter, panic_plan.log(), profile="deidentified", key=KEY)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"profile": "deidentified"}, "--option key: profile=deidentified needs a pseudonym key"),
        ({"profile": "deidentified", "key": "short"}, "must be at least 16 characters"),
        ({"key": KEY}, "--option key: is only used with --option profile=deidentified"),
        (
            {"table": "notes"},
            "--option table: must be one of goals, progress, scores, history, plans, record, diagnoses, "
            "interventions, signatures; got 'notes'",
        ),
        ({"bom": "yes"}, "--option bom: must be one of false, true; got 'yes'"),
        ({"profile": "anonymous"}, "--option profile: must be one of full, deidentified"),
    ],
)
def test_bad_option_values_are_refused_with_one_sentence(
    csv_exporter: goalplan.Exporter,
    panic_plan: goalplan.Plan,
    monkeypatch: pytest.MonkeyPatch,
    options: dict[str, str],
    message: str,
) -> None:
    monkeypatch.delenv("GOALPLAN_PSEUDONYM_KEY", raising=False)
    with pytest.raises(goalplan.RejectedError, match=re.escape(message)):
        export(csv_exporter, panic_plan.log(), **options)


# --- the clinical record's tables ---------------------------------------------------------------------


@pytest.fixture
def clinical_log(gp: goalplan.Goalplan) -> PlanLog:
    plan = gp.open_plan(
        client="Ana Silva",
        clinician="Dr. Ruiz",
        credentials="PhD",
        opened=date(2026, 1, 5),
        birth_date=date(1990, 4, 2),
        record_number="MRN-0042",
        guardian="Maria Silva",
        guardian_relationship="mother",
    )
    goal = plan.set_goal(
        "I will ride the metro twice a week",
        focus="Panic",
        measure=Measure(name="metro rides", unit="per week", baseline=0, target=2),
        by=date(2026, 4, 1),
    )
    plan.add_diagnosis("F41.0", focus=["Panic"], primary=True, dsm5="Panic disorder")
    plan.plan_intervention(
        "CBT", "Interoceptive exposure", "weekly", goals=[goal], type="individual", minutes=50,
        sessions=1, per="week", provider="Dr. Ruiz", provider_credentials="PhD",
        provider_role="primary therapist", starts=date(2026, 1, 12), ends=date(2026, 4, 6),
    )  # fmt: skip
    plan.set_details(
        level_of_care="Outpatient", effective_from=date(2026, 1, 5), effective_through=date(2027, 1, 4),
        strengths="Keeps appointments", aftercare="Peer group", referrals="GP review",
        discharge_criteria="Two rides a week for a month",
    )  # fmt: skip
    plan.sign(role="client", name="Ana Silva", on=date(2026, 1, 5), actor="front.desk")
    plan.give_copy(to="Ana Silva", on=date(2026, 1, 5), method="printed")
    plan.record_score("phq9", 11, items=(2, 2, 1, 1, 1, 1, 1, 1, 1), on=date(2026, 1, 12))
    plan.review_safety(reason="Risk assessed; safety plan made", on=date(2026, 1, 12))
    plan.revise_goal(goal, reason="client asked", by=date(2026, 5, 1))
    return plan.log()


def test_the_clinical_tables_carry_the_new_elements(
    csv_exporter: goalplan.Exporter, clinical_log: PlanLog
) -> None:
    (plan,) = rows(export(csv_exporter, clinical_log, table="record"))
    assert (plan["client_birth_date"], plan["client_record_number"]) == ("1990-04-02", "MRN-0042")
    assert (plan["guardian_name"], plan["guardian_relationship"]) == ("Maria Silva", "mother")
    assert (plan["effective_from"], plan["effective_through"]) == ("2026-01-05", "2027-01-04")
    assert (plan["primary_diagnosis"], plan["level_of_care"]) == ("F41.0", "Outpatient")
    assert (plan["plan_given_on"], plan["open_safety_findings"]) == ("2026-01-05", "0")
    assert plan["content_digest"] == goalplan.content_digest(clinical_log.state)
    (diagnosis,) = rows(export(csv_exporter, clinical_log, table="diagnoses"))
    assert diagnosis["code"] == "F41.0" and diagnosis["description"].startswith("Panic disorder")
    assert (diagnosis["primary"], diagnosis["focus_areas"], diagnosis["status"]) == (
        "true",
        "Panic",
        "active",
    )
    (item,) = rows(export(csv_exporter, clinical_log, table="interventions"))
    assert (item["type"], item["minutes"], item["sessions"], item["period"]) == (
        "individual",
        "50",
        "1",
        "week",
    )
    assert (item["provider"], item["provider_role"], item["ends_on"]) == (
        "Dr. Ruiz",
        "primary therapist",
        "2026-04-06",
    )
    (signature,) = rows(export(csv_exporter, clinical_log, table="signatures"))
    assert (signature["name"], signature["recorded_by"], signature["current"]) == (
        "Ana Silva",
        "front.desk",
        "false",
    )
    assert "revised (target_date)" in signature["changed_after"]
    (score,) = rows(export(csv_exporter, clinical_log, table="scores"))
    assert (score["item9"], score["safety_reviewed_on"]) == ("1", "2026-01-12")


def test_deidentified_clinical_tables_drop_identifiers(
    csv_exporter: goalplan.Exporter, clinical_log: PlanLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOALPLAN_PSEUDONYM_KEY", "k" * 32)
    data = export(csv_exporter, clinical_log, table="record", profile="deidentified")
    (plan,) = rows(data)
    for identifier in (
        "client",
        "client_birth_date",
        "client_record_number",
        "guardian_name",
        "content_digest",
    ):
        assert identifier not in plan
    assert b"1990" not in data and b"MRN" not in data and b"Maria" not in data
    assert plan["effective_through_day"] == "364"
    (signature,) = rows(export(csv_exporter, clinical_log, table="signatures", profile="deidentified"))
    assert "name" not in signature and signature["current"] == "false"
