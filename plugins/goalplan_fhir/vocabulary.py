"""Code systems, value sets and extension URLs the FHIR exporter and importer share.

goalplan has no web home of its own, so its extensions and identifier systems are named under
``goalplan.invalid``: a domain reserved by RFC 2606 that can never belong to anyone, so a name
here can never be mistaken for someone else's definition.
"""

from __future__ import annotations

BASE = "https://goalplan.invalid/fhir"


def extension(name: str) -> str:
    return f"{BASE}/StructureDefinition/{name}"


def identifier_system(name: str) -> str:
    return f"{BASE}/identifier/{name}"


# goalplan's own identifier systems: a receiving system can tie each resource back to the log.
PLAN_ID = identifier_system("plan")
EVENT_ID = identifier_system("event")
EVENT_HASH = identifier_system("event-hash")
GOAL_ID = identifier_system("goal")
DEFAULT_RECORD_NUMBER = identifier_system("record-number")
ACTIVITY_KIND = f"{BASE}/CodeSystem/activity-kind"

# goalplan's extensions (each documented in docs/fhir.md).
EXT_FINGERPRINT = extension("plan-fingerprint")
EXT_INTEGRITY_WARNING = extension("integrity-warning")
EXT_BASELINE = extension("target-baseline")
EXT_EARLIER_MEASURE = extension("earlier-measure")
EXT_TERM = extension("goal-term")
EXT_RELEVANCE = extension("goal-relevance")
EXT_REVIEW_EVERY = extension("review-every-days")
EXT_DISCHARGE = extension("discharge-criteria")
EXT_CLOSE_REASON = extension("close-reason")
EXT_REVIEW_HELD = extension("review-held-on")
EXT_NEXT_REVIEW = extension("next-review-on")
EXT_ACTIVITY_KIND = extension("activity-kind")
EXT_COMPLETED_ON = extension("completed-on")
EXT_SIGNER_ROLE = extension("signer-role")
EXT_CREDENTIALS = extension("signer-credentials")
EXT_FOCUS = extension("focus-area")
EXT_GAS_SCALE = extension("gas-scale")
EXT_TARGET_MISSED = extension("target-missed-reason")
EXT_PRONOUNS = extension("pronouns")
EXT_PRESENTING_PROBLEM = extension("presenting-problem")
EXT_PRIMARY_DIAGNOSIS = extension("primary-diagnosis")
EXT_DSM5_TEXT = extension("dsm5-text")
EXT_DIAGNOSIS_FOCUS = extension("diagnosis-focus")
EXT_SESSION_TYPE = extension("session-type")
EXT_RESPONSIBLE_PROVIDER = extension("responsible-provider")
EXT_SIGNATURE_CURRENT = extension("signature-current")
EXT_SAFETY_REVIEWED = extension("safety-reviewed-on")
EXT_COPY_GIVEN = extension("copy-given")
EXT_EFFECTIVE = extension("effective-period")
# Free-text plan details (CARF 2.C), each a CarePlan extension named as the field is.
DETAIL_EXTENSIONS = {
    name: extension(name.replace("_", "-"))
    for name in ("strengths", "needs", "abilities", "preferences", "level_of_care", "aftercare", "referrals")
}
CONTENT_DIGEST = identifier_system("content-digest")
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
PERIOD_UNITS = {"day": "d", "week": "wk", "month": "mo"}
OBSERVATION_CODES = f"{BASE}/CodeSystem/observation"
GAS_LEVEL_CODE = "gas-level"
GAS_LEVEL_DISPLAY = "Goal Attainment Scaling level"
# The parts of the gas-scale extension, for levels -2, -1, 0, +1 and +2.
GAS_PARTS = ("levelMinus2", "levelMinus1", "level0", "levelPlus1", "levelPlus2")

# FHIR core extension: ties an Observation to the Goal it measures.
EXT_PERTAINS_TO_GOAL = "http://hl7.org/fhir/StructureDefinition/resource-pertainsToGoal"

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
HEALTH_CONCERN = "http://hl7.org/fhir/us/core/CodeSystem/condition-category"
PROVENANCE_AGENT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
SIGNATURE_TYPE = "urn:iso-astm:E1762-95:2013"

# Value sets (FHIR R4) the exporter draws from; the tests check every exported code against them.
GOAL_LIFECYCLE = (
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
GOAL_ACHIEVEMENT = (
    "in-progress",
    "improving",
    "worsening",
    "no-change",
    "achieved",
    "sustaining",
    "not-achieved",
    "no-progress",
    "not-attainable",
)
OBSERVATION_STATUS = (
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
)
CAREPLAN_STATUS = ("draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown")
CAREPLAN_ACTIVITY_STATUS = (
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
)
ACHIEVEMENT_DISPLAY = {
    "in-progress": "In Progress",
    "improving": "Improving",
    "worsening": "Worsening",
    "no-change": "No Change",
    "achieved": "Achieved",
    "sustaining": "Sustaining",
    "not-achieved": "Not Achieved",
    "no-progress": "No Progress",
    "not-attainable": "Not Attainable",
}


class LoincInstrument:
    """An instrument's LOINC total code and its item codes, in the instrument's item order."""

    def __init__(self, instrument: str, total: str, display: str, items: tuple[str, ...]) -> None:
        self.instrument = instrument
        self.total = total
        self.display = display
        self.items = items


INSTRUMENTS = (
    LoincInstrument(
        "phq9",
        "44261-6",
        "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
        (
            "44250-9",  # little interest or pleasure
            "44255-8",  # feeling down, depressed or hopeless
            "44259-0",  # sleep
            "44254-1",  # tired, little energy
            "44251-7",  # appetite
            "44258-2",  # feeling bad about yourself
            "44252-5",  # concentrating
            "44253-3",  # moving or speaking slowly, or restless
            "44260-8",  # thoughts of being better off dead or of self-harm
        ),
    ),
    LoincInstrument(
        "gad7",
        "70274-6",
        "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]",
        ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
    ),
)
BY_INSTRUMENT = {i.instrument: i for i in INSTRUMENTS}
BY_TOTAL_CODE = {i.total: i for i in INSTRUMENTS}
