"""Read models kept inline: the rows a plan contributes, rewritten in the append's transaction.

Three tables answer the questions that used to replay every plan:

- ``plan_summaries``: one row per plan, what ``plan list`` shows;
- ``plan_dates``: the dates a plan's calendar holds now (its next review while it is open,
  each open goal's target date), what ``calendar --all`` and ``sync caldav --all`` start from;
- ``goal_index``: one row per goal (statement, status, target date, focus).

Each append folds the plan (from its snapshot, see snapshots.py) and rewrites that plan's rows
before it commits, under the same lock that orders the plan's events, so a committed event and
the rows it implies become visible together. docs/scaling.md says why inline rather than a
catch-up process. A plan whose log does not fold (possible only for events appended below the
API) gets a summary row marked not foldable, and readers fold that plan from the log instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from attrs import frozen

from goalplan.domain import PlanState

# FHIR Goal.lifecycleStatus values under which a goal is still being worked towards.
OPEN_GOAL_STATUSES = frozenset({"proposed", "planned", "accepted", "active", "on-hold"})
REVIEW = "review"
GOAL_TARGET = "goal-target"
READ_MODELS = "plan_summaries, plan_dates, goal_index"

SummaryRow = tuple[str, int, int, int, str, str, str, str, int, int, str | None]
DateRow = tuple[str, str, str, str]
GoalRow = tuple[str, str, str, str, str | None, str]

SUMMARY_COLUMNS = (
    "plan_id, last_position, version, foldable, client_name, clinician_name, opened_on, status, "
    "goals, active_goals, next_review_on"
)
DATE_COLUMNS = "plan_id, kind, ref, due_on"
GOAL_COLUMNS = "plan_id, goal_id, statement, status, target_date, focus"


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


@frozen
class PlanRows:
    """Every read-model row one plan contributes."""

    summary: SummaryRow
    dates: tuple[DateRow, ...]
    goals: tuple[GoalRow, ...]


def rows_for(plan_id: str, state: PlanState | None, version: int, last_position: int) -> PlanRows:
    """The rows for a plan folded to ``state`` (None: its log does not fold)."""
    if state is None:
        return PlanRows((plan_id, last_position, version, 0, "", "", "", "", 0, 0, None), (), ())
    goals = sorted(state.goals.values(), key=lambda g: g.goal_id)  # sorted once, used twice
    statuses = [g.status for g in goals]  # a property, worked out from the goal's changes
    due = state.next_review_on  # likewise
    summary: SummaryRow = (
        plan_id,
        last_position,
        version,
        1,
        state.client_name,
        state.clinician_name,
        state.opened_on.isoformat(),
        state.status,
        len(state.goals),
        statuses.count("active"),
        _day(due),
    )
    dates: list[DateRow] = []
    if state.is_open and not state.is_closed:
        if due is not None:
            dates.append((plan_id, REVIEW, "", due.isoformat()))
        for goal, status in zip(goals, statuses, strict=True):
            if goal.target_date is not None and status in OPEN_GOAL_STATUSES:
                dates.append((plan_id, GOAL_TARGET, goal.goal_id, goal.target_date.isoformat()))
    goal_rows = tuple(
        (
            plan_id,
            g.goal_id,
            g.statement,
            status,
            _day(g.target_date),
            state.focus_title(g.focus_id),
        )
        for g, status in zip(goals, statuses, strict=True)
    )
    return PlanRows(summary, tuple(dates), goal_rows)


def differs(old: PlanRows | None, new: PlanRows) -> tuple[bool, bool]:
    """Whether the plan's dates and goals rows must be rewritten (the summary always is)."""
    if old is None:
        return True, True
    return old.dates != new.dates, old.goals != new.goals


@frozen
class Mismatch:
    """A read-model row that a fresh fold of the log does not give."""

    plan_id: str
    table: str
    problem: str

    def __str__(self) -> str:
        return f"plan {self.plan_id}: {self.table}: {self.problem}"


def compare(plan_id: str, stored: PlanRows | None, fresh: PlanRows) -> list[Mismatch]:
    if stored is None:
        return [Mismatch(plan_id, "plan_summaries", "the plan has no row")]
    found = []
    if stored.summary != fresh.summary:
        found.append(
            Mismatch(plan_id, "plan_summaries", f"stored {stored.summary}, fold gives {fresh.summary}")
        )
    if sorted(stored.dates) != sorted(fresh.dates):
        found.append(Mismatch(plan_id, "plan_dates", f"stored {stored.dates}, fold gives {fresh.dates}"))
    if sorted(stored.goals) != sorted(fresh.goals):
        found.append(Mismatch(plan_id, "goal_index", f"stored {stored.goals}, fold gives {fresh.goals}"))
    return found


def group_rows(
    summaries: Sequence[SummaryRow], dates: Sequence[DateRow], goals: Sequence[GoalRow]
) -> dict[str, PlanRows]:
    by_plan_dates: dict[str, list[DateRow]] = {}
    for date_row in dates:
        by_plan_dates.setdefault(date_row[0], []).append(date_row)
    by_plan_goals: dict[str, list[GoalRow]] = {}
    for goal_row in goals:
        by_plan_goals.setdefault(goal_row[0], []).append(goal_row)
    return {
        s[0]: PlanRows(
            s, tuple(sorted(by_plan_dates.get(s[0], ()))), tuple(sorted(by_plan_goals.get(s[0], ())))
        )
        for s in summaries
    }
