"""What an audit rule is, what it finds, and what it is given.

A rule is data plus a function, like a lint rule (``goalplan.Rule``): rules arrive through the
``register_audit_rules`` hook, so a practice adds its own the same way the built-ins are added.
A rule reads one plan at a time (:class:`PlanWalk`); a rule that compares plans (copied text)
also gets a ``finish`` call once every plan has been read, so memory stays flat in the size of
the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from functools import cached_property
from typing import Any

from attrs import field, frozen

from goalplan.codec import RecordedEvent
from goalplan.domain import PlanState, apply

SEVERITIES = ("high", "medium", "low")
# Payload fields that say which day an entry is about, in the order they are looked for.
EFFECTIVE_FIELDS = ("observed_on", "held_on", "signed_on", "completed_on", "closed_on")


def effective_day(event: object) -> date | None:
    """The day an entry is about (observed, held, signed...), or None for an undated entry."""
    for name in EFFECTIVE_FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, date):
            return value
    return None


def recorded_day(record: RecordedEvent) -> date:
    """The UTC day an entry was written to the log."""
    return date.fromisoformat(record.recorded_at[:10])


def _severity(instance: Any, attribute: Any, value: str) -> None:
    if value not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)} (got {value!r})")


@frozen(kw_only=True)
class AuditFinding:
    """One thing an auditor would ask about, pointing at the plan, goal and event behind it.

    ``recorded_at`` is when the entry was written to the log; ``effective_on`` is the day it is
    about (observed, held, signed, due). ``detail`` holds rule-specific facts (numbers, a chain
    of changes) as JSON-ready values.
    """

    rule_id: str
    severity: str = field(validator=_severity)
    plan_id: str
    message: str
    goal_id: str | None = None
    event_id: str | None = None
    actor: str = ""
    recorded_at: str = ""
    effective_on: date | None = None
    reason: str = ""
    detail: Mapping[str, Any] = field(factory=dict)

    @property
    def day(self) -> str:
        """The day a finding is filed under: when it was recorded, else the day it is about."""
        if self.recorded_at:
            return self.recorded_at[:10]
        return self.effective_on.isoformat() if self.effective_on else ""

    def sort_key(self) -> tuple[str, str, str, str, str]:
        return (self.plan_id, self.day, self.recorded_at, self.rule_id, self.event_id or self.goal_id or "")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AuditFinding:
        effective = data["effective_on"]
        return cls(
            rule_id=data["rule_id"],
            severity=data["severity"],
            plan_id=data["plan_id"],
            goal_id=data["goal_id"],
            event_id=data["event_id"],
            actor=data["actor"],
            recorded_at=data["recorded_at"],
            effective_on=date.fromisoformat(effective) if effective else None,
            reason=data["reason"],
            message=data["message"],
            detail=data["detail"],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "plan_id": self.plan_id,
            "goal_id": self.goal_id,
            "event_id": self.event_id,
            "actor": self.actor,
            "recorded_at": self.recorded_at,
            "effective_on": self.effective_on.isoformat() if self.effective_on else None,
            "reason": self.reason,
            "message": self.message,
            "detail": dict(self.detail),
        }


@frozen(kw_only=True)
class AuditSettings:
    """The thresholds rules read; each has a command-line option (docs/audit.md)."""

    late_after_days: int = 7
    moved_more_than: int = 2
    review_window_days: int = 14
    overdue_high_after_days: int = 30
    sign_within_days: int = 30


@frozen
class Step:
    """One event and the plan just before and just after it."""

    record: RecordedEvent
    before: PlanState
    after: PlanState


class PlanWalk:
    """One plan's log, as far as the audit reads it, with every step of its fold.

    Built once per plan and shared by every rule, so the fold runs once however many rules there
    are. Rules skip entries later marked entered-in-error where that matters (``final.corrected``).
    """

    def __init__(self, records: Iterable[RecordedEvent]) -> None:
        self.records: tuple[RecordedEvent, ...] = tuple(records)

    @property
    def plan_id(self) -> str:
        return self.records[0].plan_id if self.records else ""

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        steps: list[Step] = []
        state = PlanState(plan_id=self.plan_id)
        for record in self.records:
            after = apply(state, record.event, record)
            steps.append(Step(record, state, after))
            state = after
        return tuple(steps)

    @property
    def final(self) -> PlanState:
        return self.steps[-1].after if self.steps else PlanState(plan_id=self.plan_id)

    def live_steps(self) -> Iterator[Step]:
        """Steps whose event was not later marked entered-in-error."""
        corrected = self.final.corrected
        return (s for s in self.steps if s.record.event_id not in corrected)


@frozen(kw_only=True)
class AuditContext:
    """What every rule may read besides the plan: the report's day and the thresholds."""

    today: date
    as_of: datetime
    settings: AuditSettings = field(factory=AuditSettings)


PlanCheck = Callable[[PlanWalk, AuditContext], Iterable[AuditFinding]]
Finish = Callable[[AuditContext], Iterable[AuditFinding]]


@frozen(kw_only=True)
class AuditRule:
    """An audit rule. ``start`` returns a fresh checker per report, so state never leaks between runs.

    ``start()`` gives ``(check, finish)``: ``check`` is called once per plan, ``finish`` (or None)
    once after the last plan, for rules that compare plans.
    """

    id: str
    title: str
    explanation: str
    start: Callable[[], tuple[PlanCheck, Finish | None]]
    plugin: str = ""


def audit_rule(rule_id: str, title: str, explanation: str) -> Callable[[PlanCheck], AuditRule]:
    """Make a per-plan rule from a function ``(walk, context) -> findings``."""

    def make(check: PlanCheck) -> AuditRule:
        return AuditRule(id=rule_id, title=title, explanation=explanation, start=lambda: (check, None))

    return make
