"""JSON Lines backup and restore: one recorded event per line, the chain checked on the way in."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from goalplan import Goalplan, Measure, RejectedError

OPENED = date(2026, 1, 5)


@pytest.fixture
def source(gp: Goalplan) -> Goalplan:
    for client in ("Ana B.", "Sam P."):
        plan = gp.open_plan(client=client, clinician="Dr. Ruiz", opened=OPENED)
        goal = plan.set_goal(
            "Go to two gatherings a month",
            focus="Social anxiety",
            measure=Measure(name="gatherings", unit="per month", baseline=0, target=2),
        )
        plan.record_progress(goal, 1, on=date(2026, 2, 1), note="café with é and 漢字")
        plan.revise_goal(goal, reason="going well", by=date(2026, 4, 5))
    return gp


def exported(gp: Goalplan, plan: str | None = None) -> list[str]:
    out = io.StringIO()
    count = gp.export_log(out, plan)
    lines = out.getvalue().splitlines()
    assert count == len(lines)
    return lines


def test_one_recorded_event_per_line_with_the_whole_envelope(source: Goalplan) -> None:
    lines = exported(source)
    assert len(lines) == source.store.head_position() == 10
    first = json.loads(lines[0])
    assert set(first) == {
        "event_id", "plan_id", "version", "position", "recorded_at", "actor",
        "type", "schema_version", "payload", "prev_hash", "hash", "hash_scheme",
    }  # fmt: skip
    assert [json.loads(line)["position"] for line in lines] == list(range(1, 11))
    assert "漢字" in "".join(lines)  # UTF-8 kept, not escaped


def test_export_is_deterministic(source: Goalplan) -> None:
    assert exported(source) == exported(source)


def test_one_plan_can_be_exported_alone(source: Goalplan) -> None:
    plan_id = source.store.plan_ids()[1]
    lines = exported(source, plan_id[:4])
    assert {json.loads(line)["plan_id"] for line in lines} == {plan_id}
    assert len(lines) == 5


def test_import_into_another_store_keeps_every_hash(source: Goalplan, tmp_path: Path) -> None:
    lines = exported(source)
    with Goalplan.open(tmp_path / "copy.db") as copy:
        report = copy.import_log(lines)
        assert (report.plans, report.events, report.skipped) == (2, 10, 0)
        assert copy.verify() == []
        assert exported(copy) == lines  # same events, versions, positions and hashes
        for plan_id in source.store.plan_ids():
            assert copy.plan(plan_id).state == source.plan(plan_id).state


def test_reimport_is_a_no_op(source: Goalplan, tmp_path: Path) -> None:
    lines = exported(source)
    with Goalplan.open(tmp_path / "copy.db") as copy:
        copy.import_log(lines)
        head = copy.store.head_position()
        report = copy.import_log(lines)
        assert (report.events, report.skipped) == (0, 10)
        assert copy.store.head_position() == head


def test_import_continues_a_stream_already_partly_present(source: Goalplan, tmp_path: Path) -> None:
    lines = exported(source)
    plan_id = json.loads(lines[0])["plan_id"]
    own = [line for line in lines if json.loads(line)["plan_id"] == plan_id]
    with Goalplan.open(tmp_path / "copy.db") as copy:
        copy.import_log(own[:2])
        report = copy.import_log(own)
        assert (report.events, report.skipped) == (3, 2)
        assert copy.verify() == []


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda r: r["payload"].update(value=5), "does not match its hash chain"),
        (lambda r: r.update(actor="someone.else"), "does not match its hash chain"),
        (lambda r: r.update(recorded_at="2020-01-01T00:00:00.000000Z"), "does not match its hash chain"),
        (lambda r: r.update(prev_hash="0" * 64), "does not match its hash chain"),
        (lambda r: r.update(hash="f" * 64), "does not match its hash chain"),
        (lambda r: r.update(version=9), "should come next"),
        (lambda r: r.update(type="goal_exploded"), "unknown event type 'goal_exploded'"),
        (lambda r: r.update(schema_version=7), "newer than the version 1"),
        (lambda r: r.update(version="three"), "'version' must be a whole number"),
        (lambda r: r.pop("hash"), "missing the field 'hash'"),
        (lambda r: r.update(recorded_at="yesterday"), "'recorded_at' must be UTC"),
    ],
)
def test_a_tampered_line_is_refused_and_nothing_is_imported(
    source: Goalplan, tmp_path: Path, tamper: object, message: str
) -> None:
    lines = exported(source)
    third = json.loads(lines[3])  # the first plan's progress_recorded
    assert third["type"] == "progress_recorded"
    tamper(third)  # type: ignore[operator]
    lines[3] = json.dumps(third, ensure_ascii=False)
    with Goalplan.open(tmp_path / "copy.db") as copy:
        with pytest.raises(RejectedError) as caught:
            copy.import_log(lines)
        assert message in str(caught.value)
        assert "\n" not in str(caught.value)
        assert copy.store.head_position() == 0  # not even the other, intact plan


def test_a_line_that_is_not_json_is_named(tmp_path: Path) -> None:
    with Goalplan.open(tmp_path / "copy.db") as copy:
        with pytest.raises(RejectedError, match="line 2"):
            copy.import_log(["", "{not json"])
        with pytest.raises(RejectedError, match="line 1: must be a JSON object"):
            copy.import_log(["[1, 2]"])


def test_a_file_that_disagrees_with_the_store_is_refused(source: Goalplan, tmp_path: Path) -> None:
    lines = exported(source)
    with Goalplan.open(tmp_path / "copy.db", actor="x") as copy:
        copy.import_log(lines)
        copy.plan(json.loads(lines[0])["plan_id"]).add_focus("Sleep")  # the copy moves on
        rewritten = json.loads(lines[-1])
        head = copy.store.head_position()
        assert copy.import_log(lines).events == 0  # the original export still matches
        other = [*lines[:-1], json.dumps({**rewritten, "payload": {**rewritten["payload"], "reason": "x"}})]
        with pytest.raises(RejectedError, match="differs from the one already stored"):
            copy.import_log(other)  # an edited line, even one already imported, is refused
        rehashed = {**rewritten, "payload": {**rewritten["payload"], "reason": "x"}}
        rehashed["hash"] = "0" * 64
        with pytest.raises(RejectedError, match="differs from the one already stored"):
            copy.import_log([*lines[:-1], json.dumps(rehashed)])
        assert copy.store.head_position() == head
