"""History: who changed what, old value to new, when and why, field by field."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given

from goalplan.events import (
    EntryCorrected,
    FocusAreaAdded,
    GoalRevised,
    GoalSet,
    GoalStatusChanged,
    Measure,
    PlanSigned,
    ProgressRecorded,
    StepAdded,
)
from goalplan.projections import plan_history
from goalplan.projections.history import goal_fields
from tests.core.streams import OPENED_ON, StreamBuilder, opened_plan, plan_histories

STRESS = Measure(name="late evenings", unit="per week", baseline=5, target=1)


def _course() -> StreamBuilder:
    builder = opened_plan()
    builder.add(FocusAreaAdded(focus_id="F1", title="Work stress"))
    builder.add(FocusAreaAdded(focus_id="F2", title="Work-life balance"))
    builder.add(GoalSet(goal_id="G1", statement="Worry less about work", focus_id="F1", measure=STRESS))
    builder.add(GoalSet(goal_id="G2", statement="Walk daily"))
    return builder


def test_a_revision_lists_each_changed_field_old_to_new_with_who_when_and_why() -> None:
    builder = _course()
    revised = builder.add(
        GoalRevised(
            goal_id="G1",
            reason="the review found the real aim is balance",
            statement="Leave work by six three days a week",
            focus_id="F2",
            measure=Measure(name="evenings home by six", unit="per week", baseline=0, target=3),
        ),
        actor="dr.lee",
    )
    changes = [h for h in plan_history(builder.records, "G1") if h.event_id == revised.event_id]
    assert [(h.field, h.old, h.new) for h in changes] == [
        ("statement", "Worry less about work", "Leave work by six three days a week"),
        ("focus", "Work stress", "Work-life balance"),
        ("measure", "late evenings", "evenings home by six"),
        ("baseline", "5", "0"),
        ("target", "1", "3"),
    ]
    for h in changes:
        assert (h.actor, h.recorded_at, h.reason, h.goal_id) == (
            "dr.lee",
            revised.recorded_at,
            "the review found the real aim is balance",
            "G1",
        )
        assert (h.version, h.position, h.event_type) == (revised.version, revised.position, "goal_revised")


def test_status_changes_carry_their_reason() -> None:
    builder = _course()
    builder.add(GoalStatusChanged(goal_id="G1", status="on-hold", reason="parental leave"))
    (entry,) = [h for h in plan_history(builder.records, "G1") if h.event_type == "goal_status_changed"]
    assert (entry.field, entry.old, entry.new, entry.reason) == (
        "status",
        "active",
        "on-hold",
        "parental leave",
    )


def test_a_correction_shows_the_entry_going_away_with_the_correction_s_reason() -> None:
    builder = _course()
    progress = builder.add(ProgressRecorded(goal_id="G1", value=4, observed_on=OPENED_ON + timedelta(days=7)))
    builder.add(EntryCorrected(corrected_event_id=progress.event_id, reason="entered for the wrong week"))
    entries = [(h.event_type, h.field, h.old, h.new, h.reason) for h in plan_history(builder.records, "G1")]
    assert entries[-2:] == [
        ("progress_recorded", "progress", "", "4 on 2026-01-12", ""),
        ("entry_corrected", "progress", "4 on 2026-01-12", "", "entered for the wrong week"),
    ]


def test_a_goal_filter_keeps_only_that_goal_and_plan_level_changes_have_no_goal() -> None:
    builder = _course()
    builder.add(StepAdded(step_id="S1", goal_id="G2", text="Walk round the block"))
    builder.add(PlanSigned(role="client", name="Ana B.", signed_on=OPENED_ON))
    everything = plan_history(builder.records)
    assert {h.goal_id for h in plan_history(builder.records, "G2")} == {"G2"}
    assert ("signature", "", "client: Ana B. on 2026-01-05") in [(h.field, h.old, h.new) for h in everything]
    assert all(h.goal_id is None for h in everything if h.field in ("signature", "focus_area", "client_name"))
    assert [h.field for h in plan_history(builder.records, "G2")][-1] == "step"


def test_history_is_in_recorded_order() -> None:
    history = plan_history(_course().records)
    assert [h.position for h in history] == sorted(h.position for h in history)


@given(plan_histories(max_commands=40))
def test_the_last_change_of_each_goal_field_is_the_goal_s_current_value(builder: StreamBuilder) -> None:
    history = plan_history(builder.records)
    state = builder.state
    for goal_id, goal in state.goals.items():
        latest: dict[str, str] = {}
        for h in history:
            if h.goal_id == goal_id and h.field in goal_fields(goal, state):
                latest[h.field] = h.new
        current = {k: v for k, v in goal_fields(goal, state).items() if v != ""}
        assert {k: v for k, v in latest.items() if v != ""} == current


def test_to_json_has_every_field() -> None:
    (entry, *_) = plan_history(_course().records)
    assert set(entry.to_json()) == {
        "position", "version", "recorded_at", "actor", "event_id", "event_type",
        "goal_id", "field", "old", "new", "reason", "recorded_by",
    }  # fmt: skip


def test_every_documented_history_field_has_a_label() -> None:
    import re
    from pathlib import Path

    from goalplan.projections import FIELD_LABELS

    json_md = (Path(__file__).resolve().parents[3] / "docs" / "json.md").read_text(encoding="utf-8")
    listed = json_md.split("`field` is one of:", 1)[1].split("Numbers are written", 1)[0]
    names = set(re.findall(r"`([a-z_]+)`", listed)) - {"goal", "plan"}
    assert names and names <= set(FIELD_LABELS), sorted(names - set(FIELD_LABELS))
