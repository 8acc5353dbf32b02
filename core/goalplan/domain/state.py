"""The plan as the log makes it: plain immutable values, built only by :func:`fold`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from attrs import field, frozen

from goalplan.events import Measure


@frozen(kw_only=True)
class FocusArea:
    focus_id: str
    title: str
    description: str = ""
    presenting_problem: str = ""


@frozen(kw_only=True)
class Diagnosis:
    """An ICD-10-CM diagnosis on the plan; ``status`` is ``active`` or ``resolved``."""

    code: str
    description: str
    primary: bool
    dsm5_text: str
    focus_ids: tuple[str, ...]
    status: str = "active"
    resolve_reason: str = ""
    event_id: str = ""
    recorded_at: str = ""


@frozen(kw_only=True)
class MaterialChange:
    """A change to the plan's clinically material content (see domain/material.py)."""

    version: int
    event_id: str
    recorded_at: str
    what: str


@frozen(kw_only=True)
class PlanCopy:
    """A record that the plan was given to the client."""

    event_id: str
    given_on: date
    given_to: str
    method: str
    plan_version: int | None
    recorded_at: str
    actor: str


@frozen(kw_only=True)
class SafetyReview:
    event_id: str
    score_event_id: str
    reviewed_on: date
    reason: str
    recorded_at: str
    actor: str


@frozen(kw_only=True)
class ProgressPoint:
    event_id: str
    value: float
    observed_on: date
    note: str
    recorded_at: str
    actor: str


@frozen(kw_only=True)
class StatusChange:
    event_id: str
    status: str
    reason: str
    recorded_at: str
    target_missed_reason: str = ""


@frozen(kw_only=True)
class MeasureSeries:
    """Progress recorded against a measure the goal no longer uses (kept, never mixed in)."""

    measure: Measure
    progress: tuple[ProgressPoint, ...]
    replaced_at: str


@frozen(kw_only=True)
class GasScale:
    """A goal's Goal Attainment Scaling levels, described -2..+2, and the goal's weight."""

    event_id: str
    levels: tuple[str, ...]
    weight: float
    recorded_at: str

    def describe(self, level: int) -> str:
        return self.levels[level + 2]


@frozen(kw_only=True)
class GasPoint:
    event_id: str
    level: int
    observed_on: date
    note: str
    recorded_at: str
    actor: str


@frozen(kw_only=True)
class Score:
    """One standardised instrument score (the instrument is named by its registered id)."""

    event_id: str
    instrument: str
    total: float
    items: tuple[int, ...]
    observed_on: date
    goal_id: str | None
    note: str
    recorded_at: str
    actor: str


@frozen(kw_only=True)
class Silence:
    """A lint finding accepted on purpose; ``goal_id`` None silences a plan-level rule."""

    event_id: str
    rule_id: str
    goal_id: str | None
    reason: str
    recorded_at: str
    actor: str


@frozen(kw_only=True, slots=False)  # a __dict__ makes the fold's copies cheap (domain/replace.py)
class Goal:
    goal_id: str
    statement: str
    focus_id: str | None
    term: str
    measure: Measure | None
    target_date: date | None
    relevance: str
    initial_status: str
    status_changes: tuple[StatusChange, ...] = ()
    progress: tuple[ProgressPoint, ...] = ()
    earlier_series: tuple[MeasureSeries, ...] = ()
    revisions: int = 0
    set_at: str = ""
    set_by: str = ""
    gas_scale: GasScale | None = None
    gas_points: tuple[GasPoint, ...] = ()

    @property
    def status(self) -> str:
        return self.status_changes[-1].status if self.status_changes else self.initial_status

    @property
    def latest(self) -> ProgressPoint | None:
        return self.progress[-1] if self.progress else None


@frozen(kw_only=True, slots=False)  # a __dict__ makes the fold's copies cheap (domain/replace.py)
class Step:
    step_id: str
    goal_id: str
    text: str
    due_on: date | None
    completed_on: date | None = None
    completed_event_id: str | None = None

    @property
    def done(self) -> bool:
        return self.completed_on is not None


@frozen(kw_only=True)
class Intervention:
    intervention_id: str
    modality: str
    description: str
    frequency: str
    goal_ids: tuple[str, ...]
    type: str = ""
    minutes: int | None = None
    sessions: int | None = None
    period: str = ""
    provider_name: str = ""
    provider_credentials: str = ""
    provider_role: str = ""
    starts_on: date | None = None
    ends_on: date | None = None


@frozen(kw_only=True)
class Review:
    event_id: str
    held_on: date
    summary: str
    next_review_on: date | None
    recorded_at: str
    actor: str


@frozen(kw_only=True)
class Signature:
    """Who signed (``name``) is kept apart from who recorded the signature (``recorded_by``)."""

    event_id: str
    role: str
    name: str
    credentials: str
    signed_on: date
    signed_version: int = 0
    content_digest: str = ""
    recorded_by: str = ""
    recorded_at: str = ""


@frozen(kw_only=True)
class Entry:
    """What an event id refers to, so a correction can find and undo it."""

    type: str
    key: str | None


@frozen(kw_only=True, slots=False)  # a __dict__ makes the fold's copies cheap (domain/replace.py)
class PlanState:
    plan_id: str
    version: int = 0
    client_name: str = ""
    clinician_name: str = ""
    clinician_credentials: str = ""
    opened_on: date = date.min
    review_every_days: int = 90
    discharge_criteria: str = ""
    opened_by: str = ""
    closed_on: date | None = None
    close_reason: str = ""
    close_event_id: str | None = None
    focus_areas: Mapping[str, FocusArea] = field(factory=dict)
    goals: Mapping[str, Goal] = field(factory=dict)
    steps: Mapping[str, Step] = field(factory=dict)
    interventions: Mapping[str, Intervention] = field(factory=dict)
    reviews: tuple[Review, ...] = ()
    signatures: tuple[Signature, ...] = ()
    entries: Mapping[str, Entry] = field(factory=dict)
    corrected: frozenset[str] = frozenset()
    last_recorded_at: str = ""
    head_hash: str = ""
    scores: tuple[Score, ...] = ()
    silences: tuple[Silence, ...] = ()
    client_birth_date: date | None = None
    client_record_number: str = ""
    client_preferred_name: str = ""
    client_pronouns: str = ""
    guardian_name: str = ""
    guardian_relationship: str = ""
    strengths: str = ""
    needs: str = ""
    abilities: str = ""
    preferences: str = ""
    level_of_care: str = ""
    effective_from: date | None = None
    effective_through: date | None = None
    aftercare: str = ""
    referrals: str = ""
    diagnoses: Mapping[str, Diagnosis] = field(factory=dict)
    copies_given: tuple[PlanCopy, ...] = ()
    safety_reviews: tuple[SafetyReview, ...] = ()
    material_changes: tuple[MaterialChange, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.version > 0

    @property
    def status(self) -> str:
        """The FHIR CarePlan status: active until closed, then completed."""
        if not self.is_open:
            return "draft"
        return "completed" if self.closed_on is not None else "active"

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    @property
    def last_review(self) -> Review | None:
        return max(self.reviews, key=lambda r: r.held_on) if self.reviews else None

    @property
    def next_review_on(self) -> date | None:
        """The date set at the last review, else the cadence from the last review or the opening."""
        if not self.is_open or self.is_closed:
            return None
        last = self.last_review
        if last is None:
            return self.opened_on + timedelta(days=self.review_every_days)
        if last.next_review_on is not None:
            return last.next_review_on
        return last.held_on + timedelta(days=self.review_every_days)

    def goals_in(self, focus_id: str | None) -> list[Goal]:
        return [g for g in self.goals.values() if g.focus_id == focus_id]

    def steps_for(self, goal_id: str) -> list[Step]:
        return [s for s in self.steps.values() if s.goal_id == goal_id]

    def interventions_for(self, goal_id: str) -> list[Intervention]:
        return [i for i in self.interventions.values() if goal_id in i.goal_ids]

    def signature(self, role: str) -> Signature | None:
        """The latest signature for a role."""
        found = [s for s in self.signatures if s.role == role]
        return found[-1] if found else None

    @property
    def primary_diagnosis(self) -> Diagnosis | None:
        return next((d for d in self.diagnoses.values() if d.primary and d.status == "active"), None)

    def diagnoses_for(self, focus_id: str) -> list[Diagnosis]:
        return [d for d in self.diagnoses.values() if d.status == "active" and focus_id in d.focus_ids]

    def focus_title(self, focus_id: str | None) -> str:
        area = self.focus_areas.get(focus_id) if focus_id else None
        return area.title if area else ""
