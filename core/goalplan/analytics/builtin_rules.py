"""The built-in SMART rules and instruments, registered through the same hooks a plugin uses.

This is a core module the plugin manager always registers (it is not a plugin package), so the
built-ins and a practice's own rules are listed, silenced and run the same way.
"""

from __future__ import annotations

from datetime import date

import pluggy

from goalplan.analytics.instruments import BUILTIN_INSTRUMENTS, Instrument
from goalplan.analytics.progress import meets_target, trend
from goalplan.analytics.safety import safety_findings
from goalplan.analytics.smart import (
    LINTED_STATUSES,
    Finding,
    LintContext,
    Rule,
    goal_rule,
    plan_rule,
)
from goalplan.analytics.wording import (
    action_verbs,
    actions_outside,
    additive_actions,
    hidden_aims,
    reads_as_english,
    removal_spans,
    stated_date,
    stated_measure,
    vague_aims,
)
from goalplan.domain import Goal, PlanState, changes_after
from goalplan.domain.rules import participation_signature
from goalplan.text import normalise_statement, words

# The same marker as goalplan.hookimpl; made here because the hooks layer sits above analytics.
hookimpl = pluggy.HookimplMarker("goalplan")

FIRST_PERSON = frozenset(
    {"i", "i'll", "i'm", "i've", "i'd", "me", "my", "myself", "we", "we'll", "our", "us"}
)
PACE_FACTOR = 3.0
MIN_DAYS_TO_TARGET = 14
MAX_ACTIVE_PER_FOCUS = 2
MAX_STATEMENT_WORDS = 40
NOT_CHECKED = (
    "Wording not checked: the statement does not read as English, and the word lists behind the "
    "Specific and positive-framing checks are English; review its wording yourself."
)


def _pass(advice: str) -> Finding:
    return Finding(level="pass", advice=advice)


def _warn(advice: str) -> Finding:
    return Finding(level="warn", advice=advice)


def _fail(advice: str) -> Finding:
    return Finding(level="fail", advice=advice)


def _met(goal: Goal) -> bool:
    m, latest = goal.measure, goal.latest
    return m is not None and latest is not None and meets_target(m.baseline, m.target, latest.value)


def _started_on(goal: Goal, state: PlanState) -> date:
    """Where the clock starts for the pace check: the latest value, else when the goal was set."""
    if goal.latest is not None:
        return goal.latest.observed_on
    if goal.set_at[:10]:
        try:
            return max(date.fromisoformat(goal.set_at[:10]), state.opened_on)
        except ValueError:
            pass
    return state.opened_on


@goal_rule(
    "smart.specific",
    "specific",
    "The statement says, in the client's words, what will be done, not only a vague aim.",
)
def specific(goal: Goal, state: PlanState, context: LintContext) -> Finding:
    tokens = words(goal.statement)
    if not reads_as_english(goal.statement, tokens):
        return _warn(NOT_CHECKED)
    vague = vague_aims(tokens)
    acts = action_verbs(tokens)
    hidden = hidden_aims(tokens)
    if hidden and not actions_outside(tokens, hidden):
        phrase = hidden[0][0]
        means = "therapy" in phrase or "sessions" in phrase or "counsel" in phrase
        what = "is the means, not the goal" if means else "names an effort, not the aim"
        return _fail(
            f'"{phrase}" {what}; say what the client will do or what will be different, for example '
            "'I will take the bus to work three days a week' rather than 'I will work on my anxiety'."
        )
    if vague and not acts:
        return _fail(
            f'"{vague[0]}" is an aim, not something that can be seen being done; say what the client '
            "will do, how often, for example 'I will walk for 20 minutes three mornings a week'."
        )
    if not acts:
        return _warn(
            "The statement names no action; add what the client will actually do "
            "(attend, call, practise, write...), so progress can be seen."
        )
    if not FIRST_PERSON & set(tokens):
        return _warn(
            "Write the goal as the client would say it, in the first person ('I will...'), "
            "so it stays in the client's own words."
        )
    return _pass("Says what the client will do, in the client's words.")


@goal_rule(
    "smart.measurable",
    "measurable",
    "A measure with unit, baseline and target, or a standardised instrument score.",
)
def measurable(goal: Goal, state: PlanState, context: LintContext) -> Finding:
    if goal.measure is not None:
        m = goal.measure
        return _pass(f"Measured as {m.name} ({m.unit}), from {m.baseline:g} to {m.target:g}.")
    scored = sorted({s.instrument for s in state.scores if s.goal_id == goal.goal_id})
    if scored:
        names = ", ".join(context.instruments[i].name if i in context.instruments else i for i in scored)
        return _pass(f"Measured by instrument scores linked to the goal ({names}).")
    if goal.gas_scale is not None:
        return _pass("Measured on its Goal Attainment Scale (-2 to +2).")
    named = stated_measure(goal.statement)
    if named:
        return _warn(
            f'The statement names its own measure ("{named}"); record it as a structured measure too '
            "(goal revise --measure --unit --baseline --target), so progress can be recorded and charted."
        )
    return _fail(
        "Add a measure with a unit, a baseline and a target (goal revise --measure --unit --baseline "
        "--target), or link an instrument score to the goal (score --goal)."
    )


@goal_rule(
    "smart.achievable",
    "achievable",
    "Steps or interventions are planned, and the target is within reach of the pace so far.",
)
def achievable(goal: Goal, state: PlanState, context: LintContext) -> Finding:
    if not state.steps_for(goal.goal_id) and not state.interventions_for(goal.goal_id):
        return _fail(
            "Plan at least one small step or an intervention toward this goal (goal step, intervention)."
        )
    m = goal.measure
    if m is None or goal.target_date is None or _met(goal):
        return _pass("Steps or interventions are planned toward it.")
    start = _started_on(goal, state)
    days_left = (goal.target_date - start).days
    if days_left <= 0:
        return _pass("Steps or interventions are planned; the target date is checked under time-bound.")
    found = trend(goal.progress) if len(goal.progress) >= 2 else None
    if found is None:
        if days_left < MIN_DAYS_TO_TARGET:
            return _warn(
                f"Only {days_left} days are left to move from {m.baseline:g} to {m.target:g}; "
                "give the goal more time or a nearer first target."
            )
        return _pass("Steps or interventions are planned toward it.")
    latest = goal.latest
    assert latest is not None
    needed = abs(m.target - latest.value) / (days_left / 7)
    toward = found.slope_per_week * (1 if m.target > m.baseline else -1)
    if toward <= 0:
        return _warn(
            f"So far the measure is flat or moving away from the target ({found.slope_per_week:+.2f} "
            f"a week); review whether {m.target:g} by {goal.target_date.isoformat()} is reachable."
        )
    if needed > PACE_FACTOR * toward:
        return _warn(
            f"The target needs {needed:.2f} a week by {goal.target_date.isoformat()}, more than "
            f"three times the pace so far ({toward:.2f} a week); consider a nearer target or a later date."
        )
    return _pass(f"Planned, and the pace so far ({toward:.2f} a week) can reach the target in time.")


@goal_rule("smart.relevant", "relevant", "The goal is tied to a focus area and says why it matters.")
def relevant(goal: Goal, state: PlanState, context: LintContext) -> Finding:
    if not goal.focus_id or goal.focus_id not in state.focus_areas:
        return _fail(
            "Tie the goal to a focus area, the concern that brought the client (goal revise --focus)."
        )
    if not goal.relevance.strip():
        return _warn("Say in a sentence why this goal matters to the client (goal revise --relevance).")
    return _pass(f"Serves the focus area {state.focus_title(goal.focus_id)!r} and says why it matters.")


@goal_rule(
    "smart.time-bound",
    "time-bound",
    "A target date, not already past for an active goal, within the review horizon unless long-term.",
)
def time_bound(goal: Goal, state: PlanState, context: LintContext) -> Finding:
    due = goal.target_date
    if due is None:
        named = stated_date(goal.statement)
        if named:
            return _warn(
                f'The statement names its own time frame ("{named}"); record it as the target date too '
                "(goal revise --by), so reviews and reminders can use it."
            )
        return _fail("Give the goal a target date (goal revise --by).")
    if goal.status == "active" and due < context.today:
        if _met(goal):
            return _pass(
                f"The target was met; the date {due.isoformat()} has passed, so consider completing it."
            )
        return _fail(
            f"The target date {due.isoformat()} has passed; set a new date or change the goal's status, "
            "giving the reason."
        )
    horizon = state.next_review_on
    if goal.term == "short" and horizon is not None and due > horizon:
        return _warn(
            f"The target date {due.isoformat()} falls after the next review on {horizon.isoformat()}; "
            "bring it within the review period or mark the goal long-term."
        )
    return _pass(f"Due by {due.isoformat()}.")


@goal_rule(
    "framing.positive",
    "framing",
    "The statement adds something to do rather than only removing something (a warning).",
)
def positive_framing(goal: Goal, state: PlanState, context: LintContext) -> Finding | None:
    tokens = words(goal.statement)
    if not reads_as_english(goal.statement, tokens):
        return None  # the English word lists do not apply; smart.specific says it was not checked
    spans = removal_spans(tokens)
    if not spans:
        return _pass("Worded as something to do.")
    if "instead" in tokens or additive_actions(tokens):
        return _pass("Says what the client will do, not only what to stop.")
    marker = spans[0][0]
    return _warn(
        f'The statement only removes something ("{marker}"); say what the client will do instead, '
        "for example 'I will call a friend when I feel like drinking' rather than 'I will stop drinking'."
    )


@goal_rule(
    "plan.copied-goal",
    "plan",
    "The statement is not copied word for word from a goal in another plan in the store.",
)
def copied_goal(goal: Goal, state: PlanState, context: LintContext) -> Finding:
    others = context.other_statements.get(normalise_statement(goal.statement), ())
    others = tuple(p for p in others if p != state.plan_id)
    if others:
        shown = ", ".join(others[:3]) + (" ..." if len(others) > 3 else "")
        return _warn(
            f"This statement is word for word the same as a goal in plan {shown}; "
            "write it with this client, in this client's own words."
        )
    return _pass("Not found in any other plan.")


@plan_rule("plan.focus-load", "plan", "No more than two active goals in any one focus area.")
def focus_load(goal: Goal | None, state: PlanState, context: LintContext) -> Finding:
    crowded = []
    for area in state.focus_areas.values():
        active = [g for g in state.goals_in(area.focus_id) if g.status == "active"]
        if len(active) > MAX_ACTIVE_PER_FOCUS:
            crowded.append(f"{area.title!r} has {len(active)}")
    if crowded:
        return _warn(
            f"Active goals per focus area: {'; '.join(crowded)}; keep one or two per focus area and put "
            "the others on hold."
        )
    return _pass("One or two active goals per focus area at most.")


@plan_rule("plan.review-overdue", "plan", "The plan's review is not overdue by its cadence.")
def review_overdue(goal: Goal | None, state: PlanState, context: LintContext) -> Finding | None:
    due = state.next_review_on
    if due is None:
        return None
    if due < context.today:
        late = (context.today - due).days
        return _warn(
            f"The review due on {due.isoformat()} is {late} day(s) overdue; hold a review with the client "
            "(goalplan review)."
        )
    return _pass(f"Next review due on {due.isoformat()}.")


@plan_rule(
    "plan.client-signature", "plan", "An active plan carries the client's (or the guardian's) signature."
)
def client_signature(goal: Goal | None, state: PlanState, context: LintContext) -> Finding | None:
    if state.status != "active":
        return None
    sig = participation_signature(state)
    if sig is None:
        return _warn(
            "Neither the client nor a guardian has signed this plan; review it together and record the "
            "signature (plan sign --role client or --role guardian)."
        )
    return _pass(f"Signed by the {sig.role} on {sig.signed_on.isoformat()}.")


@plan_rule(
    "safety.phq9-item9",
    "plan",
    "Every PHQ-9 with item 9 above 0 has a recorded safety review (goalplan safety review).",
)
def phq9_item9(goal: Goal | None, state: PlanState, context: LintContext) -> Finding | None:
    found = safety_findings(state, context.today)
    if not found:
        return None
    waiting = [f for f in found if f.open]
    if waiting:
        days = ", ".join(f.observed_on.isoformat() for f in waiting)
        return _fail(
            f"PHQ-9 item 9 (thoughts of death or self-harm) was above 0 on {days} and no safety review "
            "is recorded; assess risk and record the response (goalplan safety review PLAN --reason)."
        )
    return _pass(f"Every PHQ-9 item 9 finding ({len(found)}) has a recorded safety review.")


@plan_rule(
    "plan.signature-current",
    "plan",
    "Each signature still approves the plan's material content (no material change since).",
)
def signature_current(goal: Goal | None, state: PlanState, context: LintContext) -> Finding | None:
    latest = [s for role in ("client", "guardian", "clinician", "supervisor") if (s := state.signature(role))]
    if not latest:
        return None
    stale = []
    for sig in latest:
        changed = changes_after(state, sig)
        if changed:
            last = changed[-1]
            stale.append(
                f"the {sig.role}'s signature of {sig.signed_on.isoformat()} (version {sig.signed_version}) "
                f"predates {len(changed)} material change(s), latest {last.what} on {last.recorded_at[:10]}"
            )
    if stale:
        return _fail(
            f"{'; '.join(stale)[:1].upper()}{'; '.join(stale)[1:]}; review the changed plan with the signer "
            "and record a new signature (plan sign)."
        )
    return _pass("Every signature approves the plan's current material content.")


@goal_rule(
    "plan.statement-length",
    "plan",
    f"The statement is one short sentence, at most {MAX_STATEMENT_WORDS} words.",
)
def statement_length(goal: Goal, state: PlanState, context: LintContext) -> Finding:
    count = len(goal.statement.split())
    if count > MAX_STATEMENT_WORDS:
        return _warn(
            f"The statement is {count} words; keep the goal to one sentence of at most "
            f"{MAX_STATEMENT_WORDS} words and move the detail to steps, the measure or the relevance."
        )
    return _pass(f"{count} words.")


@goal_rule("plan.overdue-steps", "plan", "No step of the goal is past its due date and still open.")
def overdue_steps(goal: Goal, state: PlanState, context: LintContext) -> Finding | None:
    steps = state.steps_for(goal.goal_id)
    if not any(s.due_on for s in steps):
        return None
    late = [s for s in steps if not s.done and s.due_on is not None and s.due_on < context.today]
    if late:
        first = min(late, key=lambda s: s.due_on or context.today)
        return _warn(
            f"{len(late)} step(s) past due and not done, the earliest {first.text!r} due on "
            f"{first.due_on}; mark it done (goal done), or review it with the client."
        )
    return _pass("No open step is past its due date.")


@plan_rule("plan.discharge-criteria", "plan", "An active plan says when treatment can end.")
def discharge_criteria(goal: Goal | None, state: PlanState, context: LintContext) -> Finding | None:
    if state.status != "active":
        return None
    if not state.discharge_criteria.strip():
        return _warn(
            "The plan has no discharge criteria; say when treatment can end (plan details --discharge TEXT)."
        )
    return _pass("Discharge criteria are recorded.")


@plan_rule("plan.focus-diagnosis", "plan", "Each focus area with goals is addressed by an active diagnosis.")
def focus_diagnosis(goal: Goal | None, state: PlanState, context: LintContext) -> Finding | None:
    areas = [
        a
        for a in state.focus_areas.values()
        if any(g.status in LINTED_STATUSES for g in state.goals_in(a.focus_id))
    ]
    if not areas:
        return None
    missing = [a.title for a in areas if not state.diagnoses_for(a.focus_id)]
    if missing:
        shown = ", ".join(repr(t) for t in missing)
        return _warn(
            f"No active diagnosis addresses the focus area {shown}; tie the goals to medical necessity "
            "(diagnosis add PLAN CODE --focus FOCUS)."
        )
    return _pass("Every focus area with goals is addressed by a diagnosis.")


BUILTIN_RULES: tuple[Rule, ...] = (
    specific,
    measurable,
    achievable,
    relevant,
    time_bound,
    positive_framing,
    copied_goal,
    focus_load,
    review_overdue,
    client_signature,
    signature_current,
    phq9_item9,
    statement_length,
    overdue_steps,
    discharge_criteria,
    focus_diagnosis,
)


@hookimpl
def register_smart_rules() -> list[Rule]:
    return list(BUILTIN_RULES)


@hookimpl
def register_instruments() -> list[Instrument]:
    return list(BUILTIN_INSTRUMENTS)
