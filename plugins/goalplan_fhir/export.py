"""One plan's log as one FHIR R4 Bundle (mapping: docs/fhir.md).

Everything comes from the log: resource ids are the ids of the events that created each thing,
times are recorded-at times and payload dates, and resources follow the log's order, so the
same log and options give the same bytes. Entries that were corrected are exported with
status entered-in-error where the resource has a status, never silently dropped.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import goalplan
from goalplan_fhir import vocabulary as v
from goalplan_fhir.options import FhirOptions
from goalplan_fhir.units import number, quantity

Json = dict[str, Any]
_NAMESPACE = uuid.UUID("6f1d3a52-3c1e-5e0b-9a7e-6b0f1a1d2c3e")
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def render_bundle(log: goalplan.PlanLog, options: FhirOptions) -> bytes:
    bundle = fhir_strings(PlanBundle(log, options).bundle())
    return (json.dumps(bundle, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# FHIR's string and markdown types allow no whitespace but space, tab, CR and LF
# (regex [ \r\n\t\S]+). Other whitespace in typed text becomes a line break if it separates
# lines, else a plain space, so a no-break space in a goal cannot make the Bundle invalid.
_OTHER_WHITESPACE = re.compile(r"[^\S \r\n\t]")
_LINE_BREAKS = frozenset("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def fhir_strings(node: Any) -> Any:
    if isinstance(node, str):
        return _OTHER_WHITESPACE.sub(lambda m: "\n" if m.group() in _LINE_BREAKS else " ", node)
    if isinstance(node, dict):
        return {key: fhir_strings(value) for key, value in node.items()}
    if isinstance(node, list):
        return [fhir_strings(value) for value in node]
    return node


def fhir_id(text: str) -> str:
    """``text`` if it is a valid FHIR id, else a UUID derived from it (the same text, the same id)."""
    return text if _FHIR_ID.match(text) else str(uuid.uuid5(_NAMESPACE, text))


def ext(url: str, **value: Any) -> Json:
    return {"url": url, **value}


def text_note(text: str) -> list[Json]:
    return [{"text": text}] if text else []


class PlanBundle:
    """Builds the Bundle; holds the indexes from thing ids to the events that created them."""

    def __init__(self, log: goalplan.PlanLog, options: FhirOptions) -> None:
        self.log = log
        self.state = log.state
        self.options = options
        self.records = log.records
        self.opened = next(r for r in self.records if r.type == "plan_opened")
        self.created_by: dict[str, str] = {}
        for record in self.records:
            key = _CREATOR_KEY.get(record.type)
            if key is not None:
                self.created_by.setdefault(getattr(record.event, key), record.event_id)
        self.resource_ids: dict[str, str] = {}  # event id -> "Type/id" of the resource it became

    # references --------------------------------------------------------------------------

    def full_url(self, resource_type: str, resource_id: str) -> str:
        return "urn:uuid:" + str(uuid.uuid5(_NAMESPACE, f"{self.log.plan_id}/{resource_type}/{resource_id}"))

    def ref(self, resource_type: str, resource_id: str, display: str = "") -> Json:
        reference: Json = {"reference": self.full_url(resource_type, resource_id)}
        if display:
            reference["display"] = display
        return reference

    @property
    def patient(self) -> Json:
        return self.ref("Patient", self.opened.event_id, self.state.client_name)

    @property
    def clinician(self) -> Json:
        return self.ref("Practitioner", self.opened.event_id, self.state.clinician_name)

    def goal_ref(self, goal_id: str) -> Json:
        return self.ref("Goal", self.created_by.get(goal_id, goal_id))

    @property
    def today(self) -> date:
        """The log's own "now": the day of its newest entry (never the clock)."""
        last = self.log.last_recorded_at
        return last.date() if last else self.state.opened_on

    # the bundle ----------------------------------------------------------------------------

    def bundle(self) -> Json:
        fingerprint = self.log.fingerprint
        resources = [
            self.patient_resource(),
            self.clinician_resource(),
            *self.focus_conditions(),
            *self.goals(),
            self.care_plan(),
            *self.observations(),
            *self.provenances(),
        ]
        entries = []
        for resource in resources:
            entry: Json = {
                "fullUrl": self.full_url(resource["resourceType"], resource["id"]),
                "resource": resource,
            }
            if self.options.bundle == "transaction":
                entry["request"] = {"method": "POST", "url": resource["resourceType"]}
            entries.append(entry)
        stamp = self.state.last_recorded_at
        return {
            "resourceType": "Bundle",
            "id": fhir_id(self.log.plan_id),
            "meta": {
                "extension": [
                    ext(
                        v.EXT_FINGERPRINT,
                        extension=[
                            ext("planId", valueString=fingerprint.plan_id),
                            ext("version", valuePositiveInt=fingerprint.version),
                            ext("headHash", valueString=fingerprint.head_hash),
                        ],
                    )
                ],
                "versionId": str(fingerprint.version),
                "lastUpdated": stamp,
            },
            "identifier": {"system": v.PLAN_ID, "value": self.log.plan_id},
            "type": self.options.bundle,
            "timestamp": stamp,
            "entry": entries,
        }

    # who -----------------------------------------------------------------------------------

    def patient_resource(self) -> Json:
        patient: Json = {"resourceType": "Patient", "id": self.opened.event_id}
        patient["name"] = [{"text": self.state.client_name}]
        return patient

    def clinician_resource(self) -> Json:
        practitioner: Json = {
            "resourceType": "Practitioner",
            "id": self.opened.event_id,
            "name": [{"text": self.state.clinician_name}],
        }
        if self.state.clinician_credentials:
            practitioner["qualification"] = [{"code": {"text": self.state.clinician_credentials}}]
        return practitioner

    # what ----------------------------------------------------------------------------------

    def focus_conditions(self) -> Iterator[Json]:
        """Each focus area as a health-concern Condition, so a Goal can say what it addresses."""
        for area in self.state.focus_areas.values():
            condition: Json = {
                "resourceType": "Condition",
                "id": self.created_by.get(area.focus_id, area.focus_id),
                "extension": [ext(v.EXT_FOCUS, valueString=area.focus_id)],
                "clinicalStatus": {
                    "coding": [{"system": v.CONDITION_CLINICAL, "code": "active", "display": "Active"}]
                },
                "category": [
                    {
                        "coding": [
                            {
                                "system": v.HEALTH_CONCERN,
                                "code": "health-concern",
                                "display": "Health Concern",
                            }
                        ]
                    }
                ],
                "code": {"text": area.title},
                "subject": self.patient,
            }
            notes = text_note(area.description)
            if notes:
                condition["note"] = notes
            yield condition

    def focus_ref(self, focus_id: str) -> Json:
        area = self.state.focus_areas[focus_id]
        return self.ref("Condition", self.created_by.get(focus_id, focus_id), area.title)

    def goals(self) -> Iterator[Json]:
        for goal in self.state.goals.values():
            yield self.goal_resource(goal)

    def goal_resource(self, goal: goalplan.Goal) -> Json:
        extensions = [ext(v.EXT_TERM, valueCode=goal.term)]
        if goal.relevance:
            extensions.append(ext(v.EXT_RELEVANCE, valueString=goal.relevance))
        for series in goal.earlier_series:
            extensions.append(
                ext(v.EXT_EARLIER_MEASURE, extension=measure_parts(series.measure, series.replaced_at))
            )
        if goal.gas_scale is not None:
            parts = [ext(n, valueString=t) for n, t in zip(v.GAS_PARTS, goal.gas_scale.levels, strict=True)]
            parts.append(ext("weight", valueDecimal=number(goal.gas_scale.weight)))
            extensions.append(ext(v.EXT_GAS_SCALE, extension=parts))
        resource: Json = {
            "resourceType": "Goal",
            "id": self.created_by.get(goal.goal_id, goal.goal_id),
            "extension": extensions,
            "identifier": [{"system": v.GOAL_ID, "value": goal.goal_id}],
            "lifecycleStatus": goal.status,
        }
        achievement = None
        if goal.status != "entered-in-error":
            achievement = goalplan.achievement_status(goal, self.today)
        if achievement is not None:
            resource["achievementStatus"] = {
                "coding": [
                    {
                        "system": v.ACHIEVEMENT,
                        "code": achievement,
                        "display": v.ACHIEVEMENT_DISPLAY[achievement],
                    }
                ]
            }
        resource["description"] = {"text": goal.statement}
        resource["subject"] = self.patient
        if goal.set_at:
            resource["startDate"] = goal.set_at[:10]
        target: Json = {}
        if goal.measure is not None:
            m = goal.measure
            target["extension"] = [ext(v.EXT_BASELINE, valueQuantity=quantity(m.baseline, m.unit))]
            target["measure"] = {"text": m.name}
            target["detailQuantity"] = quantity(m.target, m.unit)
        if goal.target_date is not None:
            target["dueDate"] = goal.target_date.isoformat()
        if target:
            resource["target"] = [target]
        if goal.status_changes:
            last = goal.status_changes[-1]
            resource["statusDate"] = last.recorded_at[:10]
            resource["statusReason"] = last.reason
        resource["expressedBy"] = self.patient
        if goal.focus_id and goal.focus_id in self.state.focus_areas:
            resource["addresses"] = [self.focus_ref(goal.focus_id)]
        return resource

    def care_plan(self) -> Json:
        state = self.state
        extensions = [ext(v.EXT_REVIEW_EVERY, valuePositiveInt=state.review_every_days)]
        if state.discharge_criteria:
            extensions.append(ext(v.EXT_DISCHARGE, valueString=state.discharge_criteria))
        if state.close_reason:
            extensions.append(ext(v.EXT_CLOSE_REASON, valueString=state.close_reason))
        period: Json = {"start": state.opened_on.isoformat()}
        if state.closed_on is not None:
            period["end"] = state.closed_on.isoformat()
        plan: Json = {
            "resourceType": "CarePlan",
            "id": self.opened.event_id,
            "extension": extensions,
            "identifier": [{"system": v.PLAN_ID, "value": self.log.plan_id}],
            "status": state.status,
            "intent": "plan",
            "title": "Treatment plan",
            "subject": self.patient,
            "period": period,
            "created": self.opened.recorded_at,
            "author": self.clinician,
        }
        addresses = [self.focus_ref(f) for f in state.focus_areas]
        if addresses:
            plan["addresses"] = addresses
        if state.goals:
            plan["goal"] = [self.goal_ref(g) for g in state.goals]
        activities = list(self.activities())
        if activities:
            plan["activity"] = activities
        notes = [self.review_note(r) for r in state.reviews]
        if notes:
            plan["note"] = notes
        return plan

    def activities(self) -> Iterator[Json]:
        """Interventions and steps, in the order they were planned, corrected ones included."""
        for record in self.records:
            if record.type == "intervention_planned":
                yield self.intervention_activity(record)
            elif record.type == "step_added":
                yield self.step_activity(record)

    def intervention_activity(self, record: goalplan.RecordedEvent) -> Json:
        e: Any = record.event
        if record.event_id in self.state.corrected:
            status = "entered-in-error"
        else:
            status = "completed" if self.state.is_closed else "in-progress"
        detail: Json = {
            "code": {"text": e.modality},
            "status": status,
            "scheduledString": e.frequency,
            "performer": [self.clinician],
            "description": e.description,
        }
        goals = [self.goal_ref(g) for g in e.goal_ids]
        if goals:
            detail["goal"] = goals
        return {
            "id": fhir_id(e.intervention_id),
            "extension": [ext(v.EXT_ACTIVITY_KIND, valueCode="intervention")],
            "detail": detail,
        }

    def step_activity(self, record: goalplan.RecordedEvent) -> Json:
        e: Any = record.event
        step = self.state.steps.get(e.step_id)
        detail: Json = {}
        if record.event_id in self.state.corrected or step is None:
            status = "entered-in-error"
        elif step.completed_on is not None:
            status = "completed"
            detail["extension"] = [ext(v.EXT_COMPLETED_ON, valueDate=step.completed_on.isoformat())]
        else:
            status = "not-started"
        detail["status"] = status
        if e.due_on is not None:
            detail["scheduledPeriod"] = {"end": e.due_on.isoformat()}
        detail["goal"] = [self.goal_ref(e.goal_id)]
        detail["performer"] = [self.patient]
        detail["description"] = e.text
        return {
            "id": fhir_id(e.step_id),
            "extension": [ext(v.EXT_ACTIVITY_KIND, valueCode="step")],
            "detail": detail,
        }

    def review_note(self, review: goalplan.Review) -> Json:
        extensions = [ext(v.EXT_REVIEW_HELD, valueDate=review.held_on.isoformat())]
        if review.next_review_on is not None:
            extensions.append(ext(v.EXT_NEXT_REVIEW, valueDate=review.next_review_on.isoformat()))
        return {
            "extension": extensions,
            "time": review.held_on.isoformat(),
            "text": review.summary or REVIEW_HELD,
        }

    # measurements --------------------------------------------------------------------------

    def observations(self) -> Iterator[Json]:
        """Progress values and instrument scores in log order, corrected ones entered-in-error."""
        measures: dict[str, goalplan.Measure | None] = {}
        for record in self.records:
            e: Any = record.event
            if sets_measure(record):
                measures[e.goal_id] = e.measure
            elif record.type == "progress_recorded":
                measure = measures.get(e.goal_id)
                if measure is not None:
                    yield self.progress_observation(record, measure)
            elif record.type == "score_recorded":
                yield self.score_observation(record)
            elif record.type == "gas_scored":
                yield self.gas_observation(record)

    def status_of(self, record: goalplan.RecordedEvent) -> str:
        return "entered-in-error" if record.event_id in self.state.corrected else "final"

    def progress_observation(self, record: goalplan.RecordedEvent, measure: goalplan.Measure) -> Json:
        e: Any = record.event
        observation: Json = {
            "resourceType": "Observation",
            "id": record.event_id,
            "extension": [ext(v.EXT_PERTAINS_TO_GOAL, valueReference=self.goal_ref(e.goal_id))],
            "identifier": [{"system": v.EVENT_ID, "value": record.event_id}],
            "status": self.status_of(record),
            "code": {"text": measure.name},
            "subject": self.patient,
            "effectiveDateTime": e.observed_on.isoformat(),
            "issued": record.recorded_at,
            "valueQuantity": quantity(e.value, measure.unit),
        }
        notes = text_note(e.note)
        if notes:
            observation["note"] = notes
        self.resource_ids[record.event_id] = f"Observation/{record.event_id}"
        return observation

    def score_observation(self, record: goalplan.RecordedEvent) -> Json:
        e: Any = record.event
        loinc = v.BY_INSTRUMENT.get(e.instrument)
        observation: Json = {"resourceType": "Observation", "id": record.event_id}
        if e.goal_id:
            observation["extension"] = [ext(v.EXT_PERTAINS_TO_GOAL, valueReference=self.goal_ref(e.goal_id))]
        observation["identifier"] = [{"system": v.EVENT_ID, "value": record.event_id}]
        observation["status"] = self.status_of(record)
        observation["category"] = [
            {"coding": [{"system": v.OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ]
        if loinc is not None:
            observation["code"] = {
                "coding": [{"system": v.LOINC, "code": loinc.total, "display": loinc.display}],
                "text": loinc.display,
            }
        else:
            observation["code"] = {"text": e.instrument}
        observation["subject"] = self.patient
        observation["effectiveDateTime"] = e.observed_on.isoformat()
        observation["issued"] = record.recorded_at
        observation["valueQuantity"] = {
            "value": number(e.total),
            "unit": "{score}",
            "system": v.UCUM,
            "code": "{score}",
        }
        notes = text_note(e.note)
        if notes:
            observation["note"] = notes
        if e.items:
            observation["component"] = [
                {"code": item_code(loinc, n), "valueInteger": int(score)} for n, score in enumerate(e.items)
            ]
        self.resource_ids[record.event_id] = f"Observation/{record.event_id}"
        return observation

    def gas_observation(self, record: goalplan.RecordedEvent) -> Json:
        e: Any = record.event
        observation: Json = {
            "resourceType": "Observation",
            "id": record.event_id,
            "extension": [ext(v.EXT_PERTAINS_TO_GOAL, valueReference=self.goal_ref(e.goal_id))],
            "identifier": [{"system": v.EVENT_ID, "value": record.event_id}],
            "status": self.status_of(record),
            "code": {
                "coding": [
                    {"system": v.OBSERVATION_CODES, "code": v.GAS_LEVEL_CODE, "display": v.GAS_LEVEL_DISPLAY}
                ],
                "text": v.GAS_LEVEL_DISPLAY,
            },
            "subject": self.patient,
            "effectiveDateTime": e.observed_on.isoformat(),
            "issued": record.recorded_at,
            "valueInteger": int(e.level),
        }
        notes = text_note(e.note)
        if notes:
            observation["note"] = notes
        self.resource_ids[record.event_id] = f"Observation/{record.event_id}"
        return observation

    # provenance ----------------------------------------------------------------------------

    def provenances(self) -> Iterator[Json]:
        for record in self.records:
            if record.type in ("goal_revised", "goal_status_changed"):
                yield self.revision_provenance(record)
            elif record.type == "plan_signed":
                yield self.signature_provenance(record)
            elif record.type == "entry_corrected":
                yield self.correction_provenance(record)

    def provenance(self, record: goalplan.RecordedEvent, target: Json, reason: str) -> Json:
        source = {
            "role": "source",
            "what": {
                "identifier": {"system": v.EVENT_HASH, "value": record.hash},
                "display": f"goalplan log event {record.event_id}, version {record.version}",
            },
        }
        resource: Json = {
            "resourceType": "Provenance",
            "id": record.event_id,
            "target": [target],
            "recorded": record.recorded_at,
        }
        if reason:
            resource["reason"] = [{"text": reason}]
        resource["agent"] = [
            {
                "type": {
                    "coding": [{"system": v.PROVENANCE_AGENT_TYPE, "code": "enterer", "display": "Enterer"}]
                },
                "who": {"display": record.actor},
            }
        ]
        resource["entity"] = [source]
        return resource

    def revision_provenance(self, record: goalplan.RecordedEvent) -> Json:
        e: Any = record.event
        resource = self.provenance(record, self.goal_ref(e.goal_id), e.reason)
        resource["activity"] = {
            "coding": [{"system": v.DATA_OPERATION, "code": "UPDATE", "display": "revise"}]
        }
        self.resource_ids[record.event_id] = f"Provenance/{record.event_id}"
        return resource

    def signature_provenance(self, record: goalplan.RecordedEvent) -> Json:
        e: Any = record.event
        if e.role == "client":
            who = self.ref("Patient", self.opened.event_id, e.name)
            signature_type = ("1.2.840.10065.1.12.1.7", "Consent Signature")
        else:
            who = (
                self.ref("Practitioner", self.opened.event_id, e.name)
                if e.name == self.state.clinician_name
                else {"display": e.name}
            )
            signature_type = ("1.2.840.10065.1.12.1.1", "Author's Signature")
        resource = self.provenance(record, self.ref("CarePlan", self.opened.event_id), "")
        resource["occurredDateTime"] = e.signed_on.isoformat()
        signer_extensions = [ext(v.EXT_SIGNER_ROLE, valueCode=e.role)]
        if e.credentials:
            signer_extensions.append(ext(v.EXT_CREDENTIALS, valueString=e.credentials))
        resource["agent"].append(
            {
                "extension": signer_extensions,
                "type": {
                    "coding": [{"system": v.PROVENANCE_AGENT_TYPE, "code": "attester", "display": "Attester"}]
                },
                "who": who,
            }
        )
        resource["signature"] = [
            {
                "type": [
                    {"system": v.SIGNATURE_TYPE, "code": signature_type[0], "display": signature_type[1]}
                ],
                "when": record.recorded_at,
                "who": who,
            }
        ]
        self.resource_ids[record.event_id] = f"Provenance/{record.event_id}"
        return resource

    def correction_provenance(self, record: goalplan.RecordedEvent) -> Json:
        e: Any = record.event
        corrected = self.resource_ids.get(e.corrected_event_id)
        if corrected is not None:
            resource_type, resource_id = corrected.split("/", 1)
            target = self.ref(resource_type, resource_id)
        else:
            target = self.ref("CarePlan", self.opened.event_id)
        resource = self.provenance(record, target, e.reason)
        resource["activity"] = {
            "coding": [{"system": v.DATA_OPERATION, "code": "NULLIFY", "display": "nullify"}]
        }
        resource["entity"].append(
            {"role": "removal", "what": {"identifier": {"system": v.EVENT_ID, "value": e.corrected_event_id}}}
        )
        return resource


REVIEW_HELD = "Review held."

# Which event creates which thing, and the field naming it.
_CREATOR_KEY = {
    "goal_set": "goal_id",
    "step_added": "step_id",
    "intervention_planned": "intervention_id",
    "focus_area_added": "focus_id",
}


def sets_measure(record: goalplan.RecordedEvent) -> bool:
    """Whether an event gives a goal its measure (or takes it away)."""
    if record.type == "goal_set":
        return True
    e: Any = record.event
    return record.type == "goal_revised" and (e.measure is not None or "measure" in e.cleared)


def measure_parts(measure: goalplan.Measure, replaced_at: str) -> list[Json]:
    parts = [ext("name", valueString=measure.name)]
    if measure.unit:
        parts.append(ext("unit", valueString=measure.unit))
    return [
        *parts,
        ext("baseline", valueDecimal=number(measure.baseline)),
        ext("target", valueDecimal=number(measure.target)),
        ext("replacedAt", valueDateTime=replaced_at),
    ]


def item_code(loinc: v.LoincInstrument | None, n: int) -> Json:
    if loinc is not None and n < len(loinc.items):
        return {"coding": [{"system": v.LOINC, "code": loinc.items[n]}], "text": f"item {n + 1}"}
    return {"text": f"item {n + 1}"}
