"""The facts a plan is made of. Immutable; each has a stable type tag and a schema version.

Payload fields say when a thing happened in the world (``observed_on``, ``held_on``...); the
envelope (see :mod:`goalplan.codec`) says when it was recorded and by whom. The two are kept
apart so a progress value entered late is still charted on the day it was observed.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import attrs
from attrs import field, frozen

# Modules that use many of these import the module (``from goalplan import events as ev``);
# the public API (``goalplan``) re-exports only the vocabulary a caller passes in.
__all__ = [
    "CLIENT_FIELDS",
    "DETAIL_FIELDS",
    "DIAGNOSIS_STATUSES",
    "EVENT_TYPES",
    "GAS_LEVELS",
    "LIFECYCLE_STATUSES",
    "PERIODS",
    "REVISABLE_FIELDS",
    "SESSION_TYPES",
    "SIGNER_ROLES",
    "TERMS",
    "ClientDetailsChanged",
    "DiagnosisAdded",
    "DiagnosisResolved",
    "EntryCorrected",
    "Event",
    "FindingSilenced",
    "FocusAreaAdded",
    "GasScaleSet",
    "GasScored",
    "GoalRevised",
    "GoalSet",
    "GoalStatusChanged",
    "InterventionPlanned",
    "Measure",
    "PlanClosed",
    "PlanDetailsSet",
    "PlanGiven",
    "PlanOpened",
    "PlanSigned",
    "PresentingProblemSet",
    "ProgressRecorded",
    "ReviewHeld",
    "SafetyReviewRecorded",
    "ScoreRecorded",
    "StepAdded",
    "StepCompleted",
    "event_fields",
]

EVENT_TYPES: dict[str, type[Event]] = {}

LIFECYCLE_STATUSES = (
    "proposed",
    "planned",
    "accepted",
    "active",
    "on-hold",
    "completed",
    "cancelled",
    "entered-in-error",
    "rejected",
)
TERMS = ("short", "long")
SIGNER_ROLES = ("client", "guardian", "clinician", "supervisor")
SESSION_TYPES = ("individual", "group", "family", "couple")
PERIODS = ("day", "week", "month")
DIAGNOSIS_STATUSES = ("active", "resolved")


class Event:
    """Base of every event payload. Subclasses set TYPE (never renamed) and SCHEMA_VERSION."""

    TYPE: ClassVar[str] = ""
    SCHEMA_VERSION: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        tag = cls.__dict__.get("TYPE")
        if tag:
            if tag in EVENT_TYPES and EVENT_TYPES[tag].__qualname__ != cls.__qualname__:
                raise ValueError(f"event type tag {tag!r} is already taken by {EVENT_TYPES[tag]}")
            EVENT_TYPES[tag] = cls


@frozen(kw_only=True)
class Measure:
    """How a goal is measured. The direction follows from baseline and target, which must differ."""

    name: str
    unit: str
    baseline: float = field(converter=float)
    target: float = field(converter=float)

    @property
    def direction(self) -> str:
        return "increase" if self.target > self.baseline else "decrease"


@frozen(kw_only=True)
class PlanOpened(Event):
    """Schema 2 adds the client's identifiers besides the name (all optional, so 1 reads as 2)."""

    TYPE = "plan_opened"
    SCHEMA_VERSION = 2
    client_name: str
    clinician_name: str
    clinician_credentials: str = ""
    opened_on: date
    review_every_days: int = 90
    discharge_criteria: str = ""
    client_birth_date: date | None = None
    client_record_number: str = ""
    client_preferred_name: str = ""
    client_pronouns: str = ""
    guardian_name: str = ""
    guardian_relationship: str = ""


CLIENT_FIELDS = (
    "client_name",
    "client_birth_date",
    "client_record_number",
    "client_preferred_name",
    "client_pronouns",
    "guardian_name",
    "guardian_relationship",
)


@frozen(kw_only=True)
class ClientDetailsChanged(Event):
    """The client's identifiers changed. Fields left None are unchanged; ``cleared`` lists emptied ones."""

    TYPE = "client_details_changed"
    reason: str
    client_name: str | None = None
    client_birth_date: date | None = None
    client_record_number: str | None = None
    client_preferred_name: str | None = None
    client_pronouns: str | None = None
    guardian_name: str | None = None
    guardian_relationship: str | None = None
    cleared: tuple[str, ...] = ()

    def changed_fields(self) -> tuple[str, ...]:
        given = tuple(n for n in CLIENT_FIELDS if getattr(self, n) is not None)
        return given + tuple(n for n in self.cleared if n not in given)


DETAIL_FIELDS = (
    "strengths",
    "needs",
    "abilities",
    "preferences",
    "level_of_care",
    "effective_from",
    "effective_through",
    "aftercare",
    "referrals",
    "discharge_criteria",
)


@frozen(kw_only=True)
class PlanDetailsSet(Event):
    """Plan-level content (CARF 2.C.1.c strengths..., level of care, effective dates, aftercare).

    Fields left None are unchanged; ``cleared`` lists emptied ones.
    """

    TYPE = "plan_details_set"
    reason: str = ""
    strengths: str | None = None
    needs: str | None = None
    abilities: str | None = None
    preferences: str | None = None
    level_of_care: str | None = None
    effective_from: date | None = None
    effective_through: date | None = None
    aftercare: str | None = None
    referrals: str | None = None
    discharge_criteria: str | None = None
    cleared: tuple[str, ...] = ()

    def changed_fields(self) -> tuple[str, ...]:
        given = tuple(n for n in DETAIL_FIELDS if getattr(self, n) is not None)
        return given + tuple(n for n in self.cleared if n not in given)


@frozen(kw_only=True)
class PresentingProblemSet(Event):
    """The presenting problem (behavioural definition) of one focus area; setting it again replaces it."""

    TYPE = "presenting_problem_set"
    focus_id: str
    text: str


@frozen(kw_only=True)
class DiagnosisAdded(Event):
    """An ICD-10-CM diagnosis; ``description`` is the code set's, copied when it was recorded."""

    TYPE = "diagnosis_added"
    code: str
    description: str
    primary: bool = False
    dsm5_text: str = ""
    focus_ids: tuple[str, ...] = ()


@frozen(kw_only=True)
class DiagnosisResolved(Event):
    TYPE = "diagnosis_resolved"
    code: str
    reason: str


@frozen(kw_only=True)
class FocusAreaAdded(Event):
    TYPE = "focus_area_added"
    focus_id: str
    title: str
    description: str = ""


@frozen(kw_only=True)
class GoalSet(Event):
    TYPE = "goal_set"
    goal_id: str
    statement: str
    focus_id: str | None = None
    term: str = "short"
    measure: Measure | None = None
    target_date: date | None = None
    relevance: str = ""
    status: str = "active"


REVISABLE_FIELDS = ("statement", "focus_id", "term", "measure", "target_date", "relevance")


@frozen(kw_only=True)
class GoalRevised(Event):
    """A goal's fields changed. Fields left None are unchanged; ``cleared`` lists emptied ones."""

    TYPE = "goal_revised"
    goal_id: str
    reason: str
    statement: str | None = None
    focus_id: str | None = None
    term: str | None = None
    measure: Measure | None = None
    target_date: date | None = None
    relevance: str | None = None
    cleared: tuple[str, ...] = ()

    def changed_fields(self) -> tuple[str, ...]:
        given = tuple(n for n in REVISABLE_FIELDS if getattr(self, n) is not None)
        return given + tuple(n for n in self.cleared if n not in given)


@frozen(kw_only=True)
class StepAdded(Event):
    TYPE = "step_added"
    step_id: str
    goal_id: str
    text: str
    due_on: date | None = None


@frozen(kw_only=True)
class StepCompleted(Event):
    TYPE = "step_completed"
    step_id: str
    completed_on: date


@frozen(kw_only=True)
class InterventionPlanned(Event):
    """Schema 2 adds the structured parts (type, minutes, sessions per period, provider, dates);
    all optional, so a version-1 payload reads as version 2 unchanged."""

    TYPE = "intervention_planned"
    SCHEMA_VERSION = 2
    intervention_id: str
    modality: str
    description: str
    frequency: str
    goal_ids: tuple[str, ...] = ()
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
class ProgressRecorded(Event):
    TYPE = "progress_recorded"
    goal_id: str
    value: float = field(converter=float)
    observed_on: date
    note: str = ""


@frozen(kw_only=True)
class ReviewHeld(Event):
    TYPE = "review_held"
    held_on: date
    summary: str = ""
    next_review_on: date | None = None


@frozen(kw_only=True)
class GoalStatusChanged(Event):
    """Schema 2 adds ``target_missed_reason``: why a measured goal is completed short of its target."""

    TYPE = "goal_status_changed"
    SCHEMA_VERSION = 2
    goal_id: str
    status: str
    reason: str
    target_missed_reason: str = ""


@frozen(kw_only=True)
class PlanSigned(Event):
    """Schema 2 binds the signature to a plan version and a digest of its material content.

    A version-1 payload has neither; the fold binds it to the version before it and the content
    as it then stood, which is what the signer saw.
    """

    TYPE = "plan_signed"
    SCHEMA_VERSION = 2
    role: str
    name: str
    credentials: str = ""
    signed_on: date
    signed_version: int | None = None
    content_digest: str = ""


@frozen(kw_only=True)
class PlanGiven(Event):
    """A copy of the plan was given to the client (CARF 2.C.1.f)."""

    TYPE = "plan_given"
    given_on: date
    given_to: str
    method: str = ""
    plan_version: int | None = None


@frozen(kw_only=True)
class PlanClosed(Event):
    TYPE = "plan_closed"
    reason: str
    closed_on: date


@frozen(kw_only=True)
class EntryCorrected(Event):
    """Marks an earlier event entered-in-error. The earlier event stays in the log."""

    TYPE = "entry_corrected"
    corrected_event_id: str
    reason: str


# Measurement-based care and SMART review (see docs/analytics.md) ------------------------------

GAS_LEVELS = (-2, -1, 0, 1, 2)


@frozen(kw_only=True)
class ScoreRecorded(Event):
    """A standardised instrument's total (PHQ-9, GAD-7...), optionally with its item scores.

    The instrument's range is checked against the registered instrument when the score is
    recorded (instruments come from plugins, so the pure domain checks only the shape).
    """

    TYPE = "score_recorded"
    instrument: str
    total: float = field(converter=float)
    items: tuple[int, ...] = ()
    observed_on: date
    goal_id: str | None = None
    note: str = ""


@frozen(kw_only=True)
class GasScaleSet(Event):
    """A goal's Goal Attainment Scaling scale: what levels -2, -1, 0, +1, +2 look like, and its weight.

    Setting it again replaces the scale (the earlier one stays in the log).
    """

    TYPE = "gas_scale_set"
    goal_id: str
    levels: tuple[str, ...]
    weight: float = field(default=1.0, converter=float)
    reason: str = ""


@frozen(kw_only=True)
class GasScored(Event):
    """The GAS level (-2..+2) a goal was found at on a day."""

    TYPE = "gas_scored"
    goal_id: str
    level: int
    observed_on: date
    note: str = ""


@frozen(kw_only=True)
class FindingSilenced(Event):
    """A lint finding accepted on purpose, for one goal (or the plan when goal_id is None), with why."""

    TYPE = "finding_silenced"
    rule_id: str
    reason: str
    goal_id: str | None = None


@frozen(kw_only=True)
class SafetyReviewRecorded(Event):
    """The clinician's documented response to a safety finding (a PHQ-9 item 9 above 0).

    ``score_event_id`` names the score reviewed; the finding for that score is then answered.
    """

    TYPE = "safety_review_recorded"
    score_event_id: str
    reviewed_on: date
    reason: str


def event_fields(event: Event) -> dict[str, object]:
    return attrs.asdict(event, recurse=False)  # type: ignore[arg-type]
