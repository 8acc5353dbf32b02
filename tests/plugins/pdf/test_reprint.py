"""``goalplan export PLAN --format pdf --version N`` reprints the plan as it stood at version N,
byte for byte: the signed version can always be produced again."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import goalplan
from goalplan.exporting import render
from goalplan.plugins import make_plugin_manager
from tests.plugins.pdf.test_plugin import run


def test_a_past_version_is_reprinted_byte_identically(tmp_path: Path) -> None:
    db = tmp_path / "plans.db"
    exporter = make_plugin_manager(load_entry_points=False).exporter("pdf")
    with goalplan.Goalplan.open(db, actor="s.lee") as gp:
        plan = gp.open_plan(client="Zoë Nguyễn 王芳", clinician="Sam Lee", opened=date(2026, 1, 5))
        goal = plan.set_goal("I want to walk to work twice a week.", focus="Health")
        plan.sign(role="client", name="Zoë Nguyễn", on=date(2026, 1, 6))
        signed_version = plan.log().fingerprint.version
        filed = render(exporter, plan.log(), {})  # the copy filed when the client signed
        plan.revise_goal(goal, statement="I want to walk to work three times a week.", reason="Asked.")
        plan.hold_review(held=date(2026, 2, 1), summary="Walking more.")
        now = render(exporter, plan.log(), {})
    assert now != filed
    out = tmp_path / "reprint.pdf"
    result = run(
        "export", plan.id, "--format", "pdf", "--version", str(signed_version), "-o", str(out), db=db
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == filed
    latest = tmp_path / "latest.pdf"
    result = run("export", plan.id, "--format", "pdf", "-o", str(latest), db=db)
    assert latest.read_bytes() == now


def test_a_version_the_plan_does_not_have_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "plans.db"
    with goalplan.Goalplan.open(db, actor="s.lee") as gp:
        plan = gp.open_plan(client="Ana", clinician="Sam Lee", opened=date(2026, 1, 5))
        version = plan.log().fingerprint.version
    out = tmp_path / "x.pdf"
    for bad in ("0", str(version + 1)):
        result = run("export", plan.id, "--format", "pdf", "--version", bad, "-o", str(out), db=db)
        assert result.returncode == 1
        assert f"--version: must be a log version of this plan, 1 to {version}, got {bad}." in result.stderr
        assert "Traceback" not in result.stderr
        assert not out.exists()
    all_out = str(tmp_path / "all")
    result = run("export", "--all", "--out", all_out, "--format", "pdf", "--version", "1", db=db)
    assert result.returncode == 2 and "--version reprints one plan" in result.stderr


def test_up_to_is_the_log_at_a_version(tmp_path: Path) -> None:
    with goalplan.Goalplan.open(tmp_path / "plans.db", actor="s.lee") as gp:
        plan = gp.open_plan(client="Ana", clinician="Sam Lee", opened=date(2026, 1, 5))
        plan.set_goal("I want to walk to work twice a week.", focus="Health")
        log = plan.log()
    earlier = log.up_to(1)
    assert earlier.fingerprint.version == 1
    assert earlier.fingerprint.head_hash == log.records[0].hash
    assert earlier.state.goals == {}
