"""A malicious or broken import file is refused whole, in one sentence, with nothing written."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from goalplan import Goalplan, Measure, RejectedError
from goalplan.codec import chain_hash, new_event_from_json

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def lines(gp: Goalplan) -> list[str]:
    """Two plans' export: the first plan's lines, then the second's."""
    first = gp.open_plan(client="Ana", clinician="Sam Lee", opened=date(2026, 1, 5))
    goal = first.set_goal(
        "I will walk daily",
        measure=Measure(name="walks", unit="per week", baseline=0, target=5),
        by=date(2026, 4, 1),
    )
    first.record_progress(goal, 2.5, on=date(2026, 1, 20))
    second = gp.open_plan(client="Bo", clinician="Sam Lee", opened=date(2026, 1, 6))
    second.add_focus("Sleep")
    out = io.StringIO()
    gp.export_log(out)
    return out.getvalue().splitlines()


def fresh(tmp_path: Path) -> Goalplan:
    return Goalplan.open(tmp_path / "target.db", actor="importer")


def refused(tmp_path: Path, data: bytes) -> str:
    with fresh(tmp_path) as target:
        with pytest.raises(RejectedError) as caught:
            target.import_log(io.BytesIO(data))
        assert target.store.head_position() == 0, "nothing may be written"
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def rechain(records: list[dict[str, object]]) -> list[str]:
    """Re-hash a plan's lines after an edit, as a forger would, so only the rules can object."""
    prev = "0" * 64
    out = []
    for record in records:
        record["prev_hash"] = prev
        plan_id, version, event, _, _ = new_event_from_json(record)
        record["hash"] = prev = chain_hash(plan_id=plan_id, version=version, event=event, prev_hash=prev)
        out.append(json.dumps(record))
    return out


def test_a_clean_file_imports(tmp_path: Path, lines: list[str]) -> None:
    with fresh(tmp_path) as target:
        report = target.import_log(io.BytesIO("\n".join(lines).encode()))
        assert (report.plans, report.events, report.skipped) == (2, 5, 0)
        assert target.integrity().ok


@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [
        (b'{"event_id": "\xff\xfe"}', "line 6: is not valid UTF-8"),
        (b'{"event_id": "\\ud800"}', "lone surrogate"),
        (b'{"version": ' + b"9" * 5000 + b"}", "5000 digits"),
        (b"[" * 5000 + b"]" * 5000, "nested more than 16 levels"),
        (b'{"a":' * 20 + b"1" + b"}" * 20, "nested more than 16 levels"),
        (b'{"x": NaN}', "NaN"),
        (b'{"x": "' + b"a" * 200_000 + b'"}', "200000 characters"),
        (b'{"x": "' + b"a" * 1_100_000 + b'"}', "longer than 1048576 bytes"),
        (b"not json", "is not JSON"),
    ],
)
def test_a_hostile_line_refuses_the_whole_file(
    tmp_path: Path, lines: list[str], bad_line: bytes, expected: str
) -> None:
    data = "\n".join(lines).encode() + b"\n" + bad_line + b"\n"
    assert expected in refused(tmp_path, data)


def test_recorded_at_may_not_go_back_within_a_plan(tmp_path: Path, lines: list[str]) -> None:
    records = [json.loads(line) for line in lines[:3]]
    records[2]["recorded_at"] = "2025-01-01T00:00:00.000000Z"
    message = refused(tmp_path, "\n".join(rechain(records)).encode())
    assert "version 3" in message and "recorded-at never goes back" in message


def test_a_well_chained_event_that_breaks_a_rule_is_refused(tmp_path: Path, lines: list[str]) -> None:
    records = [json.loads(line) for line in lines[:3]]
    records[2]["payload"]["goal_id"] = "NO-SUCH-GOAL"
    message = refused(tmp_path, "\n".join(rechain(records)).encode())
    assert "plan " in message and "version 3" in message and "breaks a rule" in message


def test_a_second_plan_opened_twice_refuses_the_first_plan_too(tmp_path: Path, lines: list[str]) -> None:
    second = [json.loads(line) for line in lines[3:]]
    again = dict(second[0], event_id="again", version=3, recorded_at="2026-12-01T00:00:00.000000Z")
    message = refused(tmp_path, "\n".join([*lines[:3], *rechain([*second, again])]).encode())
    assert "version 3" in message and "already open" in message


def test_the_cli_refuses_in_one_sentence(tmp_path: Path, lines: list[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes("\n".join(lines).encode() + b"\n" + b'{"version": ' + b"9" * 5000 + b"}\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "core"), str(ROOT / "plugins")])}
    result = subprocess.run(
        [sys.executable, "-m", "goalplan", "--db", str(tmp_path / "t.db"), "log", "import", str(bad)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "line 6" in result.stderr


def test_plans_set_aside_to_bound_memory_are_rebuilt_from_the_transaction(
    tmp_path: Path, lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from goalplan import log_import

    monkeypatch.setattr(log_import, "OPEN_STREAMS", 1)
    a1, a2, a3, b1, b2 = lines
    with fresh(tmp_path) as target:
        report = target.import_log(io.BytesIO("\n".join([a1, b1, a2, b2, a3]).encode()))
        assert (report.plans, report.events, report.skipped) == (2, 5, 0)
        assert target.integrity().ok
        again = target.import_log(io.BytesIO("\n".join([b1, a1, b2, a2, a3]).encode()))
        assert (again.plans, again.events, again.skipped) == (2, 0, 5)
    duplicate = "\n".join([a1, b1, a2, b2, a2]).encode()  # a2 twice, A set aside in between
    message = refused(tmp_path / "dup", duplicate) if (tmp_path / "dup").mkdir() is None else ""
    assert "version 2" in message and "should come next" in message
