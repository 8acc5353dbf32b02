"""The caseload index: one line per plan, built in a single pass over the log."""

from __future__ import annotations

from datetime import date
from typing import Any

from attrs import fields, frozen

from goalplan.domain import PlanState, fold
from goalplan.projections.read_models import summary_rows
from goalplan.store import EventStore
from goalplan.store.read_models import SummaryRow


@frozen(kw_only=True)
class PlanSummary:
    plan_id: str
    client_name: str
    clinician_name: str
    opened_on: date
    status: str
    goals: int
    active_goals: int
    next_review_on: date | None
    version: int

    @classmethod
    def of(cls, state: PlanState) -> PlanSummary:
        return cls(
            plan_id=state.plan_id,
            client_name=state.client_name,
            clinician_name=state.clinician_name,
            opened_on=state.opened_on,
            status=state.status,
            goals=len(state.goals),
            active_goals=sum(1 for g in state.goals.values() if g.status == "active"),
            next_review_on=state.next_review_on,
            version=state.version,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "client": self.client_name,
            "clinician": self.clinician_name,
            "opened_on": self.opened_on.isoformat(),
            "status": self.status,
            "goals": self.goals,
            "active_goals": self.active_goals,
            "next_review_on": self.next_review_on.isoformat() if self.next_review_on else None,
            "version": self.version,
        }

    @classmethod
    def of_row(cls, row: SummaryRow) -> PlanSummary:
        """A summary from its stored row, filled slot by slot: ``plan list`` builds one per plan,
        and the class has no validators for ``__init__`` to run."""
        (plan_id, _, version, _, client, clinician, opened_on, status, goals, active, next_review) = row
        made = object.__new__(cls)
        values = (
            plan_id,
            client,
            clinician,
            date.fromisoformat(opened_on),
            status,
            goals,
            active,
            date.fromisoformat(next_review) if next_review else None,
            version,
        )
        for put, value in zip(_SLOT_SETTERS, values, strict=True):
            put(made, value)
        return made


_SLOT_SETTERS: list[Any] = [
    PlanSummary.__dict__[name].__set__
    for name in (
        "plan_id",
        "client_name",
        "clinician_name",
        "opened_on",
        "status",
        "goals",
        "active_goals",
        "next_review_on",
        "version",
    )
]
assert {f.name for f in fields(PlanSummary)} == {s.__self__.__name__ for s in _SLOT_SETTERS}


def caseload(store: EventStore) -> list[PlanSummary]:
    """One summary per plan, from the stored read model when it can answer, else from the log."""
    rows = summary_rows(store)
    if rows is None:
        return [PlanSummary.of(fold(store.read_stream(pid))) for pid in store.plan_ids()]
    return [
        PlanSummary.of_row(row) if row[3] else PlanSummary.of(fold(store.read_stream(row[0]))) for row in rows
    ]
