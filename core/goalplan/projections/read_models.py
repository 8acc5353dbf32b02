"""Answers from the stored read models, falling back to folding the log where they cannot answer.

The rows are written by the store inside each append (goalplan.store.read_models); here they
become the projections' own types. A store whose read models were built by other fold code,
or a plan whose log does not fold, is answered from the log, exactly as before read models
existed, so a read model can make a question cheaper but never change its answer.
"""

from __future__ import annotations

from datetime import date

from goalplan.domain import fold
from goalplan.store import EventStore
from goalplan.store.projecting import CheckReport, InlineProjections
from goalplan.store.read_models import GoalRow, SummaryRow

__all__ = ["CheckReport", "GoalRow", "dated_plan_ids", "goal_rows", "has_read_models", "summary_rows"]


def has_read_models(store: EventStore) -> bool:
    return isinstance(store, InlineProjections) and store.read_models_fresh()


def summary_rows(store: EventStore) -> list[SummaryRow] | None:
    """Every plan's stored summary, oldest plan first; None when the store cannot answer."""
    if not has_read_models(store):
        return None
    assert isinstance(store, InlineProjections)
    return store.plan_summaries()


def dated_plan_ids(store: EventStore, *, changed_after: int | None = None) -> list[str]:
    """Plans whose calendar holds a date now, plus (with a position) plans changed after it."""
    if has_read_models(store):
        assert isinstance(store, InlineProjections)
        return store.dated_plan_ids(changed_after=changed_after)
    return store.plan_ids()


def goal_rows(store: EventStore, plan_id: str | None = None) -> list[GoalRow]:
    """(plan, goal, statement, status, target date, focus) for every goal, or one plan's goals."""
    if has_read_models(store):
        assert isinstance(store, InlineProjections)
        return store.goal_rows(plan_id)
    rows: list[GoalRow] = []
    for pid in store.plan_ids() if plan_id is None else [plan_id]:
        state = fold(store.read_stream(pid), plan_id=pid)
        for g in sorted(state.goals.values(), key=lambda g: g.goal_id):
            target = g.target_date.isoformat() if isinstance(g.target_date, date) else None
            rows.append((pid, g.goal_id, g.statement, g.status, target, state.focus_title(g.focus_id)))
    return rows
