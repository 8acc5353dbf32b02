"""The built-in audit rules, registered through the same hook a practice's plugin uses.

Each rule answers one question supervisors, payers and surveyors ask of a caseload
(docs/audit.md gives each rule's question, default threshold and severity).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

import pluggy

from goalplan import events as ev
from goalplan.analytics.progress import meets_target
from goalplan.audit.model import (
    AuditContext,
    AuditFinding,
    AuditRule,
    Finish,
    PlanCheck,
    PlanWalk,
    Step,
    audit_rule,
    effective_day,
    recorded_day,
)
from goalplan.domain import Goal, changes_after
from goalplan.text import normalise_statement

hookimpl = pluggy.HookimplMarker("goalplan")

CLIENT_SIDE = ("client", "guardian")


def _goal_of(step: Step) -> str | None:
    event = step.record.event
    goal_id = getattr(event, "goal_id", None)
    if goal_id is None and isinstance(event, ev.StepCompleted):
        found = step.before.steps.get(event.step_id)
        goal_id = found.goal_id if found else None
    return goal_id if isinstance(goal_id, str) else None


def _finding(rule_id: str, severity: str, step: Step, message: str, **extra: object) -> AuditFinding:
    record = step.record
    return AuditFinding(
        rule_id=rule_id,
        severity=severity,
        plan_id=record.plan_id,
        goal_id=extra.pop("goal_id", _goal_of(step)),  # type: ignore[arg-type]
        event_id=record.event_id,
        actor=record.actor,
        recorded_at=record.recorded_at,
        effective_on=extra.pop("effective_on", effective_day(step.record.event)),  # type: ignore[arg-type]
        reason=str(getattr(record.event, "reason", "") or ""),
        message=message,
        detail=extra,
    )


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _kind(step: Step) -> str:
    return step.record.type.replace("_", " ")


@audit_rule(
    "audit.late-entry",
    "Late entries",
    "An entry recorded long after the day it is about (observed, held, signed, completed).",
)
def late_entry(walk: PlanWalk, context: AuditContext) -> Iterator[AuditFinding]:
    limit = context.settings.late_after_days
    for step in walk.steps:
        day = effective_day(step.record.event)
        if day is None:
            continue
        lag = (recorded_day(step.record) - day).days
        if lag > limit:
            severity = "high" if lag > 4 * limit else "medium"
            yield _finding(
                "audit.late-entry",
                severity,
                step,
                f"A {_kind(step)} dated {day.isoformat()} was recorded {_days(lag)} later.",
                lag_days=lag,
            )


@audit_rule(
    "audit.backdated",
    "Backdated entries",
    "An entry on a goal recorded after an entry dated later on the same goal.",
)
def backdated(walk: PlanWalk, context: AuditContext) -> Iterator[AuditFinding]:
    latest: dict[str, tuple[date, str]] = {}
    for step in walk.live_steps():
        event = step.record.event
        if (
            not isinstance(event, ev.ProgressRecorded | ev.ScoreRecorded | ev.GasScored)
            or event.goal_id is None
        ):
            continue
        seen = latest.get(event.goal_id)
        if seen is not None and event.observed_on < seen[0]:
            yield _finding(
                "audit.backdated",
                "medium",
                step,
                f"A {_kind(step)} dated {event.observed_on.isoformat()} was recorded after an entry "
                f"dated {seen[0].isoformat()} on the same goal.",
                later_entry=seen[1],
            )
        if seen is None or event.observed_on > seen[0]:
            latest[event.goal_id] = (event.observed_on, step.record.event_id)


def goalpost_moves(walk: PlanWalk) -> Iterator[tuple[Step, str, str]]:
    """Every revision that made a goal easier to meet: (step, kind, what changed)."""
    for step in walk.live_steps():
        event = step.record.event
        if not isinstance(event, ev.GoalRevised):
            continue
        old, new = step.before.goals.get(event.goal_id), step.after.goals.get(event.goal_id)
        if old is None or new is None:
            continue
        yield from ((step, kind, change) for kind, change in _moves(old, new))


def _moves(old: Goal, new: Goal) -> Iterator[tuple[str, str]]:
    before, after = old.measure, new.measure
    if before is not None and after is None:
        yield "measure removed", f"measure {before.name!r} removed"
    elif before is not None and after is not None:
        if (before.name, before.unit) != (after.name, after.unit):
            yield (
                "measure replaced",
                f"measure {before.name} ({before.unit}) → {after.name} ({after.unit})",
            )
        elif before.target != after.target and _eased(before.baseline, before.target, after.target):
            yield "target eased", f"target {before.target:g} → {after.target:g} {after.unit}"
    if old.target_date and new.target_date and new.target_date > old.target_date:
        pushed = (new.target_date - old.target_date).days
        yield (
            "date pushed back",
            f"target date {old.target_date.isoformat()} → {new.target_date.isoformat()} (+{_days(pushed)})",
        )


def _eased(baseline: float, old_target: float, new_target: float) -> bool:
    """Moved toward the baseline: less change is now asked for."""
    return new_target < old_target if old_target > baseline else new_target > old_target


@audit_rule(
    "audit.goalpost-moved",
    "Moved goalposts",
    "A revision that eased a target toward the baseline, pushed a target date back, or replaced "
    "or removed the measure.",
)
def goalpost_moved(walk: PlanWalk, context: AuditContext) -> Iterator[AuditFinding]:
    for step, kind, change in goalpost_moves(walk):
        yield _finding("audit.goalpost-moved", "low", step, f"{kind.capitalize()}: {change}.", move=kind)


@audit_rule(
    "audit.goal-moved-often",
    "Goals moved often",
    "A goal whose goalposts were moved more times than the threshold, with the chain of changes.",
)
def goal_moved_often(walk: PlanWalk, context: AuditContext) -> Iterator[AuditFinding]:
    chains: dict[str, list[tuple[Step, str, str]]] = {}
    for move in goalpost_moves(walk):
        chains.setdefault(move[0].record.event.goal_id, []).append(move)  # type: ignore[attr-defined]
    limit = context.settings.moved_more_than
    for goal_id, moves in chains.items():
        if len(moves) > limit:
            last = moves[-1][0]
            chain = [
                {
                    "event_id": s.record.event_id,
                    "recorded_at": s.record.recorded_at,
                    "actor": s.record.actor,
                    "move": kind,
                    "change": change,
                    "reason": str(getattr(s.record.event, "reason", "")),
                }
                for s, kind, change in moves
            ]
            yield _finding(
                "audit.goal-moved-often",
                "high",
                last,
                f"The goalposts of this goal were moved {len(moves)} times (more than {limit}).",
                goal_id=goal_id,
                moves=len(moves),
                chain=chain,
            )


@audit_rule(
    "audit.revision-outside-review",
    "Revisions outside a review",
    "A goal revised more than the review window away from any review held.",
)
def revision_outside_review(walk: PlanWalk, context: AuditContext) -> Iterator[AuditFinding]:
    window = context.settings.review_window_days
    held = [r.held_on for r in walk.final.reviews]
    for step in walk.live_steps():
        if not isinstance(step.record.event, ev.GoalRevised):
            continue
        day = recorded_day(step.record)
        if not any(abs((day - h).days) <= window for h in held):
            yield _finding(
                "audit.revision-outside-review",
                "low",
                step,
                f"Goal revised on {day.isoformat()}, not within {_days(window)} of a review held.",
                effective_on=day,
            )


@audit_rule(
    "audit.completed-against-data",
    "Goals completed against their data",
    "A goal marked completed while its latest value misses the target, or with no value recorded.",
)
def completed_against_data(walk: PlanWalk, context: AuditContext) -> Iterator[AuditFinding]:
    for step in walk.live_steps():
        event = step.record.event
        if not isinstance(event, ev.GoalStatusChanged) or event.status != "completed":
            continue
        goal = step.before.goals.get(event.goal_id)
        if goal is None:
            continue
        measure, latest = goal.measure, goal.latest
        if latest is None and not goal.gas_points:
            yield _finding(
                "audit.completed-against-data", "high", step, "Goal completed with no value recorded."
            )
        elif (
            measure is not None
            and latest is not None
            and not meets_target(measure.baseline, measure.target, latest.value)
        ):
            yield _finding(
                "audit.completed-against-data",
                "high",
                step,
                f"Goal completed while its latest value, {latest.value:g} {measure.unit} on "
                f"{latest.observed_on.isoformat()}, misses the target of {measure.target:g}"
                + (
                    f" (why, as recorded: {event.target_missed_reason})."
                    if event.target_missed_reason
                    else "."
                ),
                latest=latest.value,
                target=measure.target,
                target_missed_reason=event.target_missed_reason,
            )


@audit_rule(
    "audit.signature-not-current",
    "Signatures no longer current",
    "The latest signature of a role no longer matches the plan's clinically material content.",
)
def signature_not_current(walk: PlanWalk, context: AuditContext) -> Iterator[AuditFinding]:
    state = walk.final
    latest = {s.role: s for s in state.signatures}  # in log order: the last of each role wins
    steps = {s.record.event_id: s for s in walk.steps}
    for role, signature in sorted(latest.items()):
        changes = changes_after(state, signature)
        if not changes or signature.event_id not in steps:
            continue
        first = changes[0]
        yield _finding(
            "audit.signature-not-current",
            "medium",
            steps[signature.event_id],
            f"The {role}'s signature approved version {signature.signed_version}; "
            f"{len(changes)} material change(s) followed, the first ({first.what}) "
            f"recorded {first.recorded_at[:10]}.",
            role=role,
            signed_version=signature.signed_version,
            first_change=first.event_id,
            changes=len(changes),
        )


@audit_rule(
    "audit.client-never-signed",
    "Plans never signed by the client",
    "A plan open longer than the signing window with no client or guardian signature.",
)
def client_never_signed(walk: PlanWalk, context: AuditContext) -> Iterator[AuditFinding]:
    state = walk.final
    if not state.is_open or any(s.role in CLIENT_SIDE for s in state.signatures):
        return
    age = (context.today - state.opened_on).days
    if age > context.settings.sign_within_days:
        opened = walk.steps[0]
        yield _finding(
            "audit.client-never-signed",
            "high",
            opened,
            f"Opened {state.opened_on.isoformat()}, {_days(age)} before the report's day, and never "
            "signed by the client or a guardian.",
            effective_on=state.opened_on,
            days_open=age,
        )


@audit_rule(
    "audit.review-overdue",
    "Reviews overdue",
    "An open plan whose next review date has passed.",
)
def review_overdue(walk: PlanWalk, context: AuditContext) -> Iterator[AuditFinding]:
    state = walk.final
    due = state.next_review_on
    if due is None or due >= context.today:
        return
    late = (context.today - due).days
    last = state.last_review
    anchor = next((s for s in walk.steps if last and s.record.event_id == last.event_id), walk.steps[0])
    severity = "high" if late > context.settings.overdue_high_after_days else "medium"
    yield AuditFinding(
        rule_id="audit.review-overdue",
        severity=severity,
        plan_id=state.plan_id,
        event_id=anchor.record.event_id,
        actor=anchor.record.actor,
        effective_on=due,
        message=f"Review due {due.isoformat()} is {_days(late)} overdue.",
        detail={"overdue_days": late},
    )


def missing_elements(walk: PlanWalk) -> list[str]:
    """Required elements the plan does not hold (the fileable-plan checklist, where modelled)."""
    state = walk.final
    missing = []
    if state.client_birth_date is None and not state.client_record_number.strip():
        missing.append("second client identifier (date of birth or record number)")
    if not any(d.status == "active" for d in state.diagnoses.values()):
        missing.append("diagnosis")
    if not state.discharge_criteria.strip():
        missing.append("discharge criteria")
    return missing


@audit_rule(
    "audit.missing-element",
    "Required elements missing",
    "A plan without an element payers and accreditors require.",
)
def missing_element(walk: PlanWalk, context: AuditContext) -> Iterator[AuditFinding]:
    if not walk.final.is_open:
        return
    for element in missing_elements(walk):
        yield AuditFinding(
            rule_id="audit.missing-element",
            severity="medium",
            plan_id=walk.plan_id,
            event_id=walk.records[-1].event_id,
            effective_on=walk.final.opened_on,
            message=f"The plan has no {element}.",
            detail={"element": element},
        )


@audit_rule(
    "audit.correction",
    "Corrections (entered-in-error)",
    "An entry marked entered-in-error: who corrected what, and why.",
)
def correction(walk: PlanWalk, context: AuditContext) -> Iterator[AuditFinding]:
    types = {r.event_id: r.type for r in walk.records}
    for step in walk.steps:
        event = step.record.event
        if isinstance(event, ev.EntryCorrected):
            kind = types.get(event.corrected_event_id, "entry").replace("_", " ")
            yield _finding(
                "audit.correction",
                "low",
                step,
                f"A {kind} was marked entered-in-error.",
                goal_id=None,
                corrected_event_id=event.corrected_event_id,
                corrected_type=types.get(event.corrected_event_id, ""),
            )


def _copied_text() -> tuple[PlanCheck, Finish]:
    seen: dict[str, list[tuple[str, str, str, str, str]]] = {}

    def check(walk: PlanWalk, context: AuditContext) -> Iterable[AuditFinding]:
        state = walk.final
        sets = {s.record.event.goal_id: s for s in walk.steps if s.record.type == "goal_set"}  # type: ignore[attr-defined]
        for goal in state.goals.values():
            key = normalise_statement(goal.statement)
            step = sets.get(goal.goal_id)
            if key and step is not None:
                seen.setdefault(key, []).append(
                    (
                        step.record.recorded_at,
                        state.plan_id,
                        goal.goal_id,
                        step.record.event_id,
                        state.client_name.casefold(),
                    )
                )
        return ()

    def finish(context: AuditContext) -> Iterator[AuditFinding]:
        for uses in seen.values():
            if len({u[4] for u in uses}) < 2:
                continue
            uses.sort()
            for index, (recorded_at, plan_id, goal_id, event_id, client) in enumerate(uses):
                earlier = uses[:index]
                first = next((u for u in earlier if u[4] != client), None)
                if first is None or any(u[4] == client for u in earlier):
                    continue  # the client's own words, used again in another of their plans
                yield AuditFinding(
                    rule_id="audit.copied-text",
                    severity="medium",
                    plan_id=plan_id,
                    goal_id=goal_id,
                    event_id=event_id,
                    recorded_at=recorded_at,
                    message=f"This goal statement is word for word the one in plan {first[1]}, another "
                    f"client's ({len(uses)} goals use it).",
                    detail={"first_plan_id": first[1], "first_goal_id": first[2], "uses": len(uses)},
                )

    return check, finish


copied_text = AuditRule(
    id="audit.copied-text",
    title="Text reused across clients",
    explanation="The same goal statement, word for word, in plans of different clients.",
    start=_copied_text,
)

BUILTIN_AUDIT_RULES = (
    late_entry,
    backdated,
    goalpost_moved,
    goal_moved_often,
    revision_outside_review,
    completed_against_data,
    signature_not_current,
    client_never_signed,
    review_overdue,
    missing_element,
    correction,
    copied_text,
)


@hookimpl
def register_audit_rules() -> list[AuditRule]:
    return list(BUILTIN_AUDIT_RULES)
