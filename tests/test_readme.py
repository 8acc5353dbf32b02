"""The README is run, not just read: its walkthrough, its Quick start and the examples script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def shell_block(after_heading: str) -> str:
    section = README.split(f"\n## {after_heading}\n", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


def goalplan_on_path(tmp_path: Path) -> dict[str, str]:
    """An environment whose `goalplan` is this source tree's, whatever is installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "goalplan"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m goalplan "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOALPLAN_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = os.pathsep.join(str(ROOT / p) for p in ("core", "plugins"))
    env["GOALPLAN_CONFIG"] = str(tmp_path / "no-config.toml")
    return env


@pytest.mark.slow
def test_the_walkthrough_builds_a_coherent_plan_and_its_as_of_example_shows_an_earlier_state(
    tmp_path: Path,
) -> None:
    script = shell_block("Using it") + 'echo "$PLAN $GOAL $BEFORE"\n'
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=goalplan_on_path(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    plan, _goal, moment = done.stdout.strip().splitlines()[-1].split()
    env = goalplan_on_path(tmp_path)

    def show(*args: str) -> dict[str, object]:
        out = subprocess.run(
            ["goalplan", "--db", "practice.db", *args, "--json"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        loaded: dict[str, object] = json.loads(out)
        return loaded

    shown = show("plan", "show", plan)
    (final,) = shown["goals"]  # type: ignore[misc]
    assert final["status"] == "completed"
    assert final["target_date"] == "2026-04-16"
    latest = final["progress"][-1]["value"]
    assert latest <= final["measure"]["target"], "completed, but the value misses the target"
    assert final["analytics"]["achievement_status"] == "achieved"

    # The --as-of line: the plan before the revision, whatever day the walkthrough runs.
    as_of = re.search(r"--as-of (\S+)", README)
    assert as_of is not None and as_of.group(1) == "$BEFORE"
    before = show("plan", "show", plan, "--as-of", moment)
    assert 0 < before["version"] < shown["version"]
    (then,) = before["goals"]  # type: ignore[misc]
    assert then["target_date"] == "2026-04-02" and then["status"] == "active"


def test_the_quick_start_is_two_commands_that_ci_runs_verbatim() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "readme_quickstart.py"), str(ROOT / "README.md")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert len(out) == 2
    assert out[0] in shell_block("Quick start").splitlines()
    assert out[0].startswith("python -m pip install . && python examples/run_examples.py")
    assert out[1] == "python -m pip install -e '.[test]' && python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "readme_quickstart.py README.md" in ci and "python -m venv" in ci


def test_the_examples_script_clears_only_what_its_last_run_wrote(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import run_examples
    finally:
        sys.path.remove(str(ROOT / "examples"))
    out = tmp_path / "exports"
    (out / "pdf").mkdir(parents=True)
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    before = {p for p in out.rglob("*") if p.is_file()}
    (out / "pdf" / "OLDPLAN.pdf").write_bytes(b"%PDF")
    (out / "caseload.db").write_bytes(b"")
    run_examples.record_run(out, before)
    run_examples.clear_previous_run(out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["mine.txt"]
