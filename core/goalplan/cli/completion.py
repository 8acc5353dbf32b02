"""Shell completion of plan ids, goal ids and --format values (docs/cli.md shows how to enable it).

Every parameter named ``plan``, ``goal``/``goals`` or ``fmt`` of every command, plugin commands
included, gets its completer here, so commands declare nothing. Completion reads the store named
by --db, $GOALPLAN_DB or the config file; it never creates a store, and any failure completes
nothing rather than printing an error into the user's shell.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click
from click.shell_completion import CompletionItem

from goalplan.api import Goalplan
from goalplan.cli.config import load_config
from goalplan.plugins import get_plugin_manager
from goalplan.projections.read_models import goal_rows

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def _store(ctx: click.Context) -> Goalplan | None:
    db = ctx.find_root().params.get("db")
    if not db or ctx.find_root().get_parameter_source("db") is click.core.ParameterSource.DEFAULT:
        db = os.environ.get("GOALPLAN_DB") or load_config().db or "goalplan.db"
    if "://" not in db and not Path(db).is_file():
        return None
    return Goalplan.open(db, create=False)  # nor goalplan's tables in a PostgreSQL schema


def complete_plan(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    try:
        gp = _store(ctx)
        if gp is None:
            return []
        with gp:
            return [
                CompletionItem(p.plan_id, help=f"{p.client_name} ({p.status})")
                for p in gp.plans()
                if p.plan_id.startswith(incomplete.upper())
            ]
    except Exception:
        return []


def _typed_plan(ctx: click.Context) -> str | None:
    """The plan argument typed before the word being completed.

    While an option's value is being completed (``intervention PLAN --goal <TAB>``) click's
    resilient parse stops at the option still missing its value, so the plan is left among
    ``ctx.args`` instead of ``ctx.params``; every command's first argument is its plan.
    """
    plan = ctx.params.get("plan")
    if plan:
        return str(plan)
    arguments = [p.name for p in ctx.command.params if isinstance(p, click.Argument)]
    if arguments[:1] == ["plan"] and ctx.args:
        return ctx.args[0]
    return None


def complete_goal(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Goal ids of the plan typed before, from the goal index (no fold of the plan's log)."""
    plan = _typed_plan(ctx)
    if not plan:
        return []
    try:
        gp = _store(ctx)
        if gp is None:
            return []
        with gp:
            rows = goal_rows(gp.store, gp.resolve_plan_id(plan))
            return [
                CompletionItem(goal_id, help=statement[:60])
                for _, goal_id, statement, _, _, _ in rows
                if goal_id.startswith(incomplete.upper())
            ]
    except Exception:
        return []


def complete_format(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    try:
        exporters = get_plugin_manager().exporters()
    except Exception:
        return []
    return [
        CompletionItem(name, help=e.description)
        for name, e in exporters.items()
        if name.startswith(incomplete)
    ]


COMPLETERS: dict[str, Completer] = {
    "plan": complete_plan,
    "goal": complete_goal,
    "goals": complete_goal,
    "fmt": complete_format,
}


def install_completion(command: click.Command) -> None:
    """Give each plan, goal and format parameter under ``command`` its completer."""
    for param in command.params:
        completer = COMPLETERS.get(param.name or "")
        if completer is not None and getattr(param, "_custom_shell_complete", None) is None:
            param._custom_shell_complete = completer
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            install_completion(sub)
