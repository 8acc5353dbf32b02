"""CSV for spreadsheets set to European locales (``delimiter``), and the whole caseload in one file."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import date
from pathlib import Path

import pytest

import goalplan
from goalplan.exporting import render
from goalplan.plugins import make_plugin_manager
from tests.plugins.conftest import build_panic_plan

KEY = "a-practice-secret-of-enough-length"


@pytest.fixture
def csv_exporter() -> goalplan.Exporter:
    return make_plugin_manager(load_entry_points=False, strict=True).exporter("csv")


def read(data: bytes, delimiter: str = ",") -> list[list[str]]:
    """As Excel's rules read it: Python's excel dialect, with the file's separator."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), "excel", delimiter=delimiter))


@pytest.mark.parametrize(("given", "separator"), [(";", ";"), ("semicolon", ";"), ("tab", "\t"), ("|", "|")])
def test_delimiter_changes_only_the_separator(
    csv_exporter: goalplan.Exporter, panic_plan: goalplan.Plan, given: str, separator: str
) -> None:
    comma = render(csv_exporter, panic_plan.log(), {"table": "progress"})
    other = render(csv_exporter, panic_plan.log(), {"table": "progress", "delimiter": given})
    assert read(other, separator) == read(comma)
    assert other.splitlines()[0].count(separator.encode()) == 8  # nine columns
    assert other.endswith(b"\r\n")


def test_semicolon_file_keeps_commas_inside_text_and_numbers_bare(
    csv_exporter: goalplan.Exporter, panic_plan: goalplan.Plan
) -> None:
    data = render(csv_exporter, panic_plan.log(), {"delimiter": ";"})
    header, first, *_ = read(data, ";")
    row = dict(zip(header, first, strict=True))
    assert "," in row["statement"]  # "...within two months, on the bus..." stays one cell
    assert b';3;0.5;"decrease";' in data  # baseline and target are bare numbers


@pytest.mark.parametrize("bad", [":", "  ", "colon", ",;", "x"])
def test_other_delimiters_are_refused_naming_the_option(
    csv_exporter: goalplan.Exporter, panic_plan: goalplan.Plan, bad: str
) -> None:
    with pytest.raises(goalplan.RejectedError, match=r"^--option delimiter: must be one of ',' \(comma"):
        render(csv_exporter, panic_plan.log(), {"delimiter": bad})


def _second_plan(gp: goalplan.Goalplan) -> goalplan.Plan:
    plan = gp.open_plan(client="Noor Haddad", clinician="Dr. Tomás Ruiz", opened=date(2026, 2, 2))
    goal = plan.set_goal(
        "I will walk for twenty minutes on five days a week",
        focus="Low mood",
        by=date(2026, 5, 1),
        measure=goalplan.Measure(name="walking days", unit="per week", baseline=1, target=5),
    )
    plan.record_progress(goal, 2, on=date(2026, 2, 16))
    return plan


def test_caseload_scope_writes_every_plan_in_one_file(invoke: object, db_path: Path, tmp_path: Path) -> None:
    with goalplan.open(db_path) as gp:
        first = build_panic_plan(gp)
        second = _second_plan(gp)
    out = tmp_path / "caseload.csv"
    result = invoke("export", "--all", "--format", "csv", "--option", "scope=caseload", "-o", str(out))  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    header, *rows = read(out.read_bytes())
    assert header[:4] == ["plan_id", "client", "clinician", "goal_id"]
    assert [r[0] for r in rows] == [first.id, first.id, second.id]
    assert {r[1] for r in rows} == {"Amara Lindqvist", "Noor Haddad"}
    assert all(len(r) == len(header) for r in rows)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_caseload_scope_for_each_table_and_deidentified(
    invoke: object, db_path: Path, tmp_path: Path
) -> None:
    with goalplan.open(db_path) as gp:
        build_panic_plan(gp)
        _second_plan(gp)
    for table, plans in (("goals", 2), ("progress", 2), ("scores", 0), ("history", 2), ("plans", 2)):
        out = tmp_path / f"{table}.csv"
        result = invoke(  # type: ignore[operator]
            "export", "--all", "--format", "csv", "-o", str(out),
            "--option", "scope=caseload", "--option", f"table={table}",
            "--option", "profile=deidentified", "--option", "delimiter=;",
            env={"GOALPLAN_PSEUDONYM_KEY": KEY},
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        text = out.read_text("utf-8")
        assert "Amara" not in text and "Noor" not in text
        header, *rows = read(out.read_bytes(), ";")
        assert header[header.index("plan_pseudonym")] == "plan_pseudonym"
        assert len({r[header.index("plan_pseudonym")] for r in rows}) == plans  # no scores recorded


def test_caseload_scope_with_one_plan_or_out_dir_is_refused(
    invoke: object, db_path: Path, tmp_path: Path
) -> None:
    with goalplan.open(db_path) as gp:
        plan = build_panic_plan(gp)
    one = invoke("export", plan.id, "--format", "csv", "--option", "scope=caseload")  # type: ignore[operator]
    assert one.exit_code == 1
    assert "--option scope: caseload puts every plan in one file" in one.output
    folder = invoke(  # type: ignore[operator]
        "export", "--all", "--format", "csv", "--option", "scope=caseload", "--out", str(tmp_path / "d")
    )
    assert folder.exit_code == 2 and "use -o FILE" in folder.output
    assert not (tmp_path / "d").exists()


def test_plans_table_is_the_caseload_overview(invoke: object, db_path: Path, tmp_path: Path) -> None:
    with goalplan.open(db_path) as gp:
        first = build_panic_plan(gp)
        second = _second_plan(gp)
        second.close(reason="moved away", on=date(2026, 3, 1))
        first.add_diagnosis("F41.0", primary=True)
        first.set_details(level_of_care="outpatient", effective_from=date(2026, 1, 5))
        state = first.log().state
    out = tmp_path / "plans.csv"
    args = ["export", "--all", "--format", "csv", "--option", "scope=caseload", "--option", "table=plans"]
    result = invoke(*args, "-o", str(out))  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"), newline=""), quoting=csv.QUOTE_NONNUMERIC))
    by_id = {row["plan_id"]: row for row in rows}
    assert list(by_id) == [first.id, second.id]
    assert by_id[first.id]["status"] == "active" and by_id[first.id]["closed_on"] == ""
    assert by_id[first.id]["goals"] == len(state.goals) == 2
    assert by_id[first.id]["measurements"] == sum(len(g.progress) for g in state.goals.values()) > 0
    assert (by_id[second.id]["status"], by_id[second.id]["closed_on"]) == ("completed", "2026-03-01")
    assert by_id[second.id]["next_review_on"] == ""
    assert (by_id[first.id]["primary_diagnosis"], by_id[first.id]["diagnoses"]) == ("F41.0", 1)
    assert (by_id[first.id]["level_of_care"], by_id[first.id]["effective_from"]) == (
        "outpatient",
        "2026-01-05",
    )
    assert (by_id[second.id]["primary_diagnosis"], by_id[second.id]["diagnoses"]) == ("", 0)
