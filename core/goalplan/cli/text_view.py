"""Plain-text views for the terminal. Machine-readable output lives behind --json instead."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from goalplan.analytics import PlanAnalytics, analytics_line
from goalplan.domain import Goal, PlanState
from goalplan.projections import HistoryEntry, PlanSummary


def _day(value: object) -> str:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else "—"


def plan_list_text(plans: Sequence[PlanSummary]) -> str:
    if not plans:
        return "No plans yet. Open one with: goalplan plan open --client NAME --clinician NAME\n"
    rows = [("PLAN", "CLIENT", "CLINICIAN", "STATUS", "GOALS", "NEXT REVIEW")]
    rows += [
        (
            p.plan_id,
            p.client_name,
            p.clinician_name,
            p.status,
            f"{p.active_goals}/{p.goals}",
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
        lines.append(f"    Intervention: {item.modality} — {item.description} ({item.frequency})")
    if goal.progress:
        recent = ", ".join(f"{p.value:g} on {p.observed_on.isoformat()}" for p in goal.progress[-3:])
        lines.append(f"    Progress ({len(goal.progress)} values), latest: {recent}")
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


def plan_text(state: PlanState, as_of: str | None = None, analytics: PlanAnalytics | None = None) -> str:
    if not state.is_open:
        return f"Plan {state.plan_id} had no events by {as_of}.\n" if as_of else "Empty plan.\n"
    credentials = f", {state.clinician_credentials}" if state.clinician_credentials else ""
    lines = [
        f"Plan {state.plan_id}" + (f" as of {as_of}" if as_of else "") + f" — {state.status}",
        f"Client: {state.client_name}",
        f"Clinician: {state.clinician_name}{credentials}",
        f"Opened: {state.opened_on.isoformat()}   Review every {state.review_every_days} days   "
        f"Next review: {_day(state.next_review_on)}",
    ]
    if state.discharge_criteria:
        lines.append(f"Discharge criteria: {state.discharge_criteria}")
    if state.closed_on:
        lines.append(f"Closed: {state.closed_on.isoformat()} ({state.close_reason})")
    groups: list[tuple[str | None, str]] = [(a.focus_id, a.title) for a in state.focus_areas.values()]
    groups.append((None, "Other goals"))
    for focus_id, title in groups:
        goals = state.goals_in(focus_id)
        if not goals:
            continue
        lines += ["", f"Focus: {title}"]
        for goal in goals:
            lines += _goal_lines(goal, state, analytics)
    unlinked = [i for i in state.interventions.values() if not i.goal_ids]
    if unlinked:
        lines += ["", "Interventions:"] + [
            f"  {i.modality} — {i.description} ({i.frequency})" for i in unlinked
        ]
    if state.reviews:
        lines += ["", "Reviews:"]
        for r in sorted(state.reviews, key=lambda r: r.held_on):
            nxt = f" (next {r.next_review_on.isoformat()})" if r.next_review_on else ""
            lines.append(f"  {r.held_on.isoformat()}{nxt}: {r.summary}".rstrip(": "))
    lines += ["", "Signatures:"]
    for role in ("client", "clinician"):
        sig = state.signature(role)
        cred = f", {sig.credentials}" if sig and sig.credentials else ""
        lines.append(
            f"  {role}: {sig.name}{cred} on {sig.signed_on.isoformat()}" if sig else f"  {role}: not signed"
        )
    lines.append(f"\nLog: version {state.version}, head {state.head_hash[:16]}")
    return "\n".join(lines) + "\n"


def history_text(entries: Sequence[HistoryEntry]) -> str:
    """One block per recorded event: when, who, what kind, why; then each field old → new."""
    if not entries:
        return "No changes recorded.\n"
    out: list[str] = []
    for _, group in groupby(entries, key=lambda e: e.event_id):
        changes = list(group)
        first = changes[0]
        when = first.recorded_at[:19].replace("T", " ")
        kind = first.event_type.replace("_", " ")
        out.append(f"{when} UTC  {first.actor}  {kind}  v{first.version}  [{first.event_id[:8]}]")
        if first.reason:
            out.append(f"    why: {first.reason}")
        for change in changes:
            where = f"goal {change.goal_id[:6]} " if change.goal_id else ""
            if change.old:
                out.append(f"    {where}{change.field}: {change.old} → {change.new or '(removed)'}")
            else:
                out.append(f"    {where}{change.field}: {change.new}")
    return "\n".join(out) + "\n"
