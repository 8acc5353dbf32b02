"""The docs cannot rot: examples run, the catalogue matches the events, the JSON keys match output."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest

from goalplan import Goalplan, Measure, plan_to_json
from goalplan.domain import correctable_types
from goalplan.domain.rules import TRANSITIONS
from goalplan.events import EVENT_TYPES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def python_blocks(name: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / name).read_text(encoding="utf-8"), re.S)


def section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def documented_keys(text: str) -> set[str]:
    return set(re.findall(r"^\| `([^`]+)` \|", text, re.M))


# --- examples run -----------------------------------------------------------------------------------


def test_the_python_api_example_runs_and_the_verification_recipe_checks_its_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (example,) = python_blocks("python-api.md")
    exec(compile(example, "python-api.md", "exec"), {})
    assert Path("restored.db").exists()

    (recipe,) = python_blocks("architecture.md")
    exec(compile(recipe, "architecture.md", "exec"), {})
    assert capsys.readouterr().out == "1 plan(s) verified\n"

    lines = Path("backup.jsonl").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "progress_recorded")
    edited = json.loads(lines[at])
    edited["payload"]["value"] = 1.0  # it was 2
    lines[at] = json.dumps(edited)
    Path("backup.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="content does not match its hash"):
        exec(compile(recipe, "architecture.md", "exec"), {})


# --- the event catalogue ------------------------------------------------------------------------------


EVENTS_MD = (DOCS / "events.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("tag", sorted(EVENT_TYPES))
def test_the_catalogue_names_every_event_its_version_and_every_field(tag: str) -> None:
    cls = EVENT_TYPES[tag]
    heading = f"### `{tag}` (schema version {cls.SCHEMA_VERSION})"
    assert heading in EVENTS_MD
    start = EVENTS_MD.index(heading)
    end = EVENTS_MD.find("\n### ", start + 1)
    named = set(re.findall(r"`([a-z0-9_]+)`", EVENTS_MD[start : end if end != -1 else len(EVENTS_MD)]))
    assert {f.name for f in attrs.fields(cls)} <= named  # in a table row or in the prose


def test_the_catalogue_documents_no_event_that_does_not_exist() -> None:
    assert set(re.findall(r"^### `([a-z_]+)`", EVENTS_MD, re.M)) == set(EVENT_TYPES)


def test_the_catalogue_lists_exactly_the_correctable_types() -> None:
    table = EVENTS_MD.split("An `entry_corrected` may mark")[1].split("\n\n")[1]
    assert set(re.findall(r"^\| `([a-z_]+)` \|", table, re.M)) == set(correctable_types())


def test_the_catalogue_lists_the_lifecycle_moves_as_decide_enforces_them() -> None:
    table = section(EVENTS_MD, "### `goal_status_changed`")
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (.+) \|$", table, re.M))
    for status, moves in TRANSITIONS.items():
        listed = set(re.findall(r"`([a-z-]+)`", rows[status]))
        assert listed == moves - {"entered-in-error"}, status


# --- the JSON output --------------------------------------------------------------------------------


JSON_MD = (DOCS / "json.md").read_text(encoding="utf-8")


def key_paths(value: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from key_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            yield from key_paths(item, f"{prefix}[]")


@pytest.fixture
def full_plan(gp: Goalplan) -> Goalplan:
    """A plan with every list populated, so every key path appears in the output."""
    plan = gp.open_plan(
        client="Jordan K.",
        clinician="Dr. Ruiz",
        opened=date(2026, 1, 5),
        birth_date=date(2010, 3, 4),
        record_number="R-1",
        guardian="Sam K.",
        guardian_relationship="father",
    )
    goal = plan.set_goal("x", focus="Panic", measure=Measure(name="m", unit="u", baseline=3, target=1))
    plan.add_step(goal, "step")
    plan.add_diagnosis("F41.0", focus=["Panic"], primary=True)
    plan.set_presenting_problem("Panic", "attacks")
    plan.set_details(effective_from=date(2026, 1, 5), effective_through=date(2027, 1, 4))
    plan.plan_intervention(
        "CBT", "exposure", "weekly", goals=[goal], type="individual", minutes=50, provider="Dr. Ruiz"
    )
    plan.give_copy(to="Jordan K.", on=date(2026, 1, 5))
    plan.record_progress(goal, 2, on=date(2026, 2, 1))
    plan.change_status(goal, "on-hold", reason="travel")
    plan.hold_review(held=date(2026, 3, 1), next=date(2026, 6, 1))
    plan.sign(role="client", name="Jordan K.", on=date(2026, 1, 5))
    plan.revise_goal(goal, reason="r", statement="y")
    plan.change_client(reason="moved", record_number="R-2")
    plan.resolve_diagnosis("F41.0", reason="remitted")
    return gp


def test_plan_show_json_keys_are_exactly_the_documented_ones(full_plan: Goalplan) -> None:
    shown = plan_to_json(full_plan.plan(full_plan.store.plan_ids()[0]).state)
    documented = documented_keys(section(JSON_MD, "## `plan show"))
    assert set(key_paths(shown)) == documented


def test_plan_list_json_keys_are_exactly_the_documented_ones(full_plan: Goalplan) -> None:
    listed = [p.to_json() for p in full_plan.plans()]
    assert set(key_paths(listed)) == documented_keys(section(JSON_MD, "## `plan list"))


def test_history_json_keys_are_exactly_the_documented_ones(full_plan: Goalplan) -> None:
    history = [h.to_json() for h in full_plan.plan(full_plan.store.plan_ids()[0]).history()]
    assert set(key_paths(history)) == documented_keys(section(JSON_MD, "## `history"))
    documented_fields = section(JSON_MD, "## `history").split("`field` is one of:")[1]
    assert {h["field"] for h in history} <= set(re.findall(r"`([a-z_]+)`", documented_fields))
