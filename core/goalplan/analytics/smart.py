"""The SMART review: rules, their findings, and the run over one plan (``goalplan lint``).

A rule is data plus one function. Rules arrive through the ``register_smart_rules`` plugin
hook, the built-in ones from :mod:`goalplan.analytics.builtin_rules`, so a practice adds its own
the same way (docs/analytics.md). A goal rule is checked once per goal still in play; a plan
rule once per plan, with ``goal`` None. A finding can be silenced for one goal (or the plan)
with a reason recorded in the log; a silenced finding never fails the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from attrs import evolve, field, frozen

from goalplan.analytics.instruments import Instrument
from goalplan.domain import Goal, PlanState
from goalplan.errors import RejectedError

LEVELS = ("pass", "warn", "fail")
CATEGORIES = ("specific", "measurable", "achievable", "relevant", "time-bound", "framing", "plan")
SCOPES = ("goal", "plan")
# Goals still in play; completed, cancelled, rejected and entered-in-error goals are not linted.
LINTED_STATUSES = frozenset({"proposed", "planned", "accepted", "active", "on-hold"})


def _level(instance: Any, attribute: Any, value: str) -> None:
    if value not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)} (got {value!r})")


@frozen(kw_only=True)
class Finding:
    """What one rule found. ``rule_id`` and ``goal_id`` are filled in by :func:`lint` if left empty."""

    level: str = field(validator=_level)
    advice: str
    rule_id: str = ""
    goal_id: str | None = None
    silenced_reason: str | None = None

    @property
    def fails(self) -> bool:
        return self.level == "fail" and self.silenced_reason is None

    def to_json(self) -> dict[str, object]:
        return {
            "rule_id": self.rule_id,
            "goal_id": self.goal_id,
            "level": self.level,
            "advice": self.advice,
            "silenced": self.silenced_reason is not None,
            "silenced_reason": self.silenced_reason,
        }


@frozen(kw_only=True)
class LintContext:
    """What a rule may need besides the plan: the date, other plans' statements, the instruments."""

    today: date
    other_statements: Mapping[str, tuple[str, ...]] = field(factory=dict)
    instruments: Mapping[str, Instrument] = field(factory=dict)


Check = Callable[[Goal | None, PlanState, LintContext], Finding | None]


def _one_of(allowed: tuple[str, ...]) -> Callable[[Any, Any, str], None]:
    def check(instance: Any, attribute: Any, value: str) -> None:
        if value not in allowed:
            raise ValueError(f"{attribute.name} must be one of {', '.join(allowed)} (got {value!r})")

    return check


@frozen(kw_only=True)
class Rule:
    """A SMART (or practice) rule. ``check`` returns a Finding, or None when it does not apply."""

    id: str
    category: str = field(validator=_one_of(CATEGORIES))
    description: str
    check: Check
    scope: str = field(default="goal", validator=_one_of(SCOPES))
    plugin: str = ""

    @property
    def letter(self) -> str:
        """S, M, A, R, T for the SMART categories, "+" for framing, "P" for plan rules."""
        return {"framing": "+", "plan": "P"}.get(self.category, self.category[0].upper())


def goal_rule(rule_id: str, category: str, description: str) -> Callable[[Callable[..., Any]], Rule]:
    """Decorator: turn ``check(goal, state, context)`` into a goal-scoped Rule."""

    def make(func: Callable[..., Any]) -> Rule:
        return Rule(id=rule_id, category=category, description=description, check=func, scope="goal")

    return make


def plan_rule(rule_id: str, category: str, description: str) -> Callable[[Callable[..., Any]], Rule]:
    """Decorator: turn ``check(None, state, context)`` into a plan-scoped Rule."""

    def make(func: Callable[..., Any]) -> Rule:
        return Rule(id=rule_id, category=category, description=description, check=func, scope="plan")

    return make


@frozen(kw_only=True)
class LintReport:
    plan_id: str
    today: date
    findings: tuple[Finding, ...]

    @property
    def failed(self) -> bool:
        return any(f.fails for f in self.findings)

    def count(self, level: str) -> int:
        return sum(1 for f in self.findings if f.level == level and f.silenced_reason is None)

    @property
    def silenced(self) -> int:
        return sum(1 for f in self.findings if f.silenced_reason is not None)

    def for_goal(self, goal_id: str | None) -> list[Finding]:
        return [f for f in self.findings if f.goal_id == goal_id]

    def to_json(self) -> dict[str, object]:
        return {
            "plan_id": self.plan_id,
            "today": self.today.isoformat(),
            "failed": self.failed,
            "counts": {
                "pass": self.count("pass"),
                "warn": self.count("warn"),
                "fail": self.count("fail"),
                "silenced": self.silenced,
            },
            "findings": [f.to_json() for f in self.findings],
        }


def linted_goals(state: PlanState) -> list[Goal]:
    return [g for g in state.goals.values() if g.status in LINTED_STATUSES]


def _run(rule: Rule, goal: Goal | None, state: PlanState, context: LintContext) -> Finding | None:
    try:
        found = rule.check(goal, state, context)
    except Exception as exc:  # a broken practice rule must show, not stop the review
        source = f" (plugin {rule.plugin})" if rule.plugin else ""
        problem = f"{type(exc).__name__}: {exc}"
        found = Finding(
            level="warn", advice=f"The rule {rule.id}{source} could not run ({problem}); fix or remove it."
        )
    if found is None:
        return None
    return evolve(found, rule_id=rule.id, goal_id=goal.goal_id if goal else None)


def lint(state: PlanState, rules: Iterable[Rule], context: LintContext) -> LintReport:
    """Every rule over the plan (plan rules first, then each goal), with silences applied."""
    rules = list(rules)
    findings: list[Finding] = []
    for rule in rules:
        if rule.scope == "plan":
            found = _run(rule, None, state, context)
            if found:
                findings.append(found)
    for goal in linted_goals(state):
        for rule in rules:
            if rule.scope == "goal":
                found = _run(rule, goal, state, context)
                if found:
                    findings.append(found)
    reasons = {(s.goal_id, s.rule_id): s.reason for s in state.silences}
    findings = [
        evolve(f, silenced_reason=reasons[(f.goal_id, f.rule_id)]) if (f.goal_id, f.rule_id) in reasons else f
        for f in findings
    ]
    return LintReport(plan_id=state.plan_id, today=context.today, findings=tuple(findings))


def find_rule(rules: Iterable[Rule], rule_id: str) -> Rule:
    by_id = {r.id: r for r in rules}
    if rule_id not in by_id:
        known = ", ".join(sorted(by_id)) or "none"
        raise RejectedError("rule", f"no rule {rule_id!r}; registered rules: {known}.")
    return by_id[rule_id]


# Wording helpers shared by the built-in rules, and usable by a practice's own -------------------


def contains_phrase(tokens: list[str], phrase: str) -> int:
    """Index of the first occurrence of a (multi-word) phrase in ``tokens``, or -1."""
    parts = phrase.split()
    for i in range(len(tokens) - len(parts) + 1):
        if tokens[i : i + len(parts)] == parts:
            return i
    return -1
