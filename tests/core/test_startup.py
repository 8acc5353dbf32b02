"""Start-up stays light: the CLI's help and plan list never import the PDF or iCalendar libraries.

Exporter plugins are loaded (their hooks add commands and formats), but a plugin imports its
heavy dependency only when it renders. Each case runs the real CLI in a fresh interpreter and
reads back the names in sys.modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("fpdf", "icalendar", "simple_icd_10_cm")  # fpdf2, icalendar, the ICD-10-CM code set

WRAPPER = """
import importlib.util, json, sys
# Only this tree's code: drop the finder of an editable install that may point at another checkout.
sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
from goalplan.cli import main
from goalplan.plugins import DEFAULT_PLUGINS
try:
    main(sys.argv[1:])
except SystemExit:
    pass
report = {
    "modules": sorted(sys.modules),
    "installed_plugins": [n for n in DEFAULT_PLUGINS if importlib.util.find_spec(n) is not None],
}
sys.stderr.write("\\nSTARTUP " + json.dumps(report) + "\\n")
"""


def _run(tmp_path: Path, args: list[str], *, prelude: str = "") -> dict[str, list[str]]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "core"), str(ROOT / "plugins")]),
        "GOALPLAN_DB": str(tmp_path / "plans.db"),
    }
    env.pop("GOALPLAN_LOAD_PLUGINS", None)  # every plugin loads, as for a user
    done = subprocess.run(
        [sys.executable, "-c", prelude + WRAPPER, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("STARTUP ")]
    assert lines, done.stderr
    report: dict[str, list[str]] = json.loads(lines[-1][len("STARTUP ") :])
    return report


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY]


@pytest.mark.parametrize("args", [["--help"], ["plan", "list"]], ids=" ".join)
def test_cli_start_up_does_not_import_pdf_or_icalendar(tmp_path: Path, args: list[str]) -> None:
    if args == ["plan", "list"]:  # a plan in the store, so the listing reads and folds a log
        opened = _run(tmp_path, ["plan", "open", "--client", "A. Client", "--clinician", "Dr. Ruiz"])
        assert "goalplan.store.sqlite" in opened["modules"]
    report = _run(tmp_path, args)
    modules = report["modules"]
    assert "goalplan.cli.main" in modules and "goalplan.plugins" in modules
    assert set(report["installed_plugins"]) <= set(modules), "an installed exporter plugin did not load"
    assert _heavy(modules) == []


def test_the_check_sees_a_heavy_import_when_there_is_one(tmp_path: Path) -> None:
    pytest.importorskip("icalendar")
    report = _run(tmp_path, ["--help"], prelude="import icalendar\n")
    assert "icalendar" in _heavy(report["modules"])
