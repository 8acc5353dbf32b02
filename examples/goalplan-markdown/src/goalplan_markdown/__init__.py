"""goalplan-markdown: a plan's goals, latest measurements and reviews as a Markdown summary.

Everything comes from the public ``goalplan`` package, and every date in the document comes
from the log, so exporting the same log twice gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping

import goalplan
from goalplan import Exporter, Goal, PlanLog, PlanState, RejectedError

# Characters that change meaning inside a line of Markdown. Every value is placed after a fixed
# prefix ("### ", "- Focus area: "...), so line-start markers such as "#" or "1." cannot act.
_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|~"})


def escape(text: str) -> str:
    """Client-written text shown literally, on one line: no emphasis, links, tables or HTML."""
    return " ".join(text.split()).translate(_SPECIAL)


def _number(value: float) -> str:
    return f"{value:g}"


def _goal_lines(state: PlanState, goal: Goal) -> list[str]:
    lines = [f"### {escape(goal.statement)}", ""]
    lines.append(f"- Status: {goal.status}; {goal.term}-term goal")
    if goal.focus_id:
        lines.append(f"- Focus area: {escape(state.focus_title(goal.focus_id))}")
    if goal.measure is not None:
        m = goal.measure
        lines.append(
            f"- Measure: {escape(m.name)} ({escape(m.unit)}), from {_number(m.baseline)} "
            f"to {_number(m.target)} ({m.direction})"
        )
    if goal.target_date is not None:
        lines.append(f"- Target date: {goal.target_date.isoformat()}")
    if goal.latest is not None:
        lines.append(
            f"- Latest: {_number(goal.latest.value)} on {goal.latest.observed_on.isoformat()} "
            f"({len(goal.progress)} measurement(s))"
        )
    steps = state.steps_for(goal.goal_id)
    if steps:
        done = sum(1 for s in steps if s.done)
        lines.append(f"- Steps done: {done} of {len(steps)}")
    lines.append("")
    return lines


def render(log: PlanLog, options: Mapping[str, str]) -> bytes:
    names = options.get("names", "true").lower()
    if names not in ("true", "false"):
        raise RejectedError("--option names", f"must be true or false; got {options['names']!r}.")
    state = log.state
    who = f" for {escape(state.client_name)}" if names == "true" else ""
    lines = [f"# Treatment plan{who}", ""]
    lines.append(f"- Plan: {state.plan_id}")
    lines.append(f"- Opened: {state.opened_on.isoformat()}; status {state.status}")
    if names == "true":
        lines.append(f"- Clinician: {escape(state.clinician_name)}")
    if state.next_review_on is not None:
        lines.append(f"- Next review: {state.next_review_on.isoformat()}")
    lines += ["", "## Goals", ""]
    for goal in state.goals.values():
        lines += _goal_lines(state, goal)
    if state.reviews:
        lines += ["## Reviews", ""]
        lines += [f"- {r.held_on.isoformat()}" for r in sorted(state.reviews, key=lambda r: r.held_on)]
        lines.append("")
    recorded = log.last_recorded_at
    stamp = recorded.strftime("%Y-%m-%d %H:%M UTC") if recorded else "-"
    lines.append(f"_From log {log.fingerprint}, last entry recorded {stamp}._")
    return ("\n".join(lines) + "\n").encode("utf-8")


@goalplan.hookimpl
def register_exporters() -> list[Exporter]:
    return [
        Exporter(
            name="markdown",
            suffix=".md",
            media_type="text/markdown; charset=utf-8",
            description="A plan's goals, latest measurements and reviews as a Markdown summary.",
            render=render,
            options={"names": "true (default) or false to leave client and clinician names out"},
        )
    ]
