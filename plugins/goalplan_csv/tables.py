"""The four tables, each a list of typed columns and a row source.

A column's kind decides what the de-identified profile does with it: ids become keyed
pseudonyms, dates and timestamps become day offsets from the plan's opening, codes (status,
term, event type...) and numbers stay, names and free text are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from attrs import frozen

import goalplan
from goalplan import HistoryEntry, PlanLog, PlanState, parse_iso_date
from goalplan_csv.analysis import (
    PROGRESS_COLUMNS,
    Instruments,
    analysis_day,
    analytics_cells,
    instrument_column_names,
    instrument_ids,
)
from goalplan_csv.cells import Cell
from goalplan_csv.deidentify import Pseudonyms, day_offset, timestamp_day_offset

# FHIR Goal.lifecycleStatus values under which a goal is still being worked towards.
OPEN_GOAL_STATUSES = frozenset({"proposed", "planned", "accepted", "active", "on-hold"})
# History fields whose old and new values are numbers, dates or codes rather than free text.
NUMBER_FIELDS = frozenset({"baseline", "target", "review_every_days"})
DATE_FIELDS = frozenset({"target_date", "opened_on", "closed_on", "effective_from", "effective_through"})
CODE_FIELDS = frozenset({"term", "status"})


@frozen
class Column:
    name: str
    kind: str

    def deidentified_name(self) -> str | None:
        if self.kind in ("event", "name", "free"):
            return None
        if self.kind in ("plan", "goal"):
            return f"{self.kind}_pseudonym"
        if self.kind in ("date", "timestamp"):
            stem = self.name.rsplit("_", 1)[0] if self.name.endswith(("_date", "_on", "_at")) else self.name
            return f"{stem}_day"
        return self.name


Row = Mapping[str, Any]


def _no_more_columns(log: PlanLog | None, instruments: Instruments) -> tuple[Column, ...]:
    return ()


@frozen
class Table:
    columns: tuple[Column, ...]
    rows: Callable[[PlanLog, Instruments], Iterator[Row]]
    more_columns: Callable[[PlanLog | None, Instruments], tuple[Column, ...]] = _no_more_columns

    def columns_for(self, log: PlanLog | None, instruments: Instruments) -> tuple[Column, ...]:
        """The fixed columns, then any that depend on the registered instruments (and, given a
        plan's log, on instruments no longer registered that scored one of its goals)."""
        return self.columns + self.more_columns(log, instruments)


def _goal_rows(log: PlanLog, instruments: Instruments) -> Iterator[Row]:
    state: PlanState = log.state
    today = analysis_day(log)
    ids = instrument_ids(state, instruments)
    analytics = goalplan.plan_analytics(state, today, instruments)
    for goal in state.goals.values():
        measure, latest = goal.measure, goal.latest
        steps = state.steps_for(goal.goal_id)
        yield {
            "plan_id": state.plan_id,
            "client": state.client_name,
            "clinician": state.clinician_name,
            "goal_id": goal.goal_id,
            "focus_area": state.focus_title(goal.focus_id),
            "term": goal.term,
            "statement": goal.statement,
            "measure": measure.name if measure else "",
            "unit": measure.unit if measure else "",
            "baseline": measure.baseline if measure else None,
            "target": measure.target if measure else None,
            "direction": measure.direction if measure else "",
            "target_date": goal.target_date,
            "relevance": goal.relevance,
            "status": goal.status,
            "latest_value": latest.value if latest else None,
            "latest_observed_on": latest.observed_on if latest else None,
            "measurements": len(goal.progress),
            "steps": len(steps),
            "steps_done": sum(1 for s in steps if s.done),
            "revisions": goal.revisions,
            "set_at": goal.set_at,
            "set_by": goal.set_by,
            **analytics_cells(analytics.goal(goal.goal_id), ids, today),
        }


def _goal_analytics_columns(log: PlanLog | None, instruments: Instruments) -> tuple[Column, ...]:
    ids = instrument_ids(log.state, instruments) if log is not None else sorted(instruments)
    names = [*PROGRESS_COLUMNS, *instrument_column_names(ids)]
    return tuple(Column(name, kind) for name, kind in names)


def _progress_rows(log: PlanLog, instruments: Instruments) -> Iterator[Row]:
    state = log.state
    for goal in state.goals.values():
        unit = goal.measure.unit if goal.measure else ""
        for point in sorted(goal.progress, key=lambda p: (p.observed_on, p.recorded_at)):
            yield {
                "plan_id": state.plan_id,
                "goal_id": goal.goal_id,
                "observed_on": point.observed_on,
                "value": point.value,
                "unit": unit,
                "note": point.note,
                "recorded_at": point.recorded_at,
                "recorded_by": point.actor,
                "event_id": point.event_id,
            }


def _score_rows(log: PlanLog, instruments: Instruments) -> Iterator[Row]:
    state = log.state
    reviewed = {r.score_event_id: r for r in state.safety_reviews}
    for score in state.scores:  # in the order observed
        found = instruments.get(score.instrument)
        yield {
            "plan_id": state.plan_id,
            "goal_id": score.goal_id or "",
            "instrument": score.instrument,
            "observed_on": score.observed_on,
            "total": score.total,
            "severity": found.band(score.total) if found else "",
            "item9": score.items[8] if score.instrument == "phq9" and len(score.items) == 9 else None,
            "safety_reviewed_on": reviewed[score.event_id].reviewed_on
            if score.event_id in reviewed
            else None,
            "note": score.note,
            "recorded_at": score.recorded_at,
            "recorded_by": score.actor,
            "event_id": score.event_id,
        }


def _history_rows(log: PlanLog, instruments: Instruments) -> Iterator[Row]:
    entry: HistoryEntry
    for entry in log.history():
        yield {
            "recorded_at": entry.recorded_at,
            "recorded_by": entry.actor,
            "event_type": entry.event_type,
            "version": entry.version,
            "event_id": entry.event_id,
            "plan_id": log.plan_id,
            "goal_id": entry.goal_id,
            "field": entry.field,
            "old_value": (entry.field, entry.old),
            "new_value": (entry.field, entry.new),
            "reason": entry.reason,
        }


def _yes(value: bool) -> str:
    return "true" if value else "false"


def _record_rows(log: PlanLog, instruments: Instruments) -> Iterator[Row]:
    state = log.state
    primary = state.primary_diagnosis
    copies = state.copies_given
    open_findings = [f for f in goalplan.safety_findings(state) if f.open]
    yield {
        "plan_id": state.plan_id,
        "client": state.client_name,
        "client_birth_date": state.client_birth_date.isoformat() if state.client_birth_date else "",
        "client_record_number": state.client_record_number,
        "client_preferred_name": state.client_preferred_name,
        "client_pronouns": state.client_pronouns,
        "guardian_name": state.guardian_name,
        "guardian_relationship": state.guardian_relationship,
        "clinician": state.clinician_name,
        "clinician_credentials": state.clinician_credentials,
        "status": state.status,
        "opened_on": state.opened_on,
        "effective_from": state.effective_from,
        "effective_through": state.effective_through,
        "level_of_care": state.level_of_care,
        "primary_diagnosis": primary.code if primary else "",
        "strengths": state.strengths,
        "needs": state.needs,
        "abilities": state.abilities,
        "preferences": state.preferences,
        "discharge_criteria": state.discharge_criteria,
        "aftercare": state.aftercare,
        "referrals": state.referrals,
        "plan_given_on": copies[-1].given_on if copies else None,
        "plan_given_version": copies[-1].plan_version if copies else None,
        "open_safety_findings": len(open_findings),
        "version": state.version,
        "content_digest": goalplan.content_digest(state),
    }


def _diagnosis_rows(log: PlanLog, instruments: Instruments) -> Iterator[Row]:
    state = log.state
    for d in state.diagnoses.values():
        yield {
            "plan_id": state.plan_id,
            "code": d.code,
            "description": d.description,
            "primary": _yes(d.primary),
            "dsm5_text": d.dsm5_text,
            "focus_areas": "; ".join(state.focus_title(f) for f in d.focus_ids),
            "status": d.status,
            "resolve_reason": d.resolve_reason,
            "recorded_at": d.recorded_at,
            "event_id": d.event_id,
        }


def _intervention_rows(log: PlanLog, instruments: Instruments) -> Iterator[Row]:
    state = log.state
    for i in state.interventions.values():
        yield {
            "plan_id": state.plan_id,
            "intervention_id": i.intervention_id,
            "modality": i.modality,
            "description": i.description,
            "type": i.type,
            "minutes": i.minutes,
            "sessions": i.sessions,
            "period": i.period,
            "frequency": i.frequency,
            "provider": i.provider_name,
            "provider_credentials": i.provider_credentials,
            "provider_role": i.provider_role,
            "starts_on": i.starts_on,
            "ends_on": i.ends_on,
            "goal_ids": " ".join(i.goal_ids),
        }


def _signature_rows(log: PlanLog, instruments: Instruments) -> Iterator[Row]:
    state = log.state
    for sig in state.signatures:
        changed = goalplan.changes_after(state, sig)
        yield {
            "plan_id": state.plan_id,
            "role": sig.role,
            "name": sig.name,
            "credentials": sig.credentials,
            "signed_on": sig.signed_on,
            "signed_version": sig.signed_version,
            "current": _yes(goalplan.is_current(state, sig)),
            "changed_after": "; ".join(
                f"{c.what} ({c.recorded_at[:10]}, version {c.version})" for c in changed
            ),
            "content_digest": sig.content_digest,
            "recorded_at": sig.recorded_at,
            "recorded_by": sig.recorded_by,
            "event_id": sig.event_id,
        }


def _plan_rows(log: PlanLog, instruments: Instruments) -> Iterator[Row]:
    state = log.state
    goals = list(state.goals.values())
    last = state.last_review
    active = sorted((d for d in state.diagnoses.values() if d.status == "active"), key=lambda d: d.code)
    yield {
        "plan_id": state.plan_id,
        "client": state.client_name,
        "clinician": state.clinician_name,
        "status": state.status,
        "opened_on": state.opened_on,
        "closed_on": state.closed_on,
        "review_every_days": state.review_every_days,
        "reviews": len(state.reviews),
        "last_review_on": last.held_on if last is not None else None,
        "next_review_on": state.next_review_on,
        "goals": len(goals),
        "goals_open": sum(1 for g in goals if g.status in OPEN_GOAL_STATUSES),
        "goals_completed": sum(1 for g in goals if g.status == "completed"),
        "measurements": sum(len(g.progress) for g in goals),
        "scores": len(state.scores),
        "signatures": len(state.signatures),
        "version": state.version,
        "last_recorded_at": state.last_recorded_at,
        "record_number": state.client_record_number,
        "level_of_care": state.level_of_care,
        "effective_from": state.effective_from,
        "effective_through": state.effective_through,
        "primary_diagnosis": next((d.code for d in active if d.primary), ""),
        "diagnoses": len(active),
    }


def _columns(*spec: str) -> tuple[Column, ...]:
    return tuple(Column(*item.split(":")) for item in spec)


TABLES: Mapping[str, Table] = {
    "goals": Table(
        _columns(
            "plan_id:plan", "client:name", "clinician:name", "goal_id:goal", "focus_area:free", "term:code",
            "statement:free", "measure:free", "unit:free", "baseline:number", "target:number",
            "direction:code", "target_date:date", "relevance:free", "status:code", "latest_value:number",
            "latest_observed_on:date", "percent_toward_target:number", "measurements:number", "steps:number",
            "steps_done:number", "revisions:number", "set_at:timestamp", "set_by:name",
        ),
        _goal_rows,
        _goal_analytics_columns,
    ),
    "progress": Table(
        _columns(
            "plan_id:plan", "goal_id:goal", "observed_on:date", "value:number", "unit:free", "note:free",
            "recorded_at:timestamp", "recorded_by:name", "event_id:event",
        ),
        _progress_rows,
    ),
    "scores": Table(
        _columns(
            "plan_id:plan", "goal_id:goal", "instrument:code", "observed_on:date", "total:number",
            "severity:code", "note:free", "recorded_at:timestamp", "recorded_by:name", "event_id:event",
            "item9:number", "safety_reviewed_on:date",
        ),
        _score_rows,
    ),
    "history": Table(
        _columns(
            "recorded_at:timestamp", "recorded_by:name", "event_type:code", "version:number",
            "event_id:event", "plan_id:plan", "goal_id:goal", "field:code", "old_value:change",
            "new_value:change", "reason:free",
        ),
        _history_rows,
    ),
    "plans": Table(
        _columns(
            "plan_id:plan", "client:name", "clinician:name", "status:code", "opened_on:date",
            "closed_on:date", "review_every_days:number", "reviews:number", "last_review_on:date",
            "next_review_on:date",
            "goals:number", "goals_open:number", "goals_completed:number", "measurements:number",
            "scores:number", "signatures:number", "version:number", "last_recorded_at:timestamp",
            "record_number:name", "level_of_care:free", "effective_from:date", "effective_through:date",
            "primary_diagnosis:code", "diagnoses:number",
        ),
        _plan_rows,
    ),
    "record": Table(
        _columns(
            "plan_id:plan", "client:name", "client_birth_date:name", "client_record_number:name",
            "client_preferred_name:name", "client_pronouns:free", "guardian_name:name",
            "guardian_relationship:free", "clinician:name", "clinician_credentials:code", "status:code",
            "opened_on:date", "effective_from:date", "effective_through:date", "level_of_care:free",
            "primary_diagnosis:code", "strengths:free", "needs:free", "abilities:free", "preferences:free",
            "discharge_criteria:free", "aftercare:free", "referrals:free", "plan_given_on:date",
            "plan_given_version:number", "open_safety_findings:number", "version:number",
            "content_digest:event",
        ),
        _record_rows,
    ),
    "diagnoses": Table(
        _columns(
            "plan_id:plan", "code:code", "description:code", "primary:code", "dsm5_text:free",
            "focus_areas:free", "status:code", "resolve_reason:free", "recorded_at:timestamp",
            "event_id:event",
        ),
        _diagnosis_rows,
    ),
    "interventions": Table(
        _columns(
            "plan_id:plan", "intervention_id:event", "modality:free", "description:free", "type:code",
            "minutes:number", "sessions:number", "period:code", "frequency:free", "provider:name",
            "provider_credentials:code", "provider_role:free", "starts_on:date", "ends_on:date",
            "goal_ids:event",
        ),
        _intervention_rows,
    ),
    "signatures": Table(
        _columns(
            "plan_id:plan", "role:code", "name:name", "credentials:code", "signed_on:date",
            "signed_version:number", "current:code", "changed_after:free", "content_digest:event",
            "recorded_at:timestamp", "recorded_by:name", "event_id:event",
        ),
        _signature_rows,
    ),
}  # fmt: skip


def _change_full(field: str, text: str) -> Cell:
    if field in NUMBER_FIELDS and text:
        return float(text)
    return text


def _change_deidentified(field: str, text: str, opened_on: date) -> Cell:
    if not text:
        return None
    if field in NUMBER_FIELDS:
        return float(text)
    if field in DATE_FIELDS:
        return day_offset(parse_iso_date(text), opened_on)
    if field in CODE_FIELDS:
        return text
    return None  # free text (statements, names, notes, reasons...) is never carried over


def full_cells(columns: Sequence[Column], row: Row) -> list[Cell]:
    cells: list[Cell] = []
    for column in columns:
        value = row[column.name]
        if column.kind == "change":
            changed_field, text = value
            cells.append(_change_full(changed_field, text))
        elif isinstance(value, date):
            cells.append(value.isoformat())
        else:
            cells.append(value)
    return cells


def deidentified_cells(
    columns: Sequence[Column], row: Row, pseudonym: Pseudonyms, opened_on: date
) -> list[Cell]:
    cells: list[Cell] = []
    for column in columns:
        if column.deidentified_name() is None:
            continue
        value = row[column.name]
        if column.kind in ("plan", "goal"):
            cells.append(pseudonym(column.kind, value))
        elif column.kind == "date":
            cells.append(day_offset(value, opened_on))
        elif column.kind == "timestamp":
            cells.append(timestamp_day_offset(value, opened_on))
        elif column.kind == "change":
            changed_field, text = value
            cells.append(_change_deidentified(changed_field, text, opened_on))
        else:
            cells.append(value)
    return cells


def header(columns: Sequence[Column], deidentified: bool) -> Sequence[str]:
    if not deidentified:
        return [c.name for c in columns]
    return [name for c in columns if (name := c.deidentified_name()) is not None]
