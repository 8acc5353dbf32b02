"""``goalplan fhir import``: a plan made from a FHIR Bundle, with a line per resource saying how.

The Bundle is mapped in memory first (``draft_plan``), then the plan is built through the
public API in a scratch store of its own, where the domain checks every step exactly as it
would in the real store. Only when all of it was accepted is the new stream copied into the
real store, in one atomic, hash-checked append (``Goalplan.import_log``). A Bundle the domain
refuses anywhere is refused whole, and nothing is written.
"""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from attrs import define, field, frozen

import goalplan
from goalplan_fhir import vocabulary as v
from goalplan_fhir.export import REVIEW_HELD
from goalplan_fhir.reading import (
    BundleIndex,
    Json,
    as_dict,
    as_list,
    codings,
    concept_text,
    decimal,
    extension_value,
    extensions,
    fhir_date,
    has_code,
    label,
    load_bundle,
    modifier_urls,
    parts_of,
    person_name,
    text,
)
from goalplan_fhir.units import unit_text

MEASURE_CHANGED = "The goal's measure changed (as in the imported Bundle)."
INITIAL_STATUSES = ("proposed", "planned", "accepted", "active", "on-hold")
FINAL_STATUSES = ("completed", "cancelled", "entered-in-error", "rejected")


@frozen
class ReportLine:
    resource: str
    outcome: str

    def __str__(self) -> str:
        return f"{self.resource}: {self.outcome}"


@frozen
class ImportResult:
    plan_id: str
    lines: tuple[ReportLine, ...]

    @property
    def imported(self) -> int:
        return sum(1 for line in self.lines if not line.outcome.startswith("not imported"))


@define
class GoalDraft:
    key: str
    statement: str
    focus: str | None = None
    term: str = "short"
    measures: list[tuple[goalplan.Measure, str]] = field(factory=list)  # earlier ones, then current
    target_date: date | None = None
    relevance: str = ""
    status: str = "active"
    status_reason: str = ""
    start: date | None = None
    target_missed: str = ""
    gas_levels: tuple[str, ...] = ()
    gas_weight: float = 1.0


@frozen
class Point:
    goal: str
    series: int
    value: float
    on: date
    note: str
    error: bool
    source: str = ""


@frozen
class GasDraft:
    goal: str
    level: int
    on: date
    note: str
    error: bool
    source: str = ""


@frozen
class ScoreDraft:
    instrument: str
    total: float
    items: tuple[int, ...]
    on: date
    goal: str | None
    note: str
    error: bool
    source: str = ""


@frozen
class StepDraft:
    goal: str
    text: str
    due: date | None
    completed: date | None
    error: bool
    source: str = ""


@frozen
class ProviderDraft:
    name: str = ""
    credentials: str = ""
    role: str = ""


@frozen
class InterventionDraft:
    modality: str
    description: str
    frequency: str
    goals: tuple[str, ...]
    error: bool
    type: str = ""
    minutes: int | None = None
    sessions: int | None = None
    period: str = ""
    provider: ProviderDraft = field(factory=ProviderDraft)
    starts: date | None = None
    ends: date | None = None
    source: str = ""


@frozen
class SignatureDraft:
    role: str
    name: str
    credentials: str
    on: date
    source: str = ""
    current: bool = True


@frozen
class DiagnosisDraft:
    code: str
    primary: bool
    dsm5: str
    focus: tuple[str, ...]
    resolved: str | None  # the reason, for a resolved diagnosis
    source: str


@define
class PlanDraft:
    """Everything the Bundle said that goalplan can hold, before any of it is written."""

    client: str = ""
    clinician: str = ""
    credentials: str = ""
    opened: date | None = None
    review_every: int = 90
    discharge: str = ""
    closed: date | None = None
    close_reason: str = ""
    focus_areas: dict[str, str] = field(factory=dict)  # title -> description
    goals: dict[str, GoalDraft] = field(factory=dict)
    points: list[Point] = field(factory=list)
    scores: list[ScoreDraft] = field(factory=list)
    gas: list[GasDraft] = field(factory=list)
    steps: list[StepDraft] = field(factory=list)
    interventions: list[InterventionDraft] = field(factory=list)
    reviews: list[tuple[date, str, date | None]] = field(factory=list)
    signatures: list[SignatureDraft] = field(factory=list)
    lines: list[ReportLine] = field(factory=list)
    plan_source: str = "Patient"
    birth_date: date | None = None
    record_number: str = ""
    preferred_name: str = ""
    pronouns: str = ""
    guardian: str = ""
    guardian_relationship: str = ""
    details: dict[str, Any] = field(factory=dict)  # set_details keyword -> value
    copies: list[tuple[date, str, str]] = field(factory=list)  # given on, to, method
    presenting: dict[str, str] = field(factory=dict)  # focus title -> presenting problem
    diagnoses: list[DiagnosisDraft] = field(factory=list)
    safety: list[tuple[str, date, str]] = field(factory=list)  # score source, reviewed on, reason
    focus_from: dict[int, str] = field(factory=dict)  # a Condition a goal took its focus area from

    def report(self, resource: Json | str, outcome: str) -> None:
        self.lines.append(ReportLine(resource if isinstance(resource, str) else label(resource), outcome))


def import_bundle(
    gp: goalplan.Goalplan,
    data: bytes,
    *,
    where: str = "FILE",
    clinician: str | None = None,
    copy: bool = False,
) -> ImportResult:
    """Create a plan in ``gp`` from the Bundle in ``data``; RejectedError (nothing written) if it cannot.

    A Bundle exported from a plan of this same store is refused unless ``copy`` is set: making
    a second plan of the same client is rarely what was meant.
    """
    bundle = load_bundle(data, where)
    source = as_dict(bundle.get("identifier"))
    source_id = source.get("value")
    exported_here = (
        source.get("system") == v.PLAN_ID
        and isinstance(source_id, str)
        and source_id in gp.store.plan_ids(source_id)
    )
    if exported_here and not copy:
        raise goalplan.RejectedError(
            where,
            f"was exported from plan {source_id}, which is in this store; importing it would make "
            "a second plan of the same client (give --copy to make one anyway); nothing was imported.",
        )
    draft = draft_plan(BundleIndex(bundle), where, clinician=clinician, instruments=gp.instruments())
    with (
        tempfile.TemporaryDirectory(prefix="goalplan-fhir-") as scratch_dir,
        goalplan.Goalplan.open(Path(scratch_dir) / "scratch.db", actor=gp.actor, clock=gp.clock) as scratch,
    ):
        plan_id = build_plan(scratch, draft, where)
        lines = io.StringIO()
        scratch.export_log(lines, plan_id)
    gp.import_log(lines.getvalue().splitlines())
    return ImportResult(plan_id=plan_id, lines=tuple(draft.lines))


# mapping ----------------------------------------------------------------------------------


def draft_plan(
    index: BundleIndex, where: str, *, clinician: str | None, instruments: dict[str, goalplan.Instrument]
) -> PlanDraft:
    draft = PlanDraft()
    skip = {id(r) for r in index.resources if modifier_urls(r)}
    patients = [r for r in index.of_type("Patient") if id(r) not in skip]
    if len(patients) != 1:
        raise goalplan.RejectedError(
            where,
            f"holds {len(patients)} usable Patient resources; a plan is one client's, so the Bundle "
            "must hold exactly one; nothing was imported.",
        )
    patient = patients[0]
    client = person_name(patient)
    if client is None:
        raise goalplan.RejectedError(
            where, "has a Patient without a name; a plan needs the client's name; nothing was imported."
        )
    draft.client = client
    map_patient_details(draft, patient)
    plans = [r for r in index.of_type("CarePlan") if id(r) not in skip]
    care_plan = plans[0] if plans else None
    map_clinician(draft, index, care_plan, clinician, where)
    map_care_plan_header(draft, index, care_plan, where)
    goal_keys: dict[int, str] = {}
    removed = removed_entries(index)
    for resource in index.resources:
        kind = resource["resourceType"]
        if id(resource) in skip:
            draft.report(
                resource,
                "not imported: it carries a modifier extension goalplan does not understand "
                f"({modifier_urls(resource)[0]}).",
            )
        elif kind == "Patient":
            draft.report(resource, "imported as the client.")
        elif kind == "Goal":
            map_goal(draft, index, resource, goal_keys)
    for resource in index.resources:
        kind = resource["resourceType"]
        if id(resource) in skip or kind in ("Patient", "Goal"):
            continue
        if kind == "Practitioner":
            draft.report(resource, practitioner_outcome(draft, resource))
        elif kind == "Condition":
            map_condition(draft, index, resource)
        elif kind == "CarePlan":
            if resource is care_plan:
                map_activities(draft, index, resource, goal_keys)
            else:
                draft.report(resource, "not imported: a plan is made from the Bundle's first CarePlan only.")
        elif kind == "Observation":
            map_observation(draft, index, resource, goal_keys, instruments)
        elif kind == "Provenance":
            map_provenance(draft, index, resource, removed)
        else:
            draft.report(resource, f"not imported: goalplan has no place for a {kind}.")
    if draft.opened is None:
        draft.opened = earliest_date(draft)
    if draft.opened is None:
        raise goalplan.RejectedError(
            where,
            "gives no date the plan opened (CarePlan.period.start, CarePlan.created or a Goal.startDate); "
            "nothing was imported.",
        )
    drop_before_opening(draft)
    order = {label(r): n for n, r in reversed(list(enumerate(index.resources)))}
    draft.lines.sort(key=lambda line: order.get(line.resource, len(order)))
    return draft


def map_patient_details(draft: PlanDraft, patient: Json) -> None:
    """Birth date, record number, preferred name, pronouns and guardian, where the Patient has them."""
    draft.birth_date = fhir_date(patient.get("birthDate"))
    identifiers = [
        i for i in as_list(patient.get("identifier")) if isinstance(i, dict) and text(i.get("value"))
    ]
    record = next((i for i in identifiers if has_code(i.get("type"), v.V2_0203, "MR")), None)
    if record is None and identifiers:
        record = identifiers[0]
    if record is not None:
        draft.record_number = str(record["value"])
    names = [n for n in as_list(patient.get("name")) if isinstance(n, dict)]
    usual = [text(n.get("text")) for n in names[1:] if n.get("use") == "usual"]
    draft.preferred_name = next((u for u in usual if u and u != draft.client), "")
    draft.pronouns = text(extension_value(patient, v.EXT_PRONOUNS, "String")) or ""
    for contact in as_list(patient.get("contact")):
        relationships = [r for r in as_list(as_dict(contact).get("relationship")) if isinstance(r, dict)]
        guardian = [r for r in relationships if has_code(r, v.ROLE_CODE, "GUARD")]
        name = person_name({"name": [as_dict(as_dict(contact).get("name"))]})
        if guardian and name:
            draft.guardian = name
            draft.guardian_relationship = text(guardian[0].get("text")) or ""
            break


def map_clinician(
    draft: PlanDraft, index: BundleIndex, care_plan: Json | None, given: str | None, where: str
) -> None:
    author = index.resolve(care_plan.get("author")) if care_plan else None
    candidates = (
        [author] if author and author.get("resourceType") == "Practitioner" else index.of_type("Practitioner")
    )
    for practitioner in candidates:
        name = person_name(practitioner)
        if name:
            draft.clinician = name
            draft.credentials = qualification(practitioner)
            return
    if given:
        draft.clinician = given
        return
    raise goalplan.RejectedError(
        where,
        "names no Practitioner with a name to be the plan's clinician; give one with --clinician; "
        "nothing was imported.",
    )


def qualification(practitioner: Json) -> str:
    found = practitioner.get("qualification")
    if not isinstance(found, list):
        return ""
    texts = [concept_text(q.get("code")) for q in found if isinstance(q, dict)]
    return ", ".join(t for t in texts if t)


def practitioner_outcome(draft: PlanDraft, practitioner: Json) -> str:
    if person_name(practitioner) == draft.clinician:
        return "imported as the plan's clinician."
    return "not imported: only the plan's clinician has a place in a goalplan plan."


def map_care_plan_header(draft: PlanDraft, index: BundleIndex, care_plan: Json | None, where: str) -> None:
    if care_plan is None:
        return
    draft.plan_source = label(care_plan)
    period = as_dict(care_plan.get("period"))
    draft.opened = fhir_date(period.get("start")) or fhir_date(care_plan.get("created"))
    every = extension_value(care_plan, v.EXT_REVIEW_EVERY, "PositiveInt")
    if isinstance(every, int) and not isinstance(every, bool) and every > 0:
        draft.review_every = every
    draft.discharge = text(extension_value(care_plan, v.EXT_DISCHARGE, "String")) or ""
    for name, url in v.DETAIL_EXTENSIONS.items():
        value = text(extension_value(care_plan, url, "String"))
        if value:
            draft.details[name] = value
    effective = as_dict(extension_value(care_plan, v.EXT_EFFECTIVE, "Period"))
    if fhir_date(effective.get("start")):
        draft.details["effective_from"] = fhir_date(effective.get("start"))
    if fhir_date(effective.get("end")):
        draft.details["effective_through"] = fhir_date(effective.get("end"))
    for copy in extensions(care_plan, v.EXT_COPY_GIVEN):
        parts = parts_of(copy)
        on = fhir_date(parts.get("givenOn", {}).get("valueDate"))
        to = text(parts.get("givenTo", {}).get("valueString"))
        if on is not None and to is not None:
            draft.copies.append((on, to, text(parts.get("method", {}).get("valueString")) or ""))
    if care_plan.get("status") in ("completed", "revoked"):
        draft.closed = fhir_date(period.get("end"))
        draft.close_reason = text(extension_value(care_plan, v.EXT_CLOSE_REASON, "String")) or (
            f"Care plan {care_plan['status']} in the system the Bundle came from."
        )
    notes = as_list(care_plan.get("note"))
    for note in notes:
        if not isinstance(note, dict):
            continue
        held = fhir_date(extension_value(note, v.EXT_REVIEW_HELD, "Date")) or fhir_date(note.get("time"))
        if held is None:
            continue
        summary = text(note.get("text")) or ""
        if summary == REVIEW_HELD and extensions(note, v.EXT_REVIEW_HELD):
            summary = ""
        draft.reviews.append((held, summary, fhir_date(extension_value(note, v.EXT_NEXT_REVIEW, "Date"))))


def map_goal(draft: PlanDraft, index: BundleIndex, goal: Json, keys: dict[int, str]) -> None:
    statement = concept_text(goal.get("description"))
    if statement is None:
        draft.report(goal, "not imported: it has no description (the goal in the client's words).")
        return
    key = label(goal) + f"#{len(draft.goals)}"
    g = GoalDraft(key=key, statement=statement)
    notes: list[str] = []
    status = goal.get("lifecycleStatus")
    if status in v.GOAL_LIFECYCLE:
        g.status = status
    else:
        notes.append(f"lifecycleStatus {status!r} is not a FHIR R4 value, so the goal is active")
    g.status_reason = text(goal.get("statusReason")) or ""
    g.target_missed = text(extension_value(goal, v.EXT_TARGET_MISSED, "String")) or ""
    g.start = fhir_date(goal.get("startDate"))
    term = extension_value(goal, v.EXT_TERM, "Code")
    if term in ("short", "long"):
        g.term = term
    g.relevance = text(extension_value(goal, v.EXT_RELEVANCE, "String")) or ""
    for address in as_list(goal.get("addresses")):
        condition = index.resolve(address)
        title = (
            concept_text(condition.get("code"))
            if condition
            else text(address.get("display") if isinstance(address, dict) else None)
        )
        if title:
            g.focus = title
            if condition is not None:
                draft.focus_from[id(condition)] = title
            description = ""
            if condition is not None and isinstance(condition.get("note"), list) and condition["note"]:
                first = condition["note"][0]
                description = text(first.get("text") if isinstance(first, dict) else None) or ""
            draft.focus_areas.setdefault(title, description)
            break
    for scale in extensions(goal, v.EXT_GAS_SCALE):
        parts = parts_of(scale)
        levels = tuple(text(parts.get(n, {}).get("valueString")) or "" for n in v.GAS_PARTS)
        weight = decimal(parts.get("weight", {}).get("valueDecimal"))
        if all(levels):
            g.gas_levels, g.gas_weight = levels, weight if weight is not None else 1.0
        else:
            notes.append("its attainment scale lacks a level's description, so it was left out")
    for earlier in extensions(goal, v.EXT_EARLIER_MEASURE):
        measure = measure_from_parts(earlier)
        if measure is not None:
            g.measures.append(measure)
    targets = as_list(goal.get("target"))
    target = next((t for t in targets if isinstance(t, dict)), None)
    if len(targets) > 1:
        notes.append(f"only the first of its {len(targets)} targets is kept")
    current = None
    if target is not None:
        g.target_date = fhir_date(target.get("dueDate"))
        current = measure_from_target(target, notes)
    if current is None:
        g.measures.clear()  # earlier measures without a current one cannot be carried
    else:
        g.measures.append((current, ""))
    draft.goals[key] = g
    keys[id(goal)] = key
    if g.focus:
        draft.focus_areas.setdefault(g.focus, "")
    outcome = "imported as a goal"
    draft.report(goal, outcome + (f", in part: {'; '.join(notes)}." if notes else "."))


def measure_from_target(target: Json, notes: list[str]) -> goalplan.Measure | None:
    name = concept_text(target.get("measure"))
    quantity = target.get("detailQuantity")
    if not isinstance(quantity, dict):
        if target.get("detailRange") is not None or target.get("detailCodeableConcept") is not None:
            notes.append("its target is not a single quantity, so the goal has no measure")
        elif name:
            notes.append("its target has no quantity, so the goal has no measure")
        return None
    value = decimal(quantity.get("value"))
    unit = unit_text(quantity)
    baseline_q = extension_value(target, v.EXT_BASELINE, "Quantity")
    baseline = decimal(baseline_q.get("value")) if isinstance(baseline_q, dict) else None
    if name is None or value is None:
        notes.append("its target has no measure name or value, so the goal has no measure")
        return None
    if baseline is None:
        notes.append(
            f"no baseline is given for {name!r}, so the goal has no measure (target {value:g} {unit})"
        )
        return None
    if baseline == value:
        notes.append(f"its baseline equals its target for {name!r}, so the goal has no measure")
        return None
    return goalplan.Measure(name=name, unit=unit, baseline=baseline, target=value)


def measure_from_parts(element: Json) -> tuple[goalplan.Measure, str] | None:
    parts = parts_of(element)

    def value(name: str, kind: str) -> Any:
        return parts.get(name, {}).get(f"value{kind}")

    name, baseline, target = (
        text(value("name", "String")),
        decimal(value("baseline", "Decimal")),
        decimal(value("target", "Decimal")),
    )
    if name is None or baseline is None or target is None or baseline == target:
        return None
    unit = text(value("unit", "String")) or ""
    return goalplan.Measure(name=name, unit=unit, baseline=baseline, target=target), str(
        value("replacedAt", "DateTime") or ""
    )


def map_condition(draft: PlanDraft, index: BundleIndex, condition: Json) -> None:
    icd = next(
        (c for c in codings(condition.get("code")) if c.get("system") == v.ICD10CM and text(c.get("code"))),
        None,
    )
    if icd is not None:
        map_diagnosis(draft, index, condition, str(icd["code"]))
        return
    title = concept_text(condition.get("code"))
    problem = text(extension_value(condition, v.EXT_PRESENTING_PROBLEM, "String"))
    if title and problem:
        draft.presenting[title] = problem
    if title and title in draft.focus_areas:
        draft.report(condition, f"imported as the focus area {title!r}.")
    elif title and any(
        has_code(c, v.HEALTH_CONCERN, "health-concern")
        for c in as_list(condition.get("category"))
        if isinstance(c, dict)
    ):
        description = ""
        if (
            isinstance(condition.get("note"), list)
            and condition["note"]
            and isinstance(condition["note"][0], dict)
        ):
            description = text(condition["note"][0].get("text")) or ""
        draft.focus_areas[title] = description
        draft.report(condition, f"imported as the focus area {title!r}.")
    else:
        draft.report(condition, "not imported: no Goal addresses it, and it is not a health concern.")


def map_diagnosis(draft: PlanDraft, index: BundleIndex, condition: Json, code: str) -> None:
    """An ICD-10-CM Condition; whether goalplan's code set takes the code is known only when written."""
    focus = []
    for reference in (e.get("valueReference") for e in extensions(condition, v.EXT_DIAGNOSIS_FOCUS)):
        area = index.resolve(reference)
        title = concept_text(area.get("code")) if area else None
        if title:
            focus.append(title)
            draft.focus_areas.setdefault(title, "")
    if id(condition) in draft.focus_from:  # a goal addresses it first: it became that goal's focus area
        focus.append(draft.focus_from[id(condition)])
    clinical = [c.get("code") for c in codings(condition.get("clinicalStatus"))]
    resolved = None
    if any(c in ("resolved", "inactive", "remission") for c in clinical):
        resolved = text(condition.get("abatementString")) or "Resolved in the system the Bundle came from."
    if has_code(condition.get("verificationStatus"), v.CONDITION_VERIFICATION, "entered-in-error"):
        draft.report(condition, "not imported: the diagnosis was entered in error.")
        return
    dsm5 = text(extension_value(condition, v.EXT_DSM5_TEXT, "String")) or ""
    primary = extension_value(condition, v.EXT_PRIMARY_DIAGNOSIS, "Boolean") is True
    draft.diagnoses.append(
        DiagnosisDraft(code, primary, dsm5, tuple(dict.fromkeys(focus)), resolved, label(condition))
    )


def goal_key(index: BundleIndex, reference: Any, keys: dict[int, str]) -> str | None:
    found = index.resolve(reference)
    return keys.get(id(found)) if found is not None else None


def map_activities(draft: PlanDraft, index: BundleIndex, care_plan: Json, keys: dict[int, str]) -> None:
    activities = as_list(care_plan.get("activity"))
    skipped: list[str] = []
    for number, activity in enumerate(activities, start=1):
        detail = activity.get("detail") if isinstance(activity, dict) else None
        if not isinstance(detail, dict):
            skipped.append(f"activity {number} refers to another resource instead of describing itself")
            continue
        goals = [k for k in (goal_key(index, g, keys) for g in as_list(detail.get("goal"))) if k]
        error = detail.get("status") == "entered-in-error"
        kind = extension_value(activity, v.EXT_ACTIVITY_KIND, "Code")
        description = text(detail.get("description"))
        if kind == "step":
            if not goals or description is None:
                skipped.append(f"step {number} names no goal or has no text")
                continue
            due = (
                fhir_date(detail["scheduledPeriod"].get("end"))
                if isinstance(detail.get("scheduledPeriod"), dict)
                else None
            )
            completed = fhir_date(extension_value(detail, v.EXT_COMPLETED_ON, "Date"))
            draft.steps.append(
                StepDraft(
                    goal=goals[0],
                    text=description,
                    due=due,
                    completed=completed,
                    error=error,
                    source=f"{label(care_plan)} activity {number}",
                )
            )
            continue
        modality = concept_text(detail.get("code")) or description
        if modality is None:
            skipped.append(f"activity {number} has neither a code nor a description")
            continue
        timing = as_dict(detail.get("scheduledTiming"))
        repeat = as_dict(timing.get("repeat"))
        frequency = text(detail.get("scheduledString")) or concept_text(timing.get("code")) or "as scheduled"
        bounds = as_dict(repeat.get("boundsPeriod"))
        session_type = extension_value(detail, v.EXT_SESSION_TYPE, "Code")
        period = next((p for p, unit in v.PERIOD_UNITS.items() if unit == repeat.get("periodUnit")), "")
        sessions = repeat.get("frequency") if repeat.get("period") == 1 and period else None
        draft.interventions.append(
            InterventionDraft(
                modality=modality,
                description=description or modality,
                frequency=frequency,
                goals=tuple(dict.fromkeys(goals)),
                error=error,
                source=f"{label(care_plan)} activity {number}",
                type=session_type if session_type in goalplan.SESSION_TYPES else "",
                minutes=minutes_of(repeat),
                sessions=sessions if isinstance(sessions, int) and not isinstance(sessions, bool) else None,
                period=period if isinstance(sessions, int) and not isinstance(sessions, bool) else "",
                provider=provider_of(draft, index, detail),
                starts=fhir_date(bounds.get("start")),
                ends=fhir_date(bounds.get("end")),
            )
        )
    outcome = "imported as the plan, its interventions, steps and reviews"
    draft.report(care_plan, outcome + (f", in part: {'; '.join(skipped)}." if skipped else "."))


def minutes_of(repeat: Json) -> int | None:
    duration = repeat.get("duration")
    if isinstance(duration, bool) or not isinstance(duration, int | float):
        return None
    minutes = duration * {"min": 1, "h": 60}.get(str(repeat.get("durationUnit")), 0)
    return int(minutes) if minutes and float(minutes).is_integer() else None


def provider_of(draft: PlanDraft, index: BundleIndex, detail: Json) -> ProviderDraft:
    """The responsible provider named by an activity's performer; none when it is the clinician."""
    performers = [p for p in as_list(detail.get("performer")) if isinstance(p, dict)]
    if not performers:
        return ProviderDraft()
    reference = performers[0]
    named = extension_value(reference, v.EXT_RESPONSIBLE_PROVIDER, "Boolean") is True
    found = index.resolve(reference)
    role = ""
    if found is not None and found.get("resourceType") == "PractitionerRole":
        role = next((t for t in (concept_text(c) for c in as_list(found.get("code"))) if t), "")
        found = index.resolve(found.get("practitioner"))
    if found is None or found.get("resourceType") != "Practitioner":
        return ProviderDraft()
    name = person_name(found) or ""
    credentials = qualification(found)
    if not named and not role and (name, credentials) == (draft.clinician, draft.credentials):
        return ProviderDraft()
    return ProviderDraft(name=name, credentials=credentials, role=role)


def observation_goal(index: BundleIndex, observation: Json, keys: dict[int, str]) -> str | None:
    reference = extension_value(observation, v.EXT_PERTAINS_TO_GOAL, "Reference")
    found = goal_key(index, reference, keys) if reference is not None else None
    if found:
        return found
    for goal in index.of_type("Goal"):
        outcomes = as_list(goal.get("outcomeReference"))
        if any(index.resolve(o) is observation for o in outcomes):
            return keys.get(id(goal))
    return None


def map_observation(
    draft: PlanDraft,
    index: BundleIndex,
    observation: Json,
    keys: dict[int, str],
    instruments: dict[str, goalplan.Instrument],
) -> None:
    status = observation.get("status")
    error = status == "entered-in-error"
    if status not in ("final", "amended", "corrected", "preliminary", "entered-in-error"):
        draft.report(observation, f"not imported: its status {status!r} is not a result goalplan records.")
        return
    on = fhir_date(observation.get("effectiveDateTime")) or (
        fhir_date(observation["effectivePeriod"].get("start"))
        if isinstance(observation.get("effectivePeriod"), dict)
        else None
    )
    if on is None:
        draft.report(observation, "not imported: it has no effective date.")
        return
    quantity = observation.get("valueQuantity")
    value = (
        decimal(quantity.get("value"))
        if isinstance(quantity, dict)
        else decimal(observation.get("valueInteger"))
    )
    if value is None:
        draft.report(observation, "not imported: it has no numeric value.")
        return
    goal = observation_goal(index, observation, keys)
    note = note_text(observation)
    if has_code(observation.get("code"), v.OBSERVATION_CODES, v.GAS_LEVEL_CODE):
        map_gas_level(draft, observation, goal, on, note, error)
        return
    instrument = instrument_of(observation, instruments)
    if instrument is not None:
        items = score_items(observation, instrument)
        for review in as_list(observation.get("note")):
            reviewed = fhir_date(extension_value(review, v.EXT_SAFETY_REVIEWED, "Date"))
            reason = text(as_dict(review).get("text"))
            if reviewed is not None and reason is not None:
                draft.safety.append((label(observation), reviewed, reason))
        draft.scores.append(
            ScoreDraft(instrument.id, value, items, on, goal, note, error, label(observation))
        )
        draft.report(
            observation, f"imported as a {instrument.name} score" + (" (entered in error)." if error else ".")
        )
        return
    if goal is None:
        draft.report(
            observation, "not imported: it is not tied to a Goal (pertainsToGoal or Goal.outcomeReference)."
        )
        return
    g = draft.goals[goal]
    if not g.measures:
        draft.report(observation, "not imported: its goal has no measure to record it against.")
        return
    series = series_of(g, observation)
    draft.points.append(Point(goal, series, value, on, note, error, label(observation)))
    draft.report(observation, "imported as a progress value" + (" (entered in error)." if error else "."))


def map_gas_level(
    draft: PlanDraft, observation: Json, goal: str | None, on: date, note: str, error: bool
) -> None:
    level = observation.get("valueInteger")
    if goal is None or not draft.goals[goal].gas_levels:
        draft.report(observation, "not imported: an attainment level needs a goal with an attainment scale.")
    elif isinstance(level, bool) or level not in (-2, -1, 0, 1, 2):
        draft.report(observation, f"not imported: an attainment level is -2 to +2, not {level!r}.")
    else:
        draft.gas.append(GasDraft(goal, level, on, note, error, label(observation)))
        draft.report(
            observation, "imported as an attainment level" + (" (entered in error)." if error else ".")
        )


def series_of(goal: GoalDraft, observation: Json) -> int:
    """Which of the goal's measures (earlier ones first) a progress value was recorded against."""
    issued = observation.get("issued")
    name = concept_text(observation.get("code"))
    for number, (measure, replaced_at) in enumerate(goal.measures[:-1]):
        if measure.name == name and isinstance(issued, str) and replaced_at and issued < replaced_at:
            return number
    return len(goal.measures) - 1


def note_text(resource: Json) -> str:
    """The resource's notes as one text, leaving out goalplan's safety review notes."""
    notes = [n for n in as_list(resource.get("note")) if not extensions(n, v.EXT_SAFETY_REVIEWED)]
    return "\n".join(t for t in (text(n.get("text")) for n in notes if isinstance(n, dict)) if t)


def instrument_of(
    observation: Json, instruments: dict[str, goalplan.Instrument]
) -> goalplan.Instrument | None:
    code = observation.get("code")
    for coding in (
        code.get("coding", []) if isinstance(code, dict) and isinstance(code.get("coding"), list) else []
    ):
        if (
            isinstance(coding, dict)
            and coding.get("system") == v.LOINC
            and isinstance(coding.get("code"), str)
            and coding["code"] in v.BY_TOTAL_CODE
        ):
            return instruments.get(v.BY_TOTAL_CODE[coding["code"]].instrument)
    name = concept_text(code)
    if name is None:
        return None
    for instrument in instruments.values():
        if name.casefold() in (instrument.id.casefold(), instrument.name.casefold()):
            return instrument
    return None


def score_items(observation: Json, instrument: goalplan.Instrument) -> tuple[int, ...]:
    """Item scores from components, placed by their LOINC code (or in order), if all are there."""
    components = as_list(observation.get("component"))
    loinc = v.BY_INSTRUMENT.get(instrument.id)
    found: dict[int, int] = {}
    for number, component in enumerate(components):
        if not isinstance(component, dict):
            continue
        score = component.get("valueInteger")
        if not isinstance(score, int) or isinstance(score, bool):
            continue
        position = number
        if loinc is not None:
            codes = [c.get("code") for c in codings(component.get("code"))]
            matches = [loinc.items.index(c) for c in codes if c in loinc.items]
            if matches:
                position = matches[0]
        found[position] = score
    if len(found) != instrument.items or set(found) != set(range(instrument.items)):
        return ()
    return tuple(found[n] for n in range(instrument.items))


def removed_entries(index: BundleIndex) -> set[str]:
    """Event ids that a Provenance with activity NULLIFY marks entered-in-error."""
    removed: set[str] = set()
    for provenance in index.of_type("Provenance"):
        if not has_code(provenance.get("activity"), v.DATA_OPERATION, "NULLIFY"):
            continue
        for entity in as_list(provenance.get("entity")):
            what = as_dict(as_dict(entity).get("what"))
            value = as_dict(what.get("identifier")).get("value")
            if as_dict(entity).get("role") == "removal" and isinstance(value, str):
                removed.add(value)
    return removed


def map_provenance(draft: PlanDraft, index: BundleIndex, provenance: Json, removed: set[str]) -> None:
    for agent in as_list(provenance.get("agent")):
        role = extension_value(agent, v.EXT_SIGNER_ROLE, "Code") if isinstance(agent, dict) else None
        if role is None:
            continue
        if role not in goalplan.SIGNER_ROLES:
            draft.report(provenance, f"not imported: {role!r} is not a signer role goalplan knows.")
            return
        who = as_dict(agent.get("who"))
        name = text(who.get("display")) or (person_name(index.resolve(who) or {}) if who else None)
        on = fhir_date(provenance.get("occurredDateTime")) or fhir_date(provenance.get("recorded"))
        if name is None or on is None:
            draft.report(provenance, "not imported: the signature names no signer or date.")
            return
        if isinstance(provenance.get("id"), str) and provenance["id"] in removed:
            draft.report(provenance, "not imported: the signature it records was entered in error.")
            return
        credentials = text(extension_value(agent, v.EXT_CREDENTIALS, "String")) or ""
        current = extension_value(agent, v.EXT_SIGNATURE_CURRENT, "Boolean") is not False
        draft.signatures.append(
            SignatureDraft(
                current=current,
                role=str(role),
                name=name,
                credentials=credentials,
                on=on,
                source=label(provenance),
            )
        )
        draft.report(provenance, f"imported as the {role}'s signature.")
        return
    draft.report(
        provenance,
        "not imported: the history it records stays in the source system's log; the new plan's own "
        "log starts with this import.",
    )


def earliest_date(draft: PlanDraft) -> date | None:
    days = [g.start for g in draft.goals.values() if g.start is not None]
    days += [p.on for p in draft.points] + [s.on for s in draft.scores] + [r[0] for r in draft.reviews]
    return min(days) if days else None


def drop_before_opening(draft: PlanDraft) -> None:
    """A plan holds nothing dated before it opened: such entries are left out and reported."""
    opened = draft.opened
    assert opened is not None
    early = [p.on for p in draft.points] + [s.on for s in draft.scores] + [g.on for g in draft.gas]
    early = [day for day in early if day < opened]
    if early:
        draft.points = [p for p in draft.points if p.on >= opened]
        draft.scores = [s for s in draft.scores if s.on >= opened]
        draft.gas = [g for g in draft.gas if g.on >= opened]
        draft.report(
            "Bundle", f"{len(early)} measurement(s) dated before the plan opened on {opened} were left out."
        )
    draft.reviews = [r for r in draft.reviews if r[0] >= opened]
    draft.signatures = [s for s in draft.signatures if s.on >= opened]


# building -----------------------------------------------------------------------------------


def build_plan(gp: goalplan.Goalplan, draft: PlanDraft, where: str) -> str:
    """Apply the draft through the public API; any refusal names the file and writes nothing."""
    at = [draft.plan_source]
    try:
        return _build(gp, draft, at)
    except goalplan.RejectedError as exc:
        raise goalplan.RejectedError(
            where,
            f"{at[0]}: {exc.field}: {exc.message.rstrip('.')}, so the Bundle cannot become a plan; "
            "nothing was imported.",
        ) from None


def add_diagnosis(plan: goalplan.Plan, draft: PlanDraft, diagnosis: DiagnosisDraft) -> None:
    """Add a diagnosis; a code goalplan's ICD-10-CM code set refuses is reported, not fatal."""
    try:
        code = plan.add_diagnosis(
            diagnosis.code, focus=list(diagnosis.focus), primary=diagnosis.primary, dsm5=diagnosis.dsm5
        )
    except goalplan.RejectedError as exc:
        draft.report(diagnosis.source, f"not imported: {exc.field}: {exc.message}")
        return
    if diagnosis.resolved is not None:
        plan.resolve_diagnosis(code, reason=diagnosis.resolved)
    draft.report(
        diagnosis.source,
        f"imported as the diagnosis {code}" + (" (resolved)." if diagnosis.resolved else "."),
    )


def source_of(goal_key: str) -> str:
    return goal_key.rsplit("#", 1)[0]


def _build(gp: goalplan.Goalplan, draft: PlanDraft, at: list[str]) -> str:
    """Write the draft; ``at[0]`` names the resource being written, for a refusal's message."""
    assert draft.opened is not None
    plan = gp.open_plan(
        client=draft.client,
        clinician=draft.clinician,
        credentials=draft.credentials,
        opened=draft.opened,
        review_every=draft.review_every,
        discharge_criteria=draft.discharge,
        birth_date=draft.birth_date,
        record_number=draft.record_number,
        preferred_name=draft.preferred_name,
        pronouns=draft.pronouns,
        guardian=draft.guardian,
        guardian_relationship=draft.guardian_relationship,
    )
    # A signature that no longer matched the plan's content is given before that content, so it
    # binds content that later changed, as it did in the source; current ones are given last.
    for sig in draft.signatures:
        if not sig.current:
            at[0] = sig.source
            plan.sign(role=sig.role, name=sig.name, credentials=sig.credentials, on=sig.on)
    at[0] = draft.plan_source
    if draft.details:
        plan.set_details(**draft.details)
    corrections: list[str] = []

    def mark(error: bool) -> None:
        """Remember the entry just written, to mark it entered-in-error once the plan is built."""
        if error:
            corrections.append(plan.log().records[-1].event_id)

    for title, description in draft.focus_areas.items():
        plan.add_focus(title, description)
    for title, problem in draft.presenting.items():
        if title in draft.focus_areas:
            plan.set_presenting_problem(title, problem)
    for diagnosis in draft.diagnoses:
        add_diagnosis(plan, draft, diagnosis)
    goal_ids: dict[str, str] = {}
    score_events: dict[str, str] = {}
    for key, g in draft.goals.items():
        at[0] = source_of(key)
        initial = (
            g.status if g.status in INITIAL_STATUSES else ("proposed" if g.status == "rejected" else "active")
        )
        goal_ids[key] = plan.set_goal(
            g.statement,
            focus=g.focus,
            term=g.term,
            measure=g.measures[0][0] if g.measures else None,
            by=g.target_date,
            relevance=g.relevance,
            status=initial,
        )
    step_ids: list[tuple[str, StepDraft]] = []
    for step in draft.steps:
        at[0] = step.source
        step_ids.append((plan.add_step(goal_ids[step.goal], step.text, by=step.due), step))
        mark(step.error)
    for item in draft.interventions:
        at[0] = item.source
        goals = [goal_ids[k] for k in item.goals]
        plan.plan_intervention(
            item.modality,
            item.description,
            item.frequency,
            goals=goals,
            type=item.type,
            minutes=item.minutes,
            sessions=item.sessions,
            per=item.period,
            provider=item.provider.name,
            provider_credentials=item.provider.credentials,
            provider_role=item.provider.role,
            starts=item.starts,
            ends=item.ends,
        )
        mark(item.error)
    for key, g in draft.goals.items():
        for series, (measure, _) in enumerate(g.measures):
            if series > 0:
                at[0] = source_of(key)
                plan.revise_goal(goal_ids[key], reason=MEASURE_CHANGED, measure=measure)
            points = sorted(
                (p for p in draft.points if p.goal == key and p.series == series), key=lambda p: p.on
            )
            for p in points:
                at[0] = p.source
                plan.record_progress(goal_ids[key], p.value, on=p.on, note=p.note)
                mark(p.error)
    for key, g in draft.goals.items():
        if g.gas_levels:
            at[0] = source_of(key)
            plan.set_gas_scale(goal_ids[key], g.gas_levels, weight=g.gas_weight)
    for point in sorted(draft.gas, key=lambda p: p.on):
        at[0] = point.source
        plan.score_gas(goal_ids[point.goal], point.level, on=point.on, note=point.note)
        mark(point.error)
    for s in sorted(draft.scores, key=lambda s: s.on):
        goal = goal_ids[s.goal] if s.goal else None
        at[0] = s.source
        plan.record_score(s.instrument, s.total, items=s.items, on=s.on, goal=goal, note=s.note)
        score_events[s.source] = plan.log().records[-1].event_id
        mark(s.error)
    for source, reviewed_on, reason in draft.safety:
        if source in score_events:
            at[0] = source
            plan.review_safety(reason=reason, score=score_events[source], on=reviewed_on)
    for step_id, step in step_ids:
        if step.completed is not None and not step.error:
            at[0] = step.source
            plan.complete_step(step_id, on=step.completed)
    at[0] = draft.plan_source
    for held, summary, next_on in sorted(draft.reviews, key=lambda r: r[0]):
        plan.hold_review(held=held, summary=summary, next=next_on)
    for key, g in draft.goals.items():
        if g.status not in INITIAL_STATUSES:
            at[0] = source_of(key)
            reason = g.status_reason or f"Goal {g.status} in the system the Bundle came from."
            current = plan.state.goals[goal_ids[key]]
            missed = ""
            if g.status == "completed" and current.measure is not None:
                if current.latest is None:
                    draft.report(
                        source_of(key),
                        "imported as a goal, in part: it is completed in the Bundle, but goalplan completes "
                        "a measured goal only once it has a value, so it stays active.",
                    )
                    continue
                m = current.measure
                reached = (
                    current.latest.value >= m.target
                    if m.target > m.baseline
                    else current.latest.value <= m.target
                )
                if not reached:
                    missed = g.target_missed or "Completed in the system the Bundle came from."
            plan.change_status(goal_ids[key], g.status, reason=reason, target_missed=missed)
    for on, to, method in draft.copies:
        at[0] = draft.plan_source
        plan.give_copy(to=to, on=on, method=method)
    for sig in (s for s in draft.signatures if s.current):
        at[0] = sig.source
        plan.sign(role=sig.role, name=sig.name, credentials=sig.credentials, on=sig.on)
    for event_id in corrections:
        plan.correct(event_id, reason="Entered in error (status entered-in-error in the imported Bundle).")
    if draft.closed is not None:
        at[0] = draft.plan_source
        plan.close(reason=draft.close_reason, on=draft.closed)
    return str(plan.id)
