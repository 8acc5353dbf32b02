"""Plain-text views for the terminal. Machine-readable output lives behind --json instead."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from goalplan.analytics import PlanAnalytics, analytics_line
from goalplan.analytics.safety import safety_findings
from goalplan.domain import Goal, Intervention, PlanState, changes_after
from goalplan.projections import HistoryEntry, PlanSummary, field_label


def _day(value: object) -> str:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else "—"


def plan_list_text(plans: Sequence[PlanSummary]) -> str:
    if not plans:
        return "No plans yet. Open one with: goalplan plan open --client NAME --clinician NAME\n"
    rows = [("PLAN", "CLIENT", "CLINICIAN", "STATUS", "ACTIVE GOALS", "NEXT REVIEW")]
    rows += [
        (
            p.plan_id,
            p.client_name,
            p.clinician_name,
            p.status,
            f"{p.active_goals} of {p.goals}",
            _day(p.next_review_on),
        )
        for p in plans
    ]
    widths = [max(map(len, column)) for column in zip(*rows, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths).format  # one format call per row: caseloads are long
    return "".join(line(*r).rstrip() + "\n" for r in rows)


def _goal_lines(goal: Goal, state: PlanState, analytics: PlanAnalytics | None = None) -> list[str]:
    lines = [f"  Goal {goal.goal_id} [{goal.status}, {goal.term}-term]", f'    "{goal.statement}"']
    if goal.measure:
        m = goal.measure
        lines.append(f"    Measure: {m.name} ({m.unit}), baseline {m.baseline:g} → target {m.target:g}")
    if goal.target_date:
        lines.append(f"    Target date: {goal.target_date.isoformat()}")
    if goal.relevance:
        lines.append(f"    Why it matters: {goal.relevance}")
    for step in state.steps_for(goal.goal_id):
        mark = "x" if step.done else " "
        due = f" (by {step.due_on.isoformat()})" if step.due_on else ""
        lines.append(f"    [{mark}] {step.text}{due}  {step.step_id}")
    for item in state.interventions_for(goal.goal_id):
        lines.append(f"    Intervention: {intervention_line(item)}")
    if goal.progress:
        recent = ", ".join(f"{p.value:g} on {p.observed_on.isoformat()}" for p in goal.progress[-3:])
        count = len(goal.progress)
        lines.append(f"    Progress ({count} value{'' if count == 1 else 's'}), latest: {recent}")
    for series in goal.earlier_series:
        last = series.progress[-1] if series.progress else None
        tail = f", last {last.value:g} on {last.observed_on.isoformat()}" if last else ""
        lines.append(
            f"    Earlier measure: {series.measure.name} ({series.measure.unit}), "
            f"{len(series.progress)} values{tail}"
        )
    summary = analytics_line(analytics.goal(goal.goal_id)) if analytics else ""
    if summary:
        lines.append(f"    Analytics: {summary}")
    return lines


def intervention_line(item: Intervention) -> str:
    """Modality — description (type, minutes, frequency; provider; dates)."""
    parts = [p for p in (item.type, f"{item.minutes} min" if item.minutes else "", item.frequency) if p]
    line = f"{item.modality} — {item.description} ({', '.join(parts)})"
    if item.provider_name:
        extra = ", ".join(p for p in (item.provider_credentials, item.provider_role) if p)
        line += f"; provider {item.provider_name}" + (f" ({extra})" if extra else "")
    if item.starts_on or item.ends_on:
        line += f"; {_day(item.starts_on)} to {_day(item.ends_on)}"
    return line


def _client_lines(state: PlanState) -> list[str]:
    also = [
        f"born {state.client_birth_date.isoformat()}"
        if state.client_birth_date
        else "birth date not recorded",
        f"record {state.client_record_number}" if state.client_record_number else "no record number",
    ]
    if state.client_preferred_name:
        also.append(f"goes by {state.client_preferred_name}")
    if state.client_pronouns:
        also.append(state.client_pronouns)
    lines = [f"Client: {state.client_name} ({'; '.join(also)})"]
    if state.guardian_name:
        rel = f" ({state.guardian_relationship})" if state.guardian_relationship else ""
        lines.append(f"Guardian / legal representative: {state.guardian_name}{rel}")
    return lines


def _detail_lines(state: PlanState) -> list[str]:
    lines = []
    if state.effective_from or state.effective_through:
        lines.append(f"Effective: {_day(state.effective_from)} through {_day(state.effective_through)}")
    labels = (
        ("level_of_care", "Level of care"),
        ("strengths", "Strengths"),
        ("needs", "Needs"),
        ("abilities", "Abilities"),
        ("preferences", "Preferences"),
    )
    lines += [f"{label}: {getattr(state, name)}" for name, label in labels if getattr(state, name)]
    if state.diagnoses:
        lines.append("Diagnoses:")
        for d in state.diagnoses.values():
            rank = "primary" if d.primary else "secondary"
            status = "" if d.status == "active" else f", resolved: {d.resolve_reason}"
            dsm = f"; DSM-5: {d.dsm5_text}" if d.dsm5_text else ""
            areas = ", ".join(state.focus_title(f) for f in d.focus_ids)
            focus = f"; for {areas}" if areas else ""
            lines.append(f"  {d.code} {d.description} ({rank}{status}){dsm}{focus}")
    return lines


def _signature_lines(state: PlanState) -> list[str]:
    lines = ["", "Signatures:"]
    for role in ("client", "guardian", "clinician", "supervisor"):
        sig = state.signature(role)
        if sig is None:
            if role in ("client", "clinician"):
                lines.append(f"  {role}: not signed")
            continue
        cred = f", {sig.credentials}" if sig.credentials else ""
        line = f"  {role}: {sig.name}{cred} on {_day(sig.signed_on)}, approving version {sig.signed_version}"
        changed = changes_after(state, sig)
        if changed:
            last = changed[-1]
            line += (
                f" — NOT CURRENT: {len(changed)} material change(s) since, latest {last.what} "
                f"(recorded {last.recorded_at[:10]}, version {last.version})"
            )
        lines.append(line)
    for copy in state.copies_given:
        how = f" ({copy.method})" if copy.method else ""
        lines.append(
            f"  Plan given to {copy.given_to} on {_day(copy.given_on)}{how}, version {copy.plan_version}"
        )
    return lines


def _safety_lines(state: PlanState) -> list[str]:
    found = safety_findings(state)
    return ["", "SAFETY:", *(f"  {f.describe()}" for f in found)] if found else []


def plan_text(state: PlanState, as_of: str | None = None, analytics: PlanAnalytics | None = None) -> str:
    if not state.is_open:
        return f"Plan {state.plan_id} had no events by {as_of}.\n" if as_of else "Empty plan.\n"
    credentials = f", {state.clinician_credentials}" if state.clinician_credentials else ""
    lines = [
        f"Plan {state.plan_id}" + (f" as of {as_of}" if as_of else "") + f" — {state.status}",
        *_client_lines(state),
        f"Clinician: {state.clinician_name}{credentials}",
        f"Opened: {state.opened_on.isoformat()}   Review every {state.review_every_days} days   "
        f"Next review: {_day(state.next_review_on)}",
        *_detail_lines(state),
    ]
    if state.discharge_criteria:
        lines.append(f"Discharge criteria: {state.discharge_criteria}")
    for label, text in (("Aftercare", state.aftercare), ("Referrals", state.referrals)):
        if text:
            lines.append(f"{label}: {text}")
    if state.closed_on:
        lines.append(f"Closed: {state.closed_on.isoformat()} ({state.close_reason})")
    lines += _safety_lines(state)
    groups: list[tuple[str | None, str]] = [(a.focus_id, a.title) for a in state.focus_areas.values()]
    groups.append((None, "Other goals"))
    for focus_id, title in groups:
        goals = state.goals_in(focus_id)
        if not goals:
            continue
        lines += ["", f"Focus: {title}"]
        area = state.focus_areas.get(focus_id) if focus_id else None
        if area is not None and area.presenting_problem:
            lines.append(f"  Presenting problem: {area.presenting_problem}")
        for goal in goals:
            lines += _goal_lines(goal, state, analytics)
    unlinked = [i for i in state.interventions.values() if not i.goal_ids]
    if unlinked:
        lines += ["", "Interventions:"] + [f"  {intervention_line(i)}" for i in unlinked]
    if state.reviews:
        lines += ["", "Reviews:"]
        for r in sorted(state.reviews, key=lambda r: r.held_on):
            nxt = f" (next {r.next_review_on.isoformat()})" if r.next_review_on else ""
            lines.append(f"  {r.held_on.isoformat()}{nxt}: {r.summary}".rstrip(": "))
    lines += _signature_lines(state)
    lines.append(f"\nLog: version {state.version}, head {state.head_hash[:16]}")
    return "\n".join(lines) + "\n"


def history_text(entries: Sequence[HistoryEntry]) -> str:
    """One block per recorded event: when, who, what kind, why; then each field old → new,
    named as a clinician reads it ("Target date", not ``target_date``)."""
    if not entries:
        return "No changes recorded.\n"
    out: list[str] = []
    for _, group in groupby(entries, key=lambda e: e.event_id):
        changes = list(group)
        first = changes[0]
        when = first.recorded_at[:19].replace("T", " ")
        kind = first.event_type.replace("_", " ")
        who = first.actor
        if first.recorded_by and first.recorded_by != first.actor:
            who = f"{first.actor} (recorded by {first.recorded_by})"
        out.append(f"{when} UTC  {who}  {kind}  v{first.version}  [{first.event_id[:8]}]")
        if first.reason:
            out.append(f"    why: {first.reason}")
        for change in changes:
            where = f"goal {change.goal_id[:6]} " if change.goal_id else ""
            label = field_label(change.field)
            if change.old:
                out.append(f"    {where}{label}: {change.old} → {change.new or '(removed)'}")
            else:
                out.append(f"    {where}{label}: {change.new}")
    return "\n".join(out) + "\n"
