"""The command line as the issue writes it: output, exit codes, errors, and nothing written on refusal."""

from __future__ import annotations

import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from goalplan import Goalplan
from goalplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[3]
ID = re.compile(r"[0-9A-HJKMNP-TV-Z]{16}")

Run = Callable[..., Result]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "plans.db"


@pytest.fixture
def run(db: Path) -> Run:
    runner = CliRunner(env={"GOALPLAN_DB": str(db), "GOALPLAN_ACTOR": "dr.ruiz"})

    def invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
        return runner.invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    assert result.stderr == "" or "Wrote" in result.stderr
    return result.stdout


def new_id(result: Result) -> str:
    out = ok(result)
    assert ID.fullmatch(out.rstrip("\n")), f"expected an id alone on stdout, got {out!r}"
    return out.strip()


def head(db: Path) -> int:
    with Goalplan.open(db) as gp:
        return gp.store.head_position()


@pytest.fixture
def plan(run: Run) -> str:
    return new_id(
        run("plan", "open", "--client", "Ana B.", "--clinician", "Dr. Ruiz", "--opened", "2026-01-05")
    )


@pytest.fixture
def goal(run: Run, plan: str) -> str:
    return new_id(
        run(
            "goal", "set", plan, "--statement", "I will have three or fewer panic attacks a week",
            "--measure", "panic attacks", "--unit", "per week", "--baseline", "3", "--target", "0.5",
            "--by", "2026-03-05",
        )
    )  # fmt: skip


def test_the_whole_surface_works_as_written(run: Run, db: Path, tmp_path: Path) -> None:
    plan = new_id(
        run("plan", "open", "--client", "Sam P.", "--clinician", "Dr. Ruiz", "--opened", "2026-01-05",
            "--review-every", "60")
    )  # fmt: skip
    goal = new_id(
        run("goal", "set", plan[:6], "--statement", "Join two social gatherings a month", "--focus",
            "Social anxiety", "--term", "long", "--measure", "gatherings", "--unit", "per month",
            "--baseline", "0", "--target", "2", "--by", "2026-04-05")
    )  # fmt: skip
    ok(run("goal", "revise", plan, goal[:5], "--reason", "aim higher after review", "--target", "3"))
    step = new_id(run("goal", "step", plan, goal, "Say yes to one invitation", "--by", "2026-02-01"))
    ok(run("goal", "done", plan, step[:5], "--on", "2026-01-30"))
    ok(run("progress", plan, goal, "1", "--on", "2026-02-01", "--note", "book club"))
    ok(run("goal", "status", plan, goal, "on-hold", "--reason", "travelling for a month"))
    ok(run("goal", "status", plan, goal, "active", "--reason", "back home"))
    ok(run("review", plan, "--held", "2026-03-01", "--summary", "steady progress", "--next", "2026-05-01"))
    ok(run("plan", "sign", plan, "--role", "client", "--name", "Sam P.", "--on", "2026-01-05"))
    ok(run("plan", "sign", plan, "--role", "clinician", "--name", "Dr. Ruiz", "--credentials", "PhD"))

    listing = json.loads(ok(run("plan", "list", "--json")))
    assert [(p["plan_id"], p["goals"], p["next_review_on"]) for p in listing] == [(plan, 1, "2026-05-01")]
    assert plan in ok(run("plan", "list"))

    shown = json.loads(ok(run("plan", "show", plan, "--json")))
    (g,) = shown["goals"]
    assert (g["goal_id"], g["focus"], g["term"], g["status"], g["measure"]["target"]) == (
        goal, "Social anxiety", "long", "active", 3.0,
    )  # fmt: skip
    assert [s["completed_on"] for s in g["steps"]] == ["2026-01-30"]
    assert [p["value"] for p in g["progress"]] == [1.0]
    assert [(s["role"], s["credentials"]) for s in shown["signatures"]] == [
        ("client", ""),
        ("clinician", "PhD"),
    ]
    text = ok(run("plan", "show", plan))
    assert "Join two social gatherings a month" in text and "baseline 0 → target 3" in text

    history = ok(run("history", plan, "--goal", goal[:4]))
    assert "why: aim higher after review\n" in history and "Target: 2 → 3\n" in history
    assert "why: travelling for a month\n" in history and "Status: active → on-hold\n" in history
    entries = json.loads(ok(run("history", plan, "--json")))
    assert {e["actor"] for e in entries} == {"dr.ruiz"}

    assert ok(run("verify")).startswith("OK: 1 plan(s), ")
    assert (
        ok(run("verify", plan[:4])) == f"OK: plan {plan}, {head(db)} event(s), chain and signatures intact.\n"
    )

    backup = tmp_path / "backup.jsonl"
    ok(run("log", "export", "-o", str(backup)))
    assert len(backup.read_text(encoding="utf-8").splitlines()) == head(db)
    assert ok(run("log", "export", plan)) == backup.read_text(encoding="utf-8")
    copy, events = tmp_path / "copy.db", head(db)
    assert events == 12
    assert ok(run("--db", str(copy), "log", "import", str(backup))) == (
        f"Imported {events} event(s) in 1 plan(s); 0 already present.\n"
    )
    assert ok(run("--db", str(copy), "log", "import", str(backup))) == (
        f"Imported 0 event(s) in 1 plan(s); {events} already present.\n"
    )
    assert ok(run("--db", str(copy), "plan", "show", plan, "--json")) == ok(
        run("plan", "show", plan, "--json")
    )

    ok(run("plan", "close", plan, "--reason", "discharge criteria met", "--on", "2026-06-01"))
    assert json.loads(ok(run("plan", "show", plan, "--json")))["status"] == "completed"


def test_plan_show_as_of_a_past_moment(run: Run, plan: str, goal: str, db: Path) -> None:
    with Goalplan.open(db) as gp:
        goal_set_at = gp.store.read_stream(plan)[-1].recorded_at
    ok(
        run(
            "goal",
            "revise",
            plan,
            goal,
            "--reason",
            "rephrased by the client",
            "--statement",
            "Fewer attacks",
        )
    )
    then = json.loads(ok(run("plan", "show", plan, "--as-of", goal_set_at, "--json")))
    now = json.loads(ok(run("plan", "show", plan, "--json")))
    assert then["goals"][0]["statement"] == "I will have three or fewer panic attacks a week"
    assert now["goals"][0]["statement"] == "Fewer attacks"
    assert then["version"] == now["version"] - 1
    assert "had no events by" in ok(run("plan", "show", plan, "--as-of", "2000-01-01"))


def test_the_store_comes_from_db_then_goalplan_db_then_the_working_directory(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.db"
    plan = new_id(run("--db", str(other), "plan", "open", "--client", "A", "--clinician", "B"))
    assert plan in ok(run("--db", str(other), "plan", "list"))
    assert "no goalplan store at" in run("plan", "list").stderr  # GOALPLAN_DB names a file not made yet
    (tmp_path / "wd").mkdir()
    monkeypatch.chdir(tmp_path / "wd")
    result = CliRunner(env={"GOALPLAN_DB": None}).invoke(
        cli, ["plan", "open", "--client", "A", "--clinician", "B"], catch_exceptions=False
    )
    assert result.exit_code == 0 and (tmp_path / "wd" / "goalplan.db").exists()


def test_actor_comes_from_the_option_then_goalplan_actor(run: Run, plan: str, goal: str, db: Path) -> None:
    ok(run("progress", plan, goal, "2", "--on", "2026-01-10", "--actor", "dr.lee"))
    ok(run("progress", plan, goal, "1", "--on", "2026-01-17", env={"GOALPLAN_ACTOR": "intern.kim"}))
    with Goalplan.open(db) as gp:
        assert [r.actor for r in gp.store.read_stream(plan)] == ["dr.ruiz", "dr.ruiz", "dr.lee", "intern.kim"]


def test_a_correction_by_event_id_prefix_from_the_history(run: Run, plan: str, goal: str) -> None:
    ok(run("progress", plan, goal, "9", "--on", "2026-01-10"))
    line = [li for li in ok(run("history", plan, "--goal", goal)).splitlines() if "[" in li][-1]
    short = re.search(r"\[([0-9a-f]{8})\]$", line).group(1)  # type: ignore[union-attr]
    ok(run("correct", plan, short, "--reason", "entered for the wrong client"))
    assert json.loads(ok(run("plan", "show", plan, "--json")))["goals"][0]["progress"] == []
    history = ok(run("history", plan))
    assert "why: entered for the wrong client\n" in history
    assert "Progress value: 9 on 2026-01-10 → (removed)" in history


MEASURE = "--measure m --unit u --baseline 1"
REJECTIONS = [
    ("progress {plan} {goal} nan", "VALUE: must be a finite number"),
    ("progress {plan} {goal} 2 --on 2025-12-31", "--on: 2025-12-31 is before the plan opened"),
    ("goal set {plan} --statement x --focus New --by 2025-01-01", "--by: 2025-01-01 is before"),
    (f"goal set {{plan}} --statement x {MEASURE} --target 1", "--target: must differ from the baseline"),
    (
        "goal set {plan} --statement x --measure m --baseline 1 --target 2",
        "--unit: a measure needs --measure",
    ),
    (
        "goal set {plan} --statement x --measure m --unit ' ' --baseline 1 --target 2",
        "--unit: a measure needs a unit",
    ),
    ("goal set {plan} --statement '  '", "--statement: must not be empty"),
    ("goal revise {plan} {goal} --reason review", "revision: a revision must change at least one"),
    ("goal revise {plan} {goal} --reason ' ' --statement new", "--reason: must not be empty"),
    ("goal revise {plan} {goal} --reason r --target 0.5", "measure: is already"),
    (
        "goal status {plan} {goal} proposed --reason r",
        "STATUS: goal {goal} is active; it can move to cancelled",
    ),
    ("goal status {plan} {goal} active --reason r", "STATUS: goal {goal} is already active"),
    ("goal step {plan} NOPE x", "GOAL: no goal id starts with 'NOPE'"),
    ("review {plan} --held 2026-02-01 --next 2026-01-31", "--next: 2026-01-31 must be after"),
    ("plan sign {plan} --role client --name ''", "--name: must not be empty"),
    ("plan open --client A --clinician B --review-every 0", "--review-every: must be a whole number of days"),
    ("plan show ZZZZ", "plan: no plan id starts with 'ZZZZ'"),
    ("correct {plan} nope --reason r", "EVENT_ID: no correctable entry 'nope'"),
]


@pytest.mark.parametrize(("command", "message"), REJECTIONS, ids=[c for c, _ in REJECTIONS])
def test_a_rejected_command_exits_1_with_one_sentence_and_writes_nothing(
    run: Run, db: Path, plan: str, goal: str, command: str, message: str
) -> None:
    before = head(db)
    result = run(*shlex.split(command.format(plan=plan, goal=goal)))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("goalplan: ")
    assert message.format(goal=goal) in result.stderr
    assert "Traceback" not in result.output
    assert head(db) == before


def test_a_closed_plan_refuses_everything_but_a_correction(run: Run, db: Path, plan: str, goal: str) -> None:
    ok(run("plan", "close", plan, "--reason", "moved away", "--on", "2026-02-01"))
    before = head(db)
    for args in (
        ["progress", plan, goal, "1"],
        ["goal", "step", plan, goal, "x"],
        ["review", plan, "--held", "2026-02-02"],
    ):
        result = run(*args)
        assert result.exit_code == 1 and "accepts only corrections" in result.stderr
    assert head(db) == before


def test_an_ambiguous_prefix_is_refused(run: Run, db: Path) -> None:
    with Goalplan.open(db) as gp:
        gp.open_plan(client="A", clinician="C", plan_id="AB000000000000AA")
        gp.open_plan(client="B", clinician="C", plan_id="AB000000000000BB")
    result = run("plan", "show", "ab")
    assert result.exit_code == 1 and "'ab' matches 2 plans" in result.stderr


USAGE = [
    ["plan", "open", "--client", "A"],
    ["progress", "{plan}", "{goal}", "1", "--on", "2026-02-30"],
    ["goal", "set", "{plan}", "--statement", "x", "--by", "05/03/2026"],
    ["plan", "show", "{plan}", "--as-of", "last tuesday"],
    ["goal", "set", "{plan}", "--statement", "x", "--term", "medium"],
    ["goal", "status", "{plan}", "{goal}", "finished", "--reason", "r"],
    ["plan", "sign", "{plan}", "--role", "witness", "--name", "X"],
    ["progress", "{plan}", "{goal}", "lots"],
    ["no-such-command"],
]


@pytest.mark.parametrize("args", USAGE, ids=[" ".join(a[:3]) for a in USAGE])
def test_usage_errors_exit_2_and_write_nothing(
    run: Run, db: Path, plan: str, goal: str, args: list[str]
) -> None:
    before = head(db)
    result = run(*[a.format(plan=plan, goal=goal) for a in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert head(db) == before


def test_verify_names_the_first_broken_link_and_exits_1(run: Run, db: Path, plan: str, goal: str) -> None:
    ok(run("progress", plan, goal, "2", "--on", "2026-01-12"))
    with Goalplan.open(db) as gp:
        target = gp.store.read_stream(plan)[2]
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER events_no_update")  # what a tamperer with file access could do
    conn.execute(
        "UPDATE events SET payload = replace(payload, '2', '1') WHERE event_id = ?", (target.event_id,)
    )
    conn.commit()
    conn.close()
    result = run("verify")
    assert result.exit_code == 1
    assert f"plan {plan} version 3 (event {target.event_id})" in result.stderr
    assert "does not match its hash: the event was edited" in result.stderr
    assert run("verify", plan).exit_code == 1


def _subprocess(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "core"), str(ROOT / "plugins")]),
        "GOALPLAN_DB": str(db),
        "GOALPLAN_ACTOR": "dr.ruiz",
    }
    return subprocess.run(
        [sys.executable, "-m", "goalplan", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_the_installed_entry_point_prints_ids_and_sentences_not_tracebacks(db: Path) -> None:
    opened = _subprocess(["plan", "open", "--client", "A", "--clinician", "B", "--opened", "2026-01-05"], db)
    assert opened.returncode == 0 and ID.fullmatch(opened.stdout.strip())
    plan = opened.stdout.strip()
    refused = _subprocess(["review", plan[:5], "--held", "2025-01-01"], db)
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1].startswith(
        "goalplan: --held: 2025-01-01 is before the plan opened"
    )
    assert "Traceback" not in refused.stderr
    usage = _subprocess(["review", plan], db)
    assert usage.returncode == 2 and "Missing option '--held'" in usage.stderr


def test_a_negative_progress_value_needs_no_separator(run: Run, plan: str, goal: str) -> None:
    ok(run("progress", plan, goal, "-1", "--on", "2026-01-10"))
    ok(run("progress", plan, goal, "--on", "2026-01-11", "-0.5"))
    shown = json.loads(ok(run("plan", "show", plan, "--json")))
    assert [p["value"] for p in shown["goals"][0]["progress"]] == [-1.0, -0.5]


def test_clear_names_fields_as_their_options(run: Run, plan: str, goal: str) -> None:
    ok(run("goal", "revise", plan, goal, "--clear", "by", "--reason", "no fixed date for now"))
    shown = json.loads(ok(run("plan", "show", plan, "--json")))
    assert shown["goals"][0]["target_date"] is None
    result = run("goal", "revise", plan, goal, "--clear", "target_date", "--reason", "r")
    assert result.exit_code == 2 and "'target_date' is not one of" in result.stderr


def test_a_log_backup_is_readable_by_its_owner_only(run: Run, plan: str, tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    ok(run("log", "export", "-o", str(backup)))
    assert backup.stat().st_mode & 0o777 == 0o600
    assert json.loads(backup.read_text(encoding="utf-8").splitlines()[0])["plan_id"] == plan


def test_projections_check_and_rebuild(run: Run, db: Path, plan: str, goal: str) -> None:
    assert ok(run("projections", "check")).startswith("OK: the read models of 1 plan(s)")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE plan_summaries SET client_name = 'Someone Else'")
    assert "Someone Else" in ok(run("plan", "list"))  # plan list reads the read model
    result = run("projections", "check")
    assert result.exit_code == 1 and "plan_summaries" in result.output
    verified = run("verify")
    assert verified.exit_code == 1 and "read model differs from the log" in verified.output
    assert (
        ok(run("projections", "rebuild"))
        == "Rebuilt the read models and snapshots of 1 plan(s) from the log.\n"
    )
    assert "Someone Else" not in ok(run("plan", "list"))
    assert ok(run("verify")).startswith("OK: 1 plan(s)")


def test_history_text_names_fields_as_a_clinician_reads_them_and_json_keeps_the_keys(
    run: Run, plan: str, goal: str
) -> None:
    ok(run("goal", "revise", plan, goal, "--by", "2026-09-01", "--reason", "slower start"))
    text = ok(run("history", plan))
    assert "Target date: " in text and "→ 2026-09-01\n" in text and "Client: " in text
    assert "target_date" not in text and "client_name" not in text
    entries = json.loads(ok(run("history", plan, "--json")))
    assert {"target_date", "client_name"} <= {e["field"] for e in entries}  # scripts read the keys
