"""A log written by this goalplan is verified by an independent JCS implementation in another
language (Node and the npm `canonicalize` package), following only docs/architecture.md."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from goalplan import Goalplan, Measure
from goalplan.jcs import jcs, number

CHECKER = Path(__file__).resolve().parents[1] / "jcs_node"
REQUIRED = os.environ.get("GOALPLAN_REQUIRE_NODE", "").strip() not in ("", "0")


def node_checker() -> str:
    node = shutil.which("node")
    installed = (CHECKER / "node_modules" / "canonicalize").is_dir()
    if node is None or not installed:
        why = "node is not installed" if node is None else f"run `npm install --prefix {CHECKER}`"
        if REQUIRED:  # CI (.ci/run) sets GOALPLAN_REQUIRE_NODE=1: missing tools fail the run
            pytest.fail(f"GOALPLAN_REQUIRE_NODE=1 but {why}")
        pytest.skip(why)
    return node


def test_node_verifies_every_hash_of_a_new_log(gp: Goalplan, tmp_path: Path) -> None:
    node = node_checker()
    plan = gp.open_plan(client="Zoë Okafor 漢字 😀", clinician="Łukasz Nowak", opened=date(2026, 1, 12))
    goal = plan.set_goal(
        "I will go to two gatherings a month\t(“quoted”)",
        measure=Measure(name="gatherings", unit="per month", baseline=0.5, target=2),
        by=date(2026, 4, 12),
    )
    for value in (1.0, 0.1, 1e-7, 123456789.125, -999999999.5, 3):
        plan.record_progress(goal, value, on=date(2026, 2, 28), note="tab\tand new\nline and \\ and “quotes”")
    other = gp.open_plan(client="Bo", clinician="Sam", opened=date(2026, 1, 13))
    other.add_focus("Sleep", "nights 😴")
    log = tmp_path / "log.jsonl"
    out = io.StringIO()
    count = gp.export_log(out)
    log.write_text(out.getvalue(), encoding="utf-8")
    result = subprocess.run(
        [node, str(CHECKER / "verify_log.js"), str(log)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"plans": 2, "linked": count, "hashes_checked": count}

    # And the checker does check: one edited payload byte is caught.
    lines = out.getvalue().rstrip("\n").split("\n")  # not splitlines(): U+2028 is in a note
    edited = json.loads(lines[3])
    edited["payload"]["value"] = 2
    lines[3] = json.dumps(edited, ensure_ascii=False)
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    caught = subprocess.run(
        [node, str(CHECKER / "verify_log.js"), str(log)], capture_output=True, text=True, timeout=60
    )
    assert caught.returncode == 1 and "content does not match its hash" in caught.stderr


@pytest.mark.parametrize(
    ("value", "spelled"),
    [
        (1.0, "1"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (333333333.3333333, "333333333.3333333"),
    ],
)
def test_numbers_are_spelled_as_ecmascript_does(value: float, spelled: str) -> None:
    assert number(value) == spelled


def test_keys_sort_by_utf16_code_units_and_strings_escape_minimally() -> None:
    assert jcs({"\ue000": 1, "😀": 2, "b": [True, None, "x\n\x01\u2028"]}) == (
        '{"b":[true,null,"x\\n\\u0001\u2028"],"😀":2,"\ue000":1}'
    )
    with pytest.raises(ValueError):
        jcs({"x": float("nan")})
    with pytest.raises(ValueError):
        jcs({"x": 2**53 + 1})
