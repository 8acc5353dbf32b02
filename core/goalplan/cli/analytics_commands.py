"""goalplan lint, score, instruments, gas and analytics: the SMART review and measurement-based care."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import click

from goalplan.analytics import (
    GasSummary,
    InstrumentSummary,
    LintReport,
    PlanAnalytics,
    Rule,
)
from goalplan.cli.context import (
    DATE,
    OBSERVED_DATE,
    AppContext,
    actor_option,
    emit_json,
    json_option,
    pass_app,
)
from goalplan.domain import PlanState
from goalplan.errors import RejectedError
from goalplan.events import GAS_LEVELS
from goalplan.plugins import get_plugin_manager
from goalplan.text import mark_broken, printable


class DefaultGroup(click.Group):
    """A group whose first argument, when it is not a subcommand, goes to a default subcommand.

    So ``goalplan lint PLAN`` and ``goalplan lint silence PLAN ...`` both read naturally.
    """

    def __init__(self, *args: Any, default: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_command = default

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


def today_option(func: Any) -> Any:
    return click.option(
        "--today", type=DATE, default=None, help="Judge dates as of this day (default: today)."
    )(func)


# lint ----------------------------------------------------------------------------------------


@click.group(
    "lint", cls=DefaultGroup, default="check", subcommand_metavar="PLAN [OPTIONS] | COMMAND [ARGS]..."
)
def lint_group() -> None:
    """SMART review of a plan: goalplan lint PLAN; silence a finding; list the rules."""


@lint_group.command("check")
@click.argument("plan")
@today_option
@click.option("--quiet", is_flag=True, help="Show only warnings and failures.")
@json_option
@pass_app
def lint_check(app: AppContext, plan: str, today: date | None, quiet: bool, as_json: bool) -> None:
    """Check every goal against the SMART rules; exit 1 if any goal fails one."""
    handle = app.goalplan().plan(plan)
    log = handle.log()
    report = handle.lint(today=today, log=log)
    if as_json:
        emit_json(with_warning(report.to_json(), log.integrity_warning))
    else:
        rules = {r.id: r for r in app.goalplan().smart_rules()}
        text = lint_text(report, log.state, rules, quiet=quiet)
        click.echo(printable(mark_broken(text, log.integrity_warning)), nl=False)
    if report.failed:
        sys.exit(1)


@lint_group.command("silence")
@click.argument("plan")
@click.argument("rule")
@click.option("--goal", default=None, help="The goal the finding is about (not for plan rules).")
@click.option("--reason", required=True, help="Why this finding is accepted; kept in the log.")
@actor_option
@pass_app
def lint_silence(
    app: AppContext, plan: str, rule: str, goal: str | None, reason: str, actor: str | None
) -> None:
    """Accept one rule's finding for one goal (or the plan), with a reason recorded in the log."""
    app.goalplan(actor).plan(plan).silence(rule, reason=reason, goal=goal)
    click.echo(f"Silenced {rule}" + (f" for goal {goal}." if goal else " for the plan."))


@lint_group.command("rules")
@json_option
@pass_app
def lint_rules(app: AppContext, as_json: bool) -> None:
    """List the registered rules: id, SMART letter, scope, plugin and what each checks."""
    rules = get_plugin_manager().smart_rules()  # no store needed
    if as_json:
        emit_json([_rule_json(r) for r in rules])
        return
    for rule in rules:
        click.echo(f"{rule.letter}  {rule.id:<24} {rule.scope:<4}  {rule.description}  [{rule.plugin}]")


def _rule_json(rule: Rule) -> dict[str, str]:
    return {
        "id": rule.id,
        "category": rule.category,
        "letter": rule.letter,
        "scope": rule.scope,
        "description": rule.description,
        "plugin": rule.plugin,
    }


_MARK = {"pass": "pass", "warn": "WARN", "fail": "FAIL"}


def lint_text(report: LintReport, state: PlanState, rules: dict[str, Rule], *, quiet: bool = False) -> str:
    lines = [f"SMART review of plan {report.plan_id} as of {report.today.isoformat()}"]

    def block(title: str, goal_id: str | None) -> None:
        found = [f for f in report.for_goal(goal_id) if not quiet or f.level != "pass"]
        if not found:
            return
        lines.extend(["", title])
        for f in found:
            rule = rules.get(f.rule_id)
            letter = rule.letter if rule else "?"
            if f.silenced_reason is not None:
                lines.append(
                    f"  {letter} {'silenced':<8} {f.rule_id}: {f.advice} (accepted: {f.silenced_reason})"
                )
            else:
                lines.append(f"  {letter} {_MARK[f.level]:<8} {f.rule_id}: {f.advice}")

    block("Plan", None)
    for goal_id, goal in state.goals.items():
        block(f'Goal {goal_id} "{goal.statement}"', goal_id)
    lines.append("")
    lines.append(
        f"{report.count('pass')} pass, {report.count('warn')} warn, {report.count('fail')} fail, "
        f"{report.silenced} silenced: " + ("FAILED" if report.failed else "nothing fails")
    )
    return "\n".join(lines) + "\n"


# scores and instruments ----------------------------------------------------------------------


def _items(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    parts = [p for p in text.replace(",", " ").split() if p]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise RejectedError("--items", f"must be whole numbers separated by commas (got {text!r}).") from None


@click.command("score", context_settings={"ignore_unknown_options": True})
@click.argument("plan")
@click.argument("instrument")
@click.argument("total", type=float)
@click.option("--items", default=None, help="Item scores in order, comma-separated (e.g. 1,2,0,3,...).")
@click.option(
    "--on", type=OBSERVED_DATE, default=None, help="Date the questionnaire was completed (default: today)."
)
@click.option("--goal", default=None, help="The goal this score measures, if any.")
@click.option("--note", default="", help="A short note on the administration.")
@actor_option
@pass_app
def score(
    app: AppContext,
    plan: str,
    instrument: str,
    total: float,
    items: str | None,
    on: date | None,
    goal: str | None,
    note: str,
    actor: str | None,
) -> None:
    """Record a standardised instrument score, e.g. goalplan score PLAN PHQ-9 14."""
    app.goalplan(actor).plan(plan).record_score(
        instrument, total, items=_items(items), on=on, goal=goal, note=note
    )


@click.command("instruments")
@json_option
@pass_app
def instruments(app: AppContext, as_json: bool) -> None:
    """List the registered instruments: range, severity bands and reliable-change parameters."""
    found = get_plugin_manager().instruments()  # no store needed
    if as_json:
        emit_json(
            [
                {
                    "id": i.id,
                    "name": i.name,
                    "items": i.items,
                    "minimum": i.minimum,
                    "maximum": i.maximum,
                    "bands": [
                        {"minimum": b.minimum, "maximum": b.maximum, "label": b.label} for b in i.bands
                    ],
                    "remission_below": i.remission_below,
                    "response_fraction": i.response_fraction,
                    "sd": i.sd,
                    "reliability": i.reliability,
                    "sources": list(i.sources),
                }
                for i in found.values()
            ]
        )
        return
    for i in found.values():
        bands = ", ".join(f"{b.minimum:g}-{b.maximum:g} {b.label}" for b in i.bands)
        rci = f"SD {i.sd:g}, r {i.reliability:g}" if i.sd and i.reliability else "no RCI parameters"
        click.echo(f"{i.id} ({i.name}): {i.items} items, total {i.minimum:g}-{i.maximum:g}; {bands}; {rci}")


# goal attainment scaling ---------------------------------------------------------------------


@click.group("gas", cls=DefaultGroup, default="show", subcommand_metavar="PLAN [--json] | COMMAND [ARGS]...")
def gas_group() -> None:
    """Goal Attainment Scaling: goalplan gas PLAN shows the T-score; scale and score goals."""


@gas_group.command("show")
@click.argument("plan")
@json_option
@pass_app
def gas_show(app: AppContext, plan: str, as_json: bool) -> None:
    """Each scaled goal's weight and level, and the Kiresuk-Sherman T-score."""
    handle = app.goalplan().plan(plan)
    log = handle.log()
    summary = handle.analytics(log=log).gas
    if as_json:
        emit_json(with_warning(summary.to_json(), log.integrity_warning))
    else:
        click.echo(printable(mark_broken(gas_text(summary), log.integrity_warning)), nl=False)


def _level_pairs(pairs: tuple[str, ...]) -> dict[int, str]:
    levels: dict[int, str] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        try:
            level = int(key.strip())
        except ValueError:
            level = 99
        if not sep or level not in GAS_LEVELS:
            raise RejectedError(
                "--level", f"must be LEVEL=TEXT with LEVEL -2, -1, 0, +1 or +2 (got {pair!r})."
            )
        levels[level] = text.strip()
    return levels


@gas_group.command("scale")
@click.argument("plan")
@click.argument("goal")
@click.option("--level", "level_pairs", multiple=True, required=True, help='LEVEL=TEXT, e.g. --level "0=..."')
@click.option(
    "--weight", type=float, default=1.0, show_default=True, help="The goal's weight in the T-score."
)
@click.option("--reason", default="", help="Why the scale is set or changed.")
@actor_option
@pass_app
def gas_scale(
    app: AppContext,
    plan: str,
    goal: str,
    level_pairs: tuple[str, ...],
    weight: float,
    reason: str,
    actor: str | None,
) -> None:
    """Describe what levels -2, -1, 0 (expected), +1 and +2 look like for a goal."""
    app.goalplan(actor).plan(plan).set_gas_scale(
        goal, _level_pairs(level_pairs), weight=weight, reason=reason
    )


@gas_group.command("score", context_settings={"ignore_unknown_options": True})
@click.argument("plan")
@click.argument("goal")
@click.argument("level")
@click.option("--on", type=OBSERVED_DATE, default=None, help="Date observed (default: today).")
@click.option("--note", default="", help="A short note.")
@actor_option
@pass_app
def gas_score(
    app: AppContext, plan: str, goal: str, level: str, on: date | None, note: str, actor: str | None
) -> None:
    """Record the level (-2..+2) a goal was found at."""
    try:
        value = int(level)
    except ValueError:
        raise RejectedError("level", f"must be a whole number from -2 to +2 (got {level!r}).") from None
    app.goalplan(actor).plan(plan).score_gas(goal, value, on=on, note=note)


def gas_text(summary: GasSummary) -> str:
    if not summary.goals:
        return "No goal has an attainment scale yet (goalplan gas scale PLAN GOAL --level 0=...).\n"
    lines = ["GOAL              WEIGHT  FIRST  LEVEL  DESCRIPTION"]
    for g in summary.goals:
        first = "—" if g.first_level is None else f"{g.first_level:+d}"
        level = "—" if g.level is None else f"{g.level:+d}"
        lines.append(f"{g.goal_id:<16}  {g.weight:>6g}  {first:>5}  {level:>5}  {g.description}")
    if summary.t_score is None:
        lines.append("T-score: no goal has been scored yet.")
    else:
        scored = sum(1 for g in summary.goals if g.level is not None)
        first = f" (first scores: {summary.first_t_score:.1f})" if summary.first_t_score is not None else ""
        lines.append(f"T-score: {summary.t_score:.1f}{first} over {scored} scored goal(s); 50 = as expected.")
    return "\n".join(lines) + "\n"


# analytics -----------------------------------------------------------------------------------


@click.command("analytics")
@click.argument("plan")
@today_option
@json_option
@pass_app
def analytics(app: AppContext, plan: str, today: date | None, as_json: bool) -> None:
    """Progress per goal (percent, trend, projection, on track, FHIR status), scores, RCI and GAS."""
    handle = app.goalplan().plan(plan)
    log = handle.log()
    report = handle.analytics(today=today, log=log)
    if as_json:
        emit_json(with_warning(report.to_json(), log.integrity_warning))
    else:
        text = analytics_text(report, log.state)
        click.echo(printable(mark_broken(text, log.integrity_warning)), nl=False)


def with_warning(data: dict[str, Any], warning: str) -> dict[str, Any]:
    """A JSON object read with --allow-broken gains ``integrity_warning``, as ``plan show`` does."""
    if warning:
        data["integrity_warning"] = warning
    return data


def with_analytics(data: dict[str, Any], report: PlanAnalytics) -> dict[str, Any]:
    """``plan show --json`` plus an ``analytics`` key on each goal and on the plan (keys only grow)."""
    for goal in data["goals"]:
        goal["analytics"] = report.goal(goal["goal_id"]).to_json()
    data["analytics"] = {
        "today": report.today.isoformat(),
        "instruments": [s.to_json() for s in report.instruments],
        "gas": report.gas.to_json(),
        "safety": [f.to_json() for f in report.safety],
    }
    return data


def _yes(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "no")


def instrument_text(s: InstrumentSummary) -> str:
    first = f"{s.first.total:g}" + (f" ({s.first_severity})" if s.first_severity else "")
    latest = f"{s.latest.total:g}" + (f" ({s.severity})" if s.severity else "")
    if s.count == 1:
        return f"{s.name}: {latest} on {s.latest.observed_on.isoformat()} (one score)"
    text = (
        f"{s.name}: {first} on {s.first.observed_on.isoformat()} → {latest} on "
        f"{s.latest.observed_on.isoformat()} ({s.count} scores)"
    )
    if s.change is not None:
        text += f"; {s.change.summary()}"
    return text + f"; response {_yes(s.response)}; remission {_yes(s.remission)}"


def analytics_text(report: PlanAnalytics, state: PlanState) -> str:
    lines = [f"Analytics for plan {report.plan_id} as of {report.today.isoformat()}"]
    if report.safety:
        lines += ["", "SAFETY (PHQ-9 item 9 above 0)"] + [f"  {f.describe()}" for f in report.safety]
    for item in report.goals:
        goal = state.goals[item.goal_id]
        p = item.progress
        lines += ["", f'Goal {goal.goal_id} [{goal.status}] "{goal.statement}"']
        m = goal.measure
        if m is None:
            lines.append("  No measure: percent, trend and projection need a baseline and a target.")
        else:
            latest = "no values yet" if p.latest is None else f"latest {p.latest:g} on {p.latest_on}"
            lines.append(f"  {m.name} ({m.unit}): {m.baseline:g} → {m.target:g} ({m.direction}); {latest}")
            if p.percent is not None:
                lines.append(f"  {p.percent:.0f}% of the way from baseline to target")
            if p.trend is not None:
                t = p.trend
                lines.append(
                    f"  Trend {t.slope_per_week:+.2f} a week (least squares over {t.points} values, "
                    f"{t.since.isoformat()} to {t.until.isoformat()})"
                )
            due = goal.target_date.isoformat() if goal.target_date else "no target date"
            projected = p.projected_on.isoformat() if p.projected_on else "—"
            lines.append(f"  Projected to reach target: {projected}; target date: {due}; {p.on_track}")
            lines.append(f"  Achievement status: {p.achievement}")
        for s in item.scores:
            lines.append(f"  {instrument_text(s)}")
        if item.gas_weight is not None:
            level = "not scored" if item.gas_level is None else f"{item.gas_level:+d}"
            lines.append(f"  Attainment level: {level} (weight {item.gas_weight:g})")
    if report.instruments:
        lines += ["", "Instruments (every score in the plan)"]
        lines += [f"  {instrument_text(s)}" for s in report.instruments]
    if report.gas.t_score is not None:
        lines += ["", f"Goal Attainment Scaling T-score: {report.gas.t_score:.1f} (50 = as expected)"]
    return "\n".join(lines) + "\n"
