"""One pass over the log: every rule on every plan, then the summary an auditor reads first.

The report is a function of the log and the options only. Its day is ``--as-of`` or the moment
of the newest entry in the store, never the clock, so the same store and options give the same
report, and an earlier report is reproduced by passing its ``as_of``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from statistics import median
from typing import Any

from attrs import field, frozen

from goalplan.audit.model import SEVERITIES, AuditContext, AuditFinding, AuditRule, AuditSettings, PlanWalk
from goalplan.codec import RecordedEvent, format_timestamp
from goalplan.errors import GoalplanError


class AuditRuleError(GoalplanError):
    """A registered audit rule raised or returned something that is not a finding."""


@frozen(kw_only=True)
class AuditScope:
    """Which part of the store a report covers. Empty tuples mean every plan."""

    plans: tuple[str, ...] = ()
    clinicians: tuple[str, ...] = ()
    from_day: date | None = None
    to_day: date | None = None

    def takes_plan(self, plan_id: str, clinician: str) -> bool:
        if self.plans and plan_id not in self.plans:
            return False
        return not self.clinicians or clinician.casefold() in {c.casefold() for c in self.clinicians}

    def takes_day(self, day: str) -> bool:
        if self.from_day and day < self.from_day.isoformat():
            return False
        return not (self.to_day and day > self.to_day.isoformat())

    def to_json(self) -> dict[str, Any]:
        return {
            "plans": list(self.plans),
            "clinicians": list(self.clinicians),
            "from": self.from_day.isoformat() if self.from_day else None,
            "to": self.to_day.isoformat() if self.to_day else None,
        }


@frozen(kw_only=True)
class AuditReport:
    as_of: str
    scope: AuditScope
    settings: AuditSettings
    rules: tuple[AuditRule, ...]
    findings: tuple[AuditFinding, ...]
    plans_read: int
    events_read: int
    head_position: int  # the highest store position the report read
    late_lags: dict[str, list[int]] = field(factory=dict)

    @property
    def today(self) -> date:
        return date.fromisoformat(self.as_of[:10])

    def counts(self, key: str) -> dict[str, int]:
        """Findings counted by a finding attribute or by ``month`` (of the day filed under)."""
        counted = Counter(f.day[:7] if key == "month" else str(getattr(f, key) or "") for f in self.findings)
        return dict(sorted(counted.items()))

    def by_severity(self) -> dict[str, int]:
        counted = Counter(f.severity for f in self.findings)
        return {s: counted.get(s, 0) for s in SEVERITIES}

    def by_rule(self) -> dict[str, int]:
        counted = Counter(f.rule_id for f in self.findings)
        return {r.id: counted.get(r.id, 0) for r in self.rules}

    def per(self, rule_id: str, key: str) -> dict[str, int]:
        return dict(sorted(Counter(getattr(f, key) for f in self.findings if f.rule_id == rule_id).items()))

    def late_entry_distribution(self) -> dict[str, dict[str, float | int]]:
        """Per actor: how many dated entries, and how late they were recorded (days)."""
        out: dict[str, dict[str, float | int]] = {}
        for actor, lags in sorted(self.late_lags.items()):
            ordered = sorted(lags)
            late = sum(1 for lag in ordered if lag > self.settings.late_after_days)
            out[actor] = {
                "entries": len(ordered),
                "late": late,
                "median_days": median(ordered),
                "p90_days": ordered[min(len(ordered) - 1, (9 * len(ordered)) // 10)],
                "max_days": ordered[-1],
            }
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "findings": len(self.findings),
            "by_severity": self.by_severity(),
            "by_rule": self.by_rule(),
            "by_month": self.counts("month"),
            "by_actor": self.counts("actor"),
            "by_plan": self.counts("plan_id"),
            "corrections_by_actor": self.per("audit.correction", "actor"),
            "corrections_by_plan": self.per("audit.correction", "plan_id"),
            "goalposts_moved_by_goal": self.per("audit.goalpost-moved", "goal_id"),
            "late_entries_by_actor": self.late_entry_distribution(),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "scope": self.scope.to_json(),
            "settings": {
                "late_after_days": self.settings.late_after_days,
                "moved_more_than": self.settings.moved_more_than,
                "review_window_days": self.settings.review_window_days,
                "overdue_high_after_days": self.settings.overdue_high_after_days,
                "sign_within_days": self.settings.sign_within_days,
            },
            "store": {
                "head_position": self.head_position,
                "plans_read": self.plans_read,
                "events_read": self.events_read,
            },
            "rules": [{"id": r.id, "title": r.title, "plugin": r.plugin} for r in self.rules],
            "summary": self.summary(),
            "findings": [f.to_json() for f in self.findings],
        }


def _dated_lags(walk: PlanWalk, lags: dict[str, list[int]]) -> None:
    from goalplan.audit.builtin import effective_day, recorded_day

    for step in walk.steps:
        day = effective_day(step)
        if day is not None:
            lags[step.record.actor].append((recorded_day(step) - day).days)


def run_audit(
    streams: Iterable[Sequence[RecordedEvent]],
    rules: Sequence[AuditRule],
    *,
    as_of: datetime,
    scope: AuditScope | None = None,
    settings: AuditSettings | None = None,
) -> AuditReport:
    """Run every rule over each stream in turn; only entries recorded by ``as_of`` are read."""
    scope = scope or AuditScope()
    settings = settings or AuditSettings()
    stamp = format_timestamp(as_of)
    context = AuditContext(today=as_of.date(), as_of=as_of, settings=settings)
    started = [(rule, *rule.start()) for rule in rules]
    findings: list[AuditFinding] = []
    lags: dict[str, list[int]] = defaultdict(list)
    plans = events = head = 0
    for stream in streams:
        walk = PlanWalk(r for r in stream if r.recorded_at <= stamp)
        head = max([head, *(r.position for r in walk.records)])
        if not walk.records or not scope.takes_plan(walk.plan_id, walk.final.clinician_name):
            continue
        plans += 1
        events += len(walk.records)
        _dated_lags(walk, lags)
        for rule, check, _ in started:
            findings.extend(_checked(rule, check(walk, context)))
    for rule, _, finish in started:
        if finish is not None:
            findings.extend(_checked(rule, finish(context)))
    kept = sorted((f for f in findings if scope.takes_day(f.day)), key=AuditFinding.sort_key)
    return AuditReport(
        as_of=stamp,
        scope=scope,
        settings=settings,
        rules=tuple(rules),
        findings=tuple(kept),
        plans_read=plans,
        events_read=events,
        head_position=head,
        late_lags=dict(lags),
    )


def _checked(rule: AuditRule, found: Iterable[AuditFinding]) -> list[AuditFinding]:
    try:
        items = list(found)
    except GoalplanError:
        raise
    except Exception as exc:
        raise AuditRuleError(f"audit rule {rule.id} failed: {type(exc).__name__}: {exc}") from exc
    for item in items:
        if not isinstance(item, AuditFinding):
            raise AuditRuleError(
                f"audit rule {rule.id} returned a {type(item).__name__}, not an AuditFinding."
            )
    return items
