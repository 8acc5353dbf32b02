"""The clinical record a payer or accreditor checks (docs/pdf.md lists the elements): identifiers
and guardian, diagnoses tied to focus areas, strengths, needs, abilities and preferences, level
of care and effective dates, structured interventions, aftercare and referrals, and the PHQ-9
item 9 safety flag. A required element the plan does not hold yet prints as a visible gap."""

from __future__ import annotations

from collections.abc import Iterator

import goalplan
from goalplan_pdf.document import BAD, MISSING, PlanDocument
from goalplan_pdf.wording import long_date, short_date

PERIOD_WORDS = {"day": "a day", "week": "a week", "month": "a month"}


def or_missing(value: str) -> str:
    return value if value.strip() else MISSING


def running_identity(state: goalplan.PlanState) -> str:
    """The client's name and second identifier(s), for the header of every page after the cover:
    payers ask for two identifiers on each page, so a page that comes loose still names whose it is.
    """
    named = [state.client_name]
    if state.client_birth_date:
        named.append(f"Date of birth {long_date(state.client_birth_date)}")
    if state.client_record_number.strip():
        named.append(f"Record number {state.client_record_number}")
    if len(named) == 1:
        named.append("Second identifier not recorded")
    return " · ".join(named)


def identity_facts(state: goalplan.PlanState) -> list[tuple[str, str]]:
    """The cover's identifiers: a second identifier besides the name, the guardian, the dates."""
    guardian = state.guardian_name
    if guardian and state.guardian_relationship:
        guardian = f"{guardian} ({state.guardian_relationship})"
    return [
        ("Date of birth", long_date(state.client_birth_date) if state.client_birth_date else MISSING),
        ("Record number", or_missing(state.client_record_number)),
        ("Guardian", guardian or "None recorded"),
        ("Level of care", or_missing(state.level_of_care)),
        ("Effective from", long_date(state.effective_from) if state.effective_from else MISSING),
        ("Effective through", long_date(state.effective_through) if state.effective_through else MISSING),
    ]


def called(state: goalplan.PlanState) -> str:
    parts = [p for p in (state.client_preferred_name, state.client_pronouns) if p]
    return ", ".join(parts)


def focus_titles(state: goalplan.PlanState, ids: tuple[str, ...], numbers: dict[str, int]) -> str:
    return "; ".join(f"{numbers.get(i, '?')}. {state.focus_title(i)}" for i in ids if i in state.focus_areas)


def diagnosis_rows(state: goalplan.PlanState, numbers: dict[str, int]) -> list[list[str]]:
    rows = []
    for d in sorted(state.diagnoses.values(), key=lambda d: (not d.primary, d.status != "active", d.code)):
        kind = ("Primary" if d.primary else "Secondary") + ("" if d.status == "active" else ", resolved")
        description = d.description + (f" (DSM-5: {d.dsm5_text})" if d.dsm5_text else "")
        focus = focus_titles(state, d.focus_ids, numbers) or "Not tied to a focus area"
        rows.append([d.code, description, kind, focus])
    return rows


def diagnoses_for_focus(state: goalplan.PlanState, focus_id: str) -> str:
    return "; ".join(f"{d.code} {d.description}" for d in state.diagnoses_for(focus_id))


def intervention_text(item: goalplan.Intervention) -> str:
    """Type, modality, amount, frequency, duration and the responsible provider, with what is
    missing said, so an intervention is never printed as if complete."""
    kind = item.type.capitalize() if item.type else "Type not recorded"
    amount = f"{item.minutes} minutes" if item.minutes else "minutes not recorded"
    if item.sessions and item.period:
        sessions = f"{item.sessions} session{'s' if item.sessions != 1 else ''}"
        often = f"{sessions} {PERIOD_WORDS.get(item.period, item.period)}"
    else:
        often = item.frequency or "frequency not recorded"
    provider = item.provider_name or "responsible provider not recorded"
    if item.provider_name and item.provider_credentials:
        provider += f", {item.provider_credentials}"
    if item.provider_name and item.provider_role:
        provider += f" ({item.provider_role})"
    span = ""
    if item.starts_on or item.ends_on:
        span = f"; {short_date(item.starts_on) if item.starts_on else '…'} – "
        span += short_date(item.ends_on) if item.ends_on else "ongoing"
    described = f"{item.modality}: {item.description}" if item.description else item.modality
    extra = f" ({item.frequency})" if item.frequency and item.sessions and item.period else ""
    return f"{kind} · {described} — {amount}, {often}{extra}{span}. Provider: {provider}."


def safety_lines(state: goalplan.PlanState) -> list[tuple[str, bool]]:
    """Each PHQ-9 item 9 finding with its documented response; (text, still open)."""
    found = goalplan.safety_findings(state)
    if not found:
        scored = any(s.instrument == "phq9" for s in state.scores)
        return [("No PHQ-9 item 9 (thoughts of death or self-harm) above 0 recorded." if scored
                 else "No PHQ-9 recorded: no risk item to report.", False)]  # fmt: skip
    lines = []
    for f in found:
        text = f"PHQ-9 item 9 = {f.item_score} on {long_date(f.observed_on)}: "
        text += (
            f"safety review on {long_date(f.reviewed_on)}: {f.review}"
            if f.reviewed_on
            else "NO SAFETY RESPONSE RECORDED — needs a documented safety response"
        )
        lines.append((text, f.open))
    return lines


def draw_safety(pdf: PlanDocument, state: goalplan.PlanState) -> None:
    for text, open_ in safety_lines(state):
        if open_:
            pdf.style("bold")
            pdf.set_text_color(*BAD)
            pdf.paragraph(text, field="safety")
            pdf.style("body")
        else:
            pdf.label_value("Safety", text, field="safety")


def texts(state: goalplan.PlanState) -> Iterator[tuple[str, str]]:
    """The clinical record's recorded text, for the glyph check."""
    yield "client_record_number", state.client_record_number
    yield "client_preferred_name", state.client_preferred_name
    yield "client_pronouns", state.client_pronouns
    yield "guardian_name", state.guardian_name
    yield "guardian_relationship", state.guardian_relationship
    for name in ("strengths", "needs", "abilities", "preferences", "level_of_care", "aftercare", "referrals"):
        yield name, getattr(state, name)
    for area in state.focus_areas.values():
        yield f"focus area {area.title} presenting problem", area.presenting_problem
    for d in state.diagnoses.values():
        yield f"diagnosis {d.code} description", d.description
        yield f"diagnosis {d.code} DSM-5 text", d.dsm5_text
    for item in state.interventions.values():
        where = f"intervention {item.intervention_id}"
        yield f"{where} provider", item.provider_name
        yield f"{where} provider credentials", item.provider_credentials
        yield f"{where} provider role", item.provider_role
    for copy in state.copies_given:
        yield "plan given to", copy.given_to
        yield "plan given by", copy.method
    for review in state.safety_reviews:
        yield "safety review", review.reason
