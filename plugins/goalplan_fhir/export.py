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
        self.practitioners: dict[tuple[str, str], str] = {}  # (name, credentials) -> Practitioner id
        self.roles: dict[tuple[str, str, str], str] = {}  # (name, credentials, role) -> PractitionerRole id
        clinician = (self.state.clinician_name, self.state.clinician_credentials)
        self.practitioners[clinician] = self.opened.event_id
        for record in self.records:
            e: Any = record.event
            if record.type != "intervention_planned" or not e.provider_name:
                continue
            who = (e.provider_name, e.provider_credentials)
            self.practitioners.setdefault(who, record.event_id)
            if e.provider_role:
                self.roles.setdefault((*who, e.provider_role), record.event_id)

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
            *self.provider_resources(),
            *self.focus_conditions(),
            *self.diagnosis_conditions(),
            *self.goals(),
            self.care_plan(),
            *self.observations(),
            *self.provenances(),
        ]
        warning = self.log.integrity_warning
        entries = []
        for resource in resources:
            if warning:  # read with --allow-broken: each resource, stored apart, keeps the warning
                meta = resource.setdefault("meta", {})
                meta.setdefault("extension", []).append(ext(v.EXT_INTEGRITY_WARNING, valueString=warning))
            entry: Json = {
                "fullUrl": self.full_url(resource["resourceType"], resource["id"]),
                "resource": resource,
            }
            if self.options.bundle == "transaction":
                entry["request"] = {"method": "POST", "url": resource["resourceType"]}
                if resource["resourceType"] == "Patient" and "identifier" in resource:
                    # Conditional create: a server that knows the client by record number keeps its
                    # own Patient and points the plan's resources at it.
                    mrn = resource["identifier"][0]
                    entry["request"]["ifNoneExist"] = f"identifier={mrn['system']}|{mrn['value']}"
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
                    ),
                    *([ext(v.EXT_INTEGRITY_WARNING, valueString=warning)] if warning else []),
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
        state = self.state
        patient: Json = {"resourceType": "Patient", "id": self.opened.event_id}
        if state.client_pronouns:
            patient["extension"] = [ext(v.EXT_PRONOUNS, valueString=state.client_pronouns)]
        if state.client_record_number:
            patient["identifier"] = [
                {
                    "use": "usual",
                    "type": {
                        "coding": [{"system": v.V2_0203, "code": "MR", "display": "Medical record number"}]
                    },
                    "system": self.options.identifier_system,
                    "value": state.client_record_number,
                }
            ]
        names: list[Json] = [{"use": "official", "text": state.client_name}]
        if state.client_preferred_name:
            names.append({"use": "usual", "text": state.client_preferred_name})
        patient["name"] = names
        if state.client_birth_date is not None:
            patient["birthDate"] = state.client_birth_date.isoformat()
        if state.guardian_name:
            relationship: Json = {"coding": [{"system": v.ROLE_CODE, "code": "GUARD", "display": "guardian"}]}
            if state.guardian_relationship:
                relationship["text"] = state.guardian_relationship
            patient["contact"] = [{"relationship": [relationship], "name": {"text": state.guardian_name}}]
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

    def provider_resources(self) -> Iterator[Json]:
        """Each responsible provider other than the clinician, and a PractitionerRole per role."""
        for (name, credentials), practitioner_id in self.practitioners.items():
            if practitioner_id == self.opened.event_id:
                continue
            practitioner: Json = {
                "resourceType": "Practitioner",
                "id": practitioner_id,
                "name": [{"text": name}],
            }
            if credentials:
                practitioner["qualification"] = [{"code": {"text": credentials}}]
            yield practitioner
        for (name, credentials, role), role_id in self.roles.items():
            yield {
                "resourceType": "PractitionerRole",
                "id": role_id,
                "practitioner": self.ref("Practitioner", self.practitioners[(name, credentials)], name),
                "code": [{"text": role}],
            }

    def performer(self, e: Any) -> Json:
        """Who carries out an intervention: its responsible provider (in their role), else the clinician."""
        if not e.provider_name:
            return self.clinician
        who = (e.provider_name, e.provider_credentials)
        named = [ext(v.EXT_RESPONSIBLE_PROVIDER, valueBoolean=True)]
        if e.provider_role:
            role_id = self.roles[(*who, e.provider_role)]
            return {
                "extension": named,
                **self.ref("PractitionerRole", role_id, f"{who[0]} ({e.provider_role})"),
            }
        return {"extension": named, **self.ref("Practitioner", self.practitioners[who], who[0])}

    def diagnosis_conditions(self) -> Iterator[Json]:
        """Each ICD-10-CM diagnosis, active or resolved, as an encounter-diagnosis Condition."""
        for d in self.state.diagnoses.values():
            extensions = [ext(v.EXT_DIAGNOSIS_FOCUS, valueReference=self.focus_ref(f)) for f in d.focus_ids]
            if d.primary:
                extensions.append(ext(v.EXT_PRIMARY_DIAGNOSIS, valueBoolean=True))
            if d.dsm5_text:
                extensions.append(ext(v.EXT_DSM5_TEXT, valueString=d.dsm5_text))
            condition: Json = {"resourceType": "Condition", "id": d.event_id}
            if extensions:
                condition["extension"] = extensions
            clinical = "active" if d.status == "active" else "resolved"
            condition["clinicalStatus"] = {
                "coding": [{"system": v.CONDITION_CLINICAL, "code": clinical, "display": clinical.title()}]
            }
            condition["verificationStatus"] = {
                "coding": [{"system": v.CONDITION_VERIFICATION, "code": "confirmed", "display": "Confirmed"}]
            }
            condition["category"] = [
                {
                    "coding": [
                        {
                            "system": v.CONDITION_CATEGORY,
                            "code": "encounter-diagnosis",
                            "display": "Encounter Diagnosis",
                        }
                    ]
                }
            ]
            condition["code"] = {
                "coding": [{"system": v.ICD10CM, "code": d.code, "display": d.description}],
                "text": d.dsm5_text or d.description,
            }
            condition["subject"] = self.patient
            if d.status != "active" and d.resolve_reason:
                condition["abatementString"] = d.resolve_reason
            if d.recorded_at:
                condition["recordedDate"] = d.recorded_at
            yield condition

    def diagnosis_ref(self, d: goalplan.Diagnosis) -> Json:
        return self.ref("Condition", d.event_id, f"{d.code} {d.description}")

    def diagnoses_in_order(self) -> list[goalplan.Diagnosis]:
        """The primary diagnosis first, then the others in the order they were recorded."""
        return sorted(self.state.diagnoses.values(), key=lambda d: not d.primary)

    # what ----------------------------------------------------------------------------------

    def focus_conditions(self) -> Iterator[Json]:
        """Each focus area as a health-concern Condition, so a Goal can say what it addresses."""
        for area in self.state.focus_areas.values():
            extensions = [ext(v.EXT_FOCUS, valueString=area.focus_id)]
            if area.presenting_problem:
                extensions.append(ext(v.EXT_PRESENTING_PROBLEM, valueString=area.presenting_problem))
            condition: Json = {
                "resourceType": "Condition",
                "id": self.created_by.get(area.focus_id, area.focus_id),
                "extension": extensions,
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
            if last.target_missed_reason:
                extensions.append(ext(v.EXT_TARGET_MISSED, valueString=last.target_missed_reason))
        resource["expressedBy"] = self.patient
        if goal.focus_id and goal.focus_id in self.state.focus_areas:
            diagnoses = [
                d for d in self.diagnoses_in_order() if goal.focus_id in d.focus_ids and d.status == "active"
            ]
            resource["addresses"] = [
                self.focus_ref(goal.focus_id),
                *(self.diagnosis_ref(d) for d in diagnoses),
            ]
        return resource

    def care_plan(self) -> Json:
        state = self.state
        extensions = [ext(v.EXT_REVIEW_EVERY, valuePositiveInt=state.review_every_days)]
        if state.discharge_criteria:
            extensions.append(ext(v.EXT_DISCHARGE, valueString=state.discharge_criteria))
        if state.close_reason:
            extensions.append(ext(v.EXT_CLOSE_REASON, valueString=state.close_reason))
        for name, url in v.DETAIL_EXTENSIONS.items():
            value = getattr(state, name)
            if value:
                extensions.append(ext(url, valueString=value))
        if state.effective_from is not None or state.effective_through is not None:
            effective: Json = {}
            if state.effective_from is not None:
                effective["start"] = state.effective_from.isoformat()
            if state.effective_through is not None:
                effective["end"] = state.effective_through.isoformat()
            extensions.append(ext(v.EXT_EFFECTIVE, valuePeriod=effective))
        for copy in state.copies_given:
            parts = [
                ext("givenOn", valueDate=copy.given_on.isoformat()),
                ext("givenTo", valueString=copy.given_to),
            ]
            if copy.method:
                parts.append(ext("method", valueString=copy.method))
            if copy.plan_version is not None:
                parts.append(ext("planVersion", valuePositiveInt=copy.plan_version))
            extensions.append(ext(v.EXT_COPY_GIVEN, extension=parts))
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
        addresses += [self.diagnosis_ref(d) for d in self.diagnoses_in_order()]
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
        detail: Json = {}
        if e.type:
            detail["extension"] = [ext(v.EXT_SESSION_TYPE, valueCode=e.type)]
        detail["code"] = {"text": e.modality}
        detail["status"] = status
        timing = intervention_timing(e)
        if timing is None:
            detail["scheduledString"] = e.frequency
        else:
            detail["scheduledTiming"] = timing
        detail["performer"] = [self.performer(e)]
        detail["description"] = e.description
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
        for review in self.state.safety_reviews:
            if review.score_event_id == record.event_id:
                notes.append(
                    {
                        "extension": [ext(v.EXT_SAFETY_REVIEWED, valueDate=review.reviewed_on.isoformat())],
                        "time": review.reviewed_on.isoformat(),
                        "text": review.reason,
                    }
                )
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
        elif e.role == "clinician" and e.name == self.state.clinician_name:
            who = self.ref("Practitioner", self.opened.event_id, e.name)
        else:
            who = {"display": e.name}
        signature_type = SIGNATURE_TYPES.get(e.role, SIGNATURE_TYPES["client"])
        resource = self.provenance(record, self.ref("CarePlan", self.opened.event_id), "")
        resource["occurredDateTime"] = e.signed_on.isoformat()
        signer_extensions = [ext(v.EXT_SIGNER_ROLE, valueCode=e.role)]
        signature = next((s for s in self.state.signatures if s.event_id == record.event_id), None)
        if signature is not None:
            current = goalplan.is_current(self.state, signature)
            signer_extensions.append(ext(v.EXT_SIGNATURE_CURRENT, valueBoolean=current))
            if signature.content_digest:
                resource["entity"].append(
                    {
                        "role": "source",
                        "what": {
                            "identifier": {"system": v.CONTENT_DIGEST, "value": signature.content_digest},
                            "display": f"plan version {signature.signed_version} as signed",
                        },
                    }
                )
        if e.credentials:
            signer_extensions.append(ext(v.EXT_CREDENTIALS, valueString=e.credentials))
        resource["agent"].append(
            {
                "extension": signer_extensions,
                "type": {"coding": [AGENT_TYPES["verifier" if e.role == "supervisor" else "attester"]]},
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


# ISO-ASTM E1762-95 signature types by signer role.
SIGNATURE_TYPES = {
    "client": ("1.2.840.10065.1.12.1.7", "Consent Signature"),
    "guardian": ("1.2.840.10065.1.12.1.7", "Consent Signature"),
    "clinician": ("1.2.840.10065.1.12.1.1", "Author's Signature"),
    "supervisor": ("1.2.840.10065.1.12.1.5", "Verification Signature"),
}
AGENT_TYPES = {
    code: {"system": v.PROVENANCE_AGENT_TYPE, "code": code, "display": code.title()}
    for code in ("enterer", "attester", "verifier")
}


def intervention_timing(e: Any) -> Json | None:
    """The structured schedule as a FHIR Timing, its free-text frequency as the Timing's text."""
    repeat: Json = {}
    if e.starts_on is not None or e.ends_on is not None:
        bounds: Json = {}
        if e.starts_on is not None:
            bounds["start"] = e.starts_on.isoformat()
        if e.ends_on is not None:
            bounds["end"] = e.ends_on.isoformat()
        repeat["boundsPeriod"] = bounds
    if e.minutes is not None:
        repeat["duration"] = e.minutes
        repeat["durationUnit"] = "min"
    if e.sessions is not None and e.period:
        repeat["frequency"] = e.sessions
        repeat["period"] = 1
        repeat["periodUnit"] = v.PERIOD_UNITS[e.period]
    if not repeat:
        return None
    return {"repeat": repeat, "code": {"text": e.frequency}}


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
