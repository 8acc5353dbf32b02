"""What the document shows, worked out from the log before any drawing: numbering, wording,
revision rows. Keeping this apart from layout lets every string be checked for drawable
characters, with the field it came from, before the first page exists.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import date

from attrs import frozen

import goalplan
from goalplan_pdf.clinical import texts as clinical_texts
from goalplan_pdf.outcomes import (
    GasView,
    MeasureView,
    Metric,
    gas_view,
    goal_outlook,
    measure_view,
    outcome_texts,
)
from goalplan_pdf.wording import measure_label, shortened, timestamp

STATUS_LABELS = {
    "proposed": "Proposed",
    "planned": "Planned",
    "accepted": "Accepted",
    "active": "Active",
    "on-hold": "On hold",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "entered-in-error": "Entered in error",
    "rejected": "Rejected",
}
EVENT_LABELS = {
    "goal_set": "Goal set",
    "step_added": "Step added",
    "step_completed": "Step completed",
    "goal_status_changed": "Status changed",
}


@frozen
class RevisionRow:
    when: str
    who: str
    change: str
    old: str
    new: str
    why: str


@frozen
class GoalView:
    number: str
    goal: goalplan.Goal
    focus_title: str
    steps: tuple[goalplan.Step, ...]
    interventions: tuple[goalplan.Intervention, ...]
    revisions: tuple[RevisionRow, ...]
    outlook: tuple[Metric, ...] = ()

    @property
    def short_id(self) -> str:
        return self.goal.goal_id[:8]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.goal.status, self.goal.status)

    @property
    def points(self) -> list[goalplan.ProgressPoint]:
        return sorted(self.goal.progress, key=lambda p: (p.observed_on, p.recorded_at))

    def attainment(self) -> str:
        """How far the latest value has come from baseline toward target, in words."""
        measure, points = self.goal.measure, self.points
        if measure is None or not points:
            return ""
        span = measure.target - measure.baseline
        share = (points[-1].value - measure.baseline) / span
        if share >= 1:
            return "Target reached"
        if share <= 0:
            return "No change from baseline yet" if share == 0 else "Further from target than at baseline"
        return f"{round(share * 100)}% of the way from baseline to target"


@frozen
class SignatureView:
    """A recorded signature and what it approves: the plan as it stood at its log version."""

    role: str
    name: str
    credentials: str
    signed_on: date
    version: int
    recorded_by: str
    recorded_at: str
    changed_since: int  # plan-changing events recorded after it; 0 means still current

    @property
    def current(self) -> bool:
        return self.changed_since == 0


def signature_views(log: goalplan.PlanLog) -> tuple[SignatureView, ...]:
    """Each signature with the version it approved (bound by the model when it was recorded) and
    whether the plan's material content is still what it approved."""
    state = log.state

    def changed(sig: goalplan.Signature) -> int:
        return 0 if goalplan.is_current(state, sig) else max(len(goalplan.changes_after(state, sig)), 1)

    return tuple(
        SignatureView(
            role=sig.role,
            name=sig.name,
            credentials=sig.credentials,
            signed_on=sig.signed_on,
            version=sig.signed_version,
            recorded_by=sig.recorded_by,
            recorded_at=timestamp(sig.recorded_at) if sig.recorded_at else "",
            changed_since=changed(sig),
        )
        for sig in state.signatures
    )


@frozen
class FocusView:
    number: int
    title: str
    description: str
    goals: tuple[GoalView, ...]
    focus_id: str | None = None


@frozen
class PlanView:
    log: goalplan.PlanLog
    state: goalplan.PlanState
    focus_areas: tuple[FocusView, ...]
    fingerprint: goalplan.Fingerprint
    made_at: str
    as_of: date
    measures: tuple[MeasureView, ...] = ()
    gas: GasView | None = None
    signatures: tuple[SignatureView, ...] = ()

    def latest_signature(self, role: str) -> SignatureView | None:
        found = [s for s in self.signatures if s.role == role]
        return found[-1] if found else None

    @property
    def goals(self) -> list[GoalView]:
        return [g for area in self.focus_areas for g in area.goals]


def build(log: goalplan.PlanLog, instruments: Mapping[str, goalplan.Instrument] | None = None) -> PlanView:
    """The document's content. "Today" for the analytics is the day of the log's last event."""
    state = log.state
    last_at = log.last_recorded_at
    as_of = last_at.date() if last_at is not None else state.opened_on
    if instruments is None:
        instruments = goalplan.registered_instruments()
    analytics = goalplan.plan_analytics(state, as_of, instruments)
    revisions = _revisions_by_goal(log.history())
    areas: list[FocusView] = []
    # a goal keeps its number for good: the order goals were first set in, whatever focus area
    # it is in now, so the numbers agree between printed versions of the plan
    ordinals = {goal_id: str(i) for i, goal_id in enumerate(state.goals, start=1)}
    groups: list[tuple[str | None, str, str]] = [
        (a.focus_id, a.title, a.description) for a in state.focus_areas.values()
    ]
    if any(g.focus_id is None or g.focus_id not in state.focus_areas for g in state.goals.values()):
        groups.append((None, "Other goals", ""))
    for focus_id, title, description in groups:
        if focus_id is None:
            members = [g for g in state.goals.values() if g.focus_id not in state.focus_areas]
        else:
            members = state.goals_in(focus_id)
        number = len(areas) + 1
        goals = tuple(
            GoalView(
                number=ordinals[goal.goal_id],
                goal=goal,
                focus_title=title,
                steps=tuple(state.steps_for(goal.goal_id)),
                interventions=tuple(state.interventions_for(goal.goal_id)),
                revisions=tuple(revisions.get(goal.goal_id, ())),
                outlook=goal_outlook(analytics.goal(goal.goal_id), as_of, goal.status),
            )
            for goal in members
        )
        areas.append(FocusView(number, title, description, goals, focus_id))
    last = log.records[-1].recorded_at if log.records else ""
    numbers = {gv.goal.goal_id: gv.number for area in areas for gv in area.goals}
    return PlanView(
        log,
        state,
        tuple(areas),
        log.fingerprint,
        timestamp(last) if last else "",
        as_of,
        tuple(measure_view(s, instruments.get(s.instrument)) for s in analytics.instruments),
        gas_view(analytics.gas, state, numbers),
        signature_views(log),
    )


def _revisions_by_goal(entries: Sequence[goalplan.HistoryEntry]) -> dict[str, list[RevisionRow]]:
    """Field-level history per goal. Recorded progress values are left to the chart; a goal's
    first setting is one row; corrections and everything else are kept as recorded."""
    rows: dict[str, list[RevisionRow]] = defaultdict(list)
    setting: dict[tuple[str, str], dict[str, str]] = {}
    last_event: dict[str, str] = {}
    per_event = Counter(entry.event_id for entry in entries)
    for entry in entries:
        if entry.goal_id is None or entry.event_type == "progress_recorded":
            continue
        if entry.event_type == "goal_set":
            key = (entry.goal_id, entry.event_id)
            if key not in setting:
                setting[key] = {}
                rows[entry.goal_id].append(
                    RevisionRow(timestamp(entry.recorded_at), entry.actor, "Goal set", "—", "", "—")
                )
            setting[key][entry.field] = entry.new
            continue
        label = goalplan.field_label(entry.field)
        if entry.event_type in ("step_added", "step_completed"):
            label = EVENT_LABELS[entry.event_type]
        elif entry.event_type == "entry_corrected":
            label = f"{label} (correction)"
        new = entry.new
        if entry.event_type == "step_completed" and entry.old and new.startswith(entry.old):
            new = new[len(entry.old) :].strip(" ()")  # just "done YYYY-MM-DD"
        goal_rows = rows[entry.goal_id]
        if goal_rows and last_event.get(entry.goal_id) == entry.event_id:
            # one revision is one row: its fields together, its reason once
            row = goal_rows[-1]
            goal_rows[-1] = RevisionRow(
                row.when,
                row.who,
                f"{row.change}, {label}",
                f"{row.old}\n{label}: {entry.old or '—'}",
                f"{row.new}\n{label}: {new or '—'}",
                row.why,
            )
            continue
        last_event[entry.goal_id] = entry.event_id
        grouped = entry.event_type in ("goal_revised", "entry_corrected")
        goal_rows.append(
            RevisionRow(
                timestamp(entry.recorded_at),
                entry.actor,
                label,
                f"{label}: {entry.old or '—'}"
                if grouped and per_event[entry.event_id] > 1
                else entry.old or "—",
                f"{label}: {new or '—'}" if grouped and per_event[entry.event_id] > 1 else new or "—",
                entry.reason or "—",
            )
        )
    for (goal_id, _), fields in setting.items():
        goal_rows = rows[goal_id]
        for i, row in enumerate(goal_rows):
            if row.change == "Goal set" and row.new == "":
                goal_rows[i] = RevisionRow(
                    row.when, row.who, row.change, row.old, _first_setting(fields), "—"
                )
                break
    return rows


def _first_setting(fields: dict[str, str]) -> str:
    # the statement in short: in full it is the goal's statement above, or the "from" of its
    # first revision below
    parts = [f"“{shortened(fields.get('statement', ''))}”"]
    if fields.get("measure"):
        label = measure_label(fields["measure"], fields.get("unit", ""))
        parts.append(f"{label}: {fields.get('baseline', '')} → {fields.get('target', '')}")
    if fields.get("target_date"):
        parts.append(f"by {fields['target_date']}")
    if fields.get("status"):
        parts.append(fields["status"])
    return "; ".join(parts)


def texts(view: PlanView) -> Iterator[tuple[str, str]]:
    """Every piece of recorded text the document prints, with the field it came from."""
    state = view.state
    yield "client_name", state.client_name
    yield "clinician_name", state.clinician_name
    yield "clinician_credentials", state.clinician_credentials
    yield "discharge_criteria", state.discharge_criteria
    yield "close_reason", state.close_reason
    for area in view.focus_areas:
        yield f"focus area {area.number} title", area.title
        yield f"focus area {area.number} description", area.description
        for gv in area.goals:
            goal, where = gv.goal, f"goal {gv.number} ({gv.goal.goal_id})"
            yield f"{where} statement", goal.statement
            yield f"{where} relevance", goal.relevance
            if goal.measure is not None:
                yield f"{where} measure", goal.measure.name
                yield f"{where} unit", goal.measure.unit
            for series in goal.earlier_series:
                yield f"{where} earlier measure", series.measure.name
                yield f"{where} earlier unit", series.measure.unit
            for step in gv.steps:
                yield f"{where} step {step.step_id}", step.text
            for item in gv.interventions:
                yield f"intervention {item.intervention_id} modality", item.modality
                yield f"intervention {item.intervention_id} description", item.description
                yield f"intervention {item.intervention_id} frequency", item.frequency
            for row in gv.revisions:
                yield f"{where} revision by", row.who
                yield f"{where} revision ({row.change}) old value", row.old
                yield f"{where} revision ({row.change}) new value", row.new
                yield f"{where} revision ({row.change}) reason", row.why
    for review in state.reviews:
        yield f"review of {review.held_on} summary", review.summary
        yield f"review of {review.held_on} recorded by", review.actor
    yield from clinical_texts(state)
    for sig in view.signatures:
        yield f"{sig.role} signature name", sig.name
        yield f"{sig.role} signature credentials", sig.credentials
        yield f"{sig.role} signature recorded by", sig.recorded_by
    outlooks = {gv.number: gv.outlook for gv in view.goals}
    yield from outcome_texts(outlooks, view.measures, view.gas)
