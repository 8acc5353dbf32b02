"""One pass over the log: every rule on every plan, the summary kept as counts on the way.

The report is a function of the log and the options only. Its day is ``--as-of`` or the moment
of the newest entry in the store, never the clock, so the same store and options give the same
report, and an earlier report is reproduced by passing its ``as_of``.

Memory stays flat in the size of the store: plans are read one at a time, the summary is kept
as counters, and findings go to a spool that moves to a private temporary file once it is large.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from attrs import define, field, frozen

from goalplan.audit.model import (
    SEVERITIES,
    AuditContext,
    AuditFinding,
    AuditRule,
    AuditSettings,
    PlanWalk,
    effective_day,
    recorded_day,
)
from goalplan.codec import RecordedEvent, format_timestamp
from goalplan.errors import GoalplanError

SPOOL_IN_MEMORY = 2**20  # bytes of findings kept in memory before the spool moves to disk


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


class FindingSpool:
    """Findings in the order added, as JSON lines: in memory while small, then in a temporary file.

    The temporary file is created readable by its owner only (tempfile's default) and removed
    when the spool is closed or collected.
    """

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - lives as long as the report
            max_size=SPOOL_IN_MEMORY, mode="w+", encoding="utf-8", newline="\n"
        )
        self.count = 0

    def add(self, finding: AuditFinding) -> None:
        self._file.write(json.dumps(finding.to_json(), ensure_ascii=False, sort_keys=True) + "\n")
        self.count += 1

    def __iter__(self) -> Iterator[AuditFinding]:
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            yield AuditFinding.from_json(json.loads(line))
        self._file.seek(0, 2)

    def close(self) -> None:
        self._file.close()


@define
class Tally:
    """The report's summary, counted as findings arrive."""

    severity: Counter[str] = field(factory=Counter)
    rule: Counter[str] = field(factory=Counter)
    month: Counter[str] = field(factory=Counter)
    actor: Counter[str] = field(factory=Counter)
    plan: Counter[str] = field(factory=Counter)
    corrections_by_actor: Counter[str] = field(factory=Counter)
    corrections_by_plan: Counter[str] = field(factory=Counter)
    goalposts_by_goal: Counter[str] = field(factory=Counter)
    # Per actor: how many dated entries were recorded N days after their date.
    lags: defaultdict[str, Counter[int]] = field(factory=lambda: defaultdict(Counter))

    def add(self, f: AuditFinding) -> None:
        self.severity[f.severity] += 1
        self.rule[f.rule_id] += 1
        self.month[f.day[:7]] += 1
        self.actor[f.actor] += 1
        self.plan[f.plan_id] += 1
        if f.rule_id == "audit.correction":
            self.corrections_by_actor[f.actor] += 1
            self.corrections_by_plan[f.plan_id] += 1
        if f.rule_id == "audit.goalpost-moved" and f.goal_id:
            self.goalposts_by_goal[f.goal_id] += 1

    def add_lags(self, walk: PlanWalk) -> None:
        for step in walk.steps:
            day = effective_day(step.record.event)
            if day is not None:
                self.lags[step.record.actor][(recorded_day(step.record) - day).days] += 1


def _percentile(histogram: Counter[int], fraction: float) -> float:
    """The value at ``fraction`` of the way through the sorted values (the median averages two)."""
    total = histogram.total()
    values = sorted(histogram)

    def nth(n: int) -> int:
        seen = 0
        for value in values:
            seen += histogram[value]
            if seen > n:
                return value
        return values[-1]

    if fraction == 0.5 and total % 2 == 0:
        return (nth(total // 2 - 1) + nth(total // 2)) / 2
    return nth(min(total - 1, int(fraction * total)))


@define(kw_only=True)
class AuditReport:
    """A finished report. ``findings`` reads them all; renderers stream ``iter_findings()``."""

    as_of: str
    scope: AuditScope
    settings: AuditSettings
    rules: tuple[AuditRule, ...]
    plans_read: int
    events_read: int
    head_position: int  # the highest store position the report read
    spool: FindingSpool
    tally: Tally
    checkpoint: dict[str, Any] | None = None  # the signed checkpoint at head_position, if any
    unverified: dict[str, str] = field(factory=dict)
    """Plans the report read although they fail verification (--allow-broken): id -> warning."""

    @property
    def integrity_warning(self) -> str:
        """Empty unless a plan the report read fails verification; then the sentence every page,
        line and object of the report carries, worded as for one plan's log."""
        if not self.unverified:
            return ""
        (_, first), *rest = sorted(self.unverified.items())
        if not rest:
            return first
        others = ", ".join(plan_id for plan_id, _ in rest)
        return f"{first} {len(rest)} more plan(s) read also fail verification: {others}."

    @property
    def today(self) -> date:
        return date.fromisoformat(self.as_of[:10])

    def iter_findings(self) -> Iterator[AuditFinding]:
        return iter(self.spool)

    @property
    def findings(self) -> tuple[AuditFinding, ...]:
        return tuple(self.spool)

    def by_severity(self) -> dict[str, int]:
        return {s: self.tally.severity.get(s, 0) for s in SEVERITIES}

    def by_rule(self) -> dict[str, int]:
        return {r.id: self.tally.rule.get(r.id, 0) for r in self.rules}

    def late_entry_distribution(self) -> dict[str, dict[str, float | int]]:
        """Per actor: how many dated entries, how many late, and how late they were recorded (days)."""
        out: dict[str, dict[str, float | int]] = {}
        for actor, histogram in sorted(self.tally.lags.items()):
            out[actor] = {
                "entries": histogram.total(),
                "late": sum(n for lag, n in histogram.items() if lag > self.settings.late_after_days),
                "median_days": _percentile(histogram, 0.5),
                "p90_days": _percentile(histogram, 0.9),
                "max_days": max(histogram),
            }
        return out

    def summary(self) -> dict[str, Any]:
        t = self.tally
        return {
            "findings": self.spool.count,
            "by_severity": self.by_severity(),
            "by_rule": self.by_rule(),
            "by_month": dict(sorted(t.month.items())),
            "by_actor": dict(sorted(t.actor.items())),
            "by_plan": dict(sorted(t.plan.items())),
            "corrections_by_actor": dict(sorted(t.corrections_by_actor.items())),
            "corrections_by_plan": dict(sorted(t.corrections_by_plan.items())),
            "goalposts_moved_by_goal": dict(sorted(t.goalposts_by_goal.items())),
            "late_entries_by_actor": self.late_entry_distribution(),
        }

    def header_json(self) -> dict[str, Any]:
        """Everything but the findings."""
        s = self.settings
        return {
            "as_of": self.as_of,
            "scope": self.scope.to_json(),
            "settings": {
                "late_after_days": s.late_after_days,
                "moved_more_than": s.moved_more_than,
                "review_window_days": s.review_window_days,
                "overdue_high_after_days": s.overdue_high_after_days,
                "sign_within_days": s.sign_within_days,
            },
            "store": {
                "checkpoint": self.checkpoint,
                "head_position": self.head_position,
                "plans_read": self.plans_read,
                "events_read": self.events_read,
            },
            "rules": [{"id": r.id, "title": r.title, "plugin": r.plugin} for r in self.rules],
            "summary": self.summary(),
        }

    def to_json(self) -> dict[str, Any]:
        data = {**self.header_json(), "findings": [f.to_json() for f in self.iter_findings()]}
        if self.integrity_warning:  # as `plan show --json` carries it: only when read so
            data["integrity_warning"] = self.integrity_warning
        return data

    def checkpoint_line(self) -> str:
        """One line naming the signed checkpoint the report was read up to, for footers."""
        c = self.checkpoint
        if not c:
            return f"store position {self.head_position} (no signed checkpoint)"
        return (
            f"signed checkpoint at position {c['position']} (plan {c['plan_id']} v{c['version']}, "
            f"head {c['hash'][:12]}, key {c['key_id'][:8]}, signature {c['signature'][:16]}…)"
        )

    def close(self) -> None:
        self.spool.close()


def run_audit(
    streams: Iterable[Sequence[RecordedEvent]],
    rules: Sequence[AuditRule],
    *,
    as_of: datetime,
    scope: AuditScope | None = None,
    settings: AuditSettings | None = None,
    integrity_warnings: Mapping[str, str] | None = None,
) -> AuditReport:
    """Run every rule over each stream in turn; only entries recorded by ``as_of`` are read.

    ``integrity_warnings``: plan id -> warning for plans read although they fail verification,
    filled by the time each stream is given; the report keeps those of the plans it takes.

    Findings come in plan order (as the streams are given), each plan's sorted by day; findings
    of rules that compare plans come last.
    """
    scope = scope or AuditScope()
    settings = settings or AuditSettings()
    stamp = format_timestamp(as_of)
    context = AuditContext(today=as_of.date(), as_of=as_of, settings=settings)
    started = [(rule, *rule.start()) for rule in rules]
    spool, tally = FindingSpool(), Tally()

    def keep(found: Iterable[AuditFinding]) -> None:
        for finding in sorted(found, key=AuditFinding.sort_key):
            if scope.takes_day(finding.day):
                spool.add(finding)
                tally.add(finding)

    plans = events = head = 0
    unverified: dict[str, str] = {}
    try:
        for stream in streams:
            walk = PlanWalk(r for r in stream if r.recorded_at <= stamp)
            head = max([head, *(r.position for r in walk.records)])
            if not walk.records or not scope.takes_plan(walk.plan_id, walk.final.clinician_name):
                continue
            plans += 1
            events += len(walk.records)
            if integrity_warnings and walk.plan_id in integrity_warnings:
                unverified[walk.plan_id] = integrity_warnings[walk.plan_id]
            tally.add_lags(walk)
            keep(f for rule, check, _ in started for f in _checked(rule, check(walk, context)))
        keep(f for rule, _, finish in started if finish is not None for f in _checked(rule, finish(context)))
    except BaseException:
        spool.close()  # a refused stream (a broken chain, say) ends the report; its spool goes too
        raise
    return AuditReport(
        as_of=stamp,
        scope=scope,
        settings=settings,
        rules=tuple(rules),
        plans_read=plans,
        events_read=events,
        head_position=head,
        spool=spool,
        tally=tally,
        unverified=unverified,
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
