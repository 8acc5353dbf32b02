"""Every --json output has a JSON Schema under docs/schemas/, and real output validates against it.

A schema lists every key of each object as required and allows no other, so a key printed but
not documented fails here, naming the key, the command and the schema file to extend.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import click
import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

import goalplan
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def load_tables() -> ModuleType:
    spec = importlib.util.spec_from_file_location("schema_tables", SCHEMAS / "tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    return loaded


REGISTRY: Registry[Any] = Registry().with_resources(
    (path.name, Resource.from_contents(json.loads(path.read_text(encoding="utf-8"))))
    for path in SCHEMAS.glob("*.schema.json")
)

# The command (as typed after `goalplan`, {plan} filled in) whose --json output each schema describes.
OUTPUTS: dict[str, tuple[str, ...]] = {
    "plan-show": ("plan", "show", "{plan}"),
    "plan-list": ("plan", "list"),
    "history": ("history", "{plan}"),
    "analytics": ("analytics", "{plan}", "--today", "2026-03-01"),
    "lint": ("lint", "{plan}", "--today", "2026-03-01"),
    "lint-rules": ("lint", "rules"),
    "instruments": ("instruments",),
    "gas": ("gas", "{plan}"),
    "plugins": ("plugins",),
    "verify": ("verify",),
    "audit": ("audit", "--format", "json"),
    "keys": ("keys",),
    "users-list": ("users", "list"),
    "users-log": ("users", "log"),
}

# A key printed only under a flag (`--allow-broken`) is described but not required; its description
# says so, in these words.
OPTIONAL = "Only with `goalplan --allow-broken`"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A plan with every list and every optional object filled, so every key appears."""
    db = tmp_path_factory.mktemp("schemas") / "plans.db"
    with goalplan.open(db, actor="dr.ruiz") as gp:
        plan = gp.open_plan(
            client="Jordan K.",
            clinician="Dr. Ruiz",
            credentials="PhD",
            opened=date(2026, 1, 5),
            birth_date=date(2010, 3, 1),
            guardian="Sam K.",
            guardian_relationship="parent",
        )
        measure = goalplan.Measure(name="panic attacks", unit="per week", baseline=3, target=0.5)
        goal = plan.set_goal("I will have fewer attacks", focus="Panic", measure=measure, by=date(2026, 4, 1))
        plan.set_goal("I will call a friend each week", status="proposed")
        plan.add_step(goal, "Breathe slowly", by=date(2026, 1, 20))
        plan.plan_intervention(
            "CBT", "exposure", "weekly", goals=[goal], type="individual", minutes=50, sessions=1, per="week",
            provider="Dr. Ruiz", provider_credentials="PhD", starts=date(2026, 1, 12),
        )  # fmt: skip
        plan.add_diagnosis("F41.0", focus=["Panic"], primary=True)
        for day, value in ((12, 3.0), (19, 2.0), (26, 1.0)):
            plan.record_progress(goal, value, on=date(2026, 1, day))
        plan.record_score("PHQ-9", 18, items=(2, 2, 2, 2, 2, 2, 2, 2, 2), on=date(2026, 1, 6), goal=goal)
        plan.review_safety(reason="safety plan made", on=date(2026, 1, 6))
        plan.record_score("PHQ-9", 6, on=date(2026, 2, 20), goal=goal)
        plan.set_gas_scale(goal, {-2: "a", -1: "b", 0: "c", 1: "d", 2: "e"}, weight=2)
        plan.score_gas(goal, 0, on=date(2026, 1, 30))
        plan.score_gas(goal, 1, on=date(2026, 2, 27))
        plan.change_status(goal, "on-hold", reason="travel")
        plan.change_status(goal, "active", reason="back")
        plan.hold_review(held=date(2026, 2, 1), summary="going well", next=date(2026, 5, 1))
        plan.sign(role="client", name="Jordan K.", on=date(2026, 1, 5))
        plan.give_copy(to="Jordan K.", on=date(2026, 1, 5), method="in person")
        plan.revise_goal(goal, reason="clearer", statement="I will have fewer panic attacks")
        report = plan.lint(today=date(2026, 3, 1))
        warned = next(f for f in report.findings if f.level != "pass" and f.goal_id is not None)
        plan.silence(warned.rule_id, reason="agreed with the client", goal=warned.goal_id)
    add_accounts(Path(f"{db}.accounts.db"))
    return db, plan.id


def add_accounts(path: Path) -> None:
    """Accounts with an entry of every kind written today, so `users list` and `users log` print every key."""
    from argon2 import PasswordHasher

    from goalplan_web.account_store import AccountStore

    accounts = AccountStore(path, hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    try:
        password = "a long enough password"
        accounts.add("boss", "admin", password, actor="setup", reason="first-run setup")
        accounts.add("ruiz", "clinician", password, actor="boss", clinician_name="Dr. Ruiz")
        link = accounts.create_with_link(
            "chen", "supervisor", actor="boss", supervises=["Dr. Ruiz"], reason="lead"
        )
        accounts.set_password_with_link(link, password)
        accounts.change_role(
            "ruiz", "auditor", actor="boss", reason="audits now", clinician_name="", supervises=()
        )
        accounts.reset_password("chen", actor="boss", reason="forgot")
        accounts.new_feed_token("chen")
        accounts.new_feed_token("chen")
        accounts.revoke_feed_token("chen")
        accounts.disable("ruiz", actor="boss", reason="left")
        accounts.enable("ruiz", actor="boss", reason="back")
    finally:
        accounts.close()


def run_json(db: Path, plan: str, args: tuple[str, ...]) -> Any:
    install_plugin_commands(cli)
    json_flag = [] if "--format" in args else ["--json"]  # audit: --format json
    argv = ["--db", str(db), *(a.format(plan=plan) for a in args), *json_flag]
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output  # lint exits 1 when a goal fails
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_real_output_validates_against_its_schema(store: tuple[Path, str], name: str) -> None:
    db, plan = store
    output = run_json(db, plan, OUTPUTS[name])
    validator = Draft202012Validator(schema(name), registry=REGISTRY)
    errors = sorted(validator.iter_errors(output), key=lambda e: e.json_path)
    assert not errors, "\n".join(
        f"goalplan {' '.join(OUTPUTS[name])} --json: at {e.json_path}: {e.message}. Describe the key in "
        f"docs/schemas/{name}.schema.json (or the schema it refers to), then run "
        "python docs/schemas/tables.py --write."
        for e in errors
    )


def test_an_undocumented_key_fails_validation_by_name(store: tuple[Path, str]) -> None:
    db, plan = store
    output = run_json(db, plan, OUTPUTS["plan-show"])
    output["goals"][0]["analytics"]["surprise"] = 1
    (error,) = Draft202012Validator(schema("plan-show"), registry=REGISTRY).iter_errors(output)
    assert "'surprise' was unexpected" in error.message


def json_commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        if any(p.name == "as_json" for p in command.params):
            yield (*path, name)
        if isinstance(command, click.Group):
            yield from json_commands(command, (*path, name))


def test_every_command_with_json_output_has_a_schema_and_is_checked_here() -> None:
    install_plugin_commands(cli)
    checked = {
        tuple(a for a in args if not a.startswith(("{", "--")) and not a[0].isdigit())
        for args in OUTPUTS.values()
    }
    checked |= {("gas", "show"), ("lint", "check")}  # `gas PLAN` and `lint PLAN` run these
    missing = set(json_commands(cli)) - checked
    assert not missing, f"--json without a schema in docs/schemas/ and a test here: {sorted(missing)}"
    assert {p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json")} == {
        *OUTPUTS,
        "common",
    }


def walk(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{where}/{i}")


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*.schema.json")), ids=lambda p: p.name)
def test_every_key_is_described_required_and_the_only_one_allowed(path: Path) -> None:
    loaded = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(loaded)
    for where, node in walk(loaded, path.name):
        if isinstance(node.get("properties"), dict) and where.split("/")[-1] != "properties":
            assert node.get("additionalProperties") is False, f"{where}: allows undocumented keys"
            props = node["properties"]
            always = sorted(k for k, p in props.items() if not p.get("description", "").startswith(OPTIONAL))
            assert sorted(node.get("required", [])) == always, f"{where}: not every key is required"
            for key, prop in node["properties"].items():
                assert prop.get("description"), f"{where}/properties/{key} has no description"


def test_docs_json_md_tables_are_the_schemas() -> None:
    tables = load_tables()
    current = tables.JSON_MD.read_text(encoding="utf-8")
    assert tables.render(current) == current, "run python docs/schemas/tables.py --write"
    for name in OUTPUTS:
        assert f"<!-- schema: {name} -->" in current, f"docs/json.md has no table for {name}"


def printed_paths(value: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            name = "<id>" if len(key) == 16 and key.isalnum() and key.isupper() else key
            path = f"{prefix}.{name}" if prefix else name
            yield path
            yield from printed_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            yield from printed_paths(item, f"{prefix}[]")


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_every_documented_key_is_printed(store: tuple[Path, str], name: str) -> None:
    db, plan = store
    rows = load_tables().rows(schema(name), name, "")
    documented = {path for path, _, meaning in rows if not meaning.startswith(OPTIONAL)}
    if name == "verify":  # a sound store has no problems: the broken-store test below prints them
        documented = {path for path in documented if not path.startswith("problems[].")}
    printed = set(printed_paths(run_json(db, plan, OUTPUTS[name])))
    assert documented <= printed, f"documented but never printed: {sorted(documented - printed)}"


@pytest.fixture(scope="module")
def broken_store(store: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The same plan with one recorded value edited behind goalplan's back (its guard dropped)."""
    db, plan = store
    copy = tmp_path_factory.mktemp("broken") / "plans.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as conn:
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute(
            "UPDATE events SET payload = replace(payload, '\"value\":3', '\"value\":1') "
            "WHERE position = (SELECT min(position) FROM events WHERE type = 'progress_recorded')"
        )
    return copy, plan


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("verify", ("verify",)),
        ("plan-show", ("--allow-broken", "plan", "show", "{plan}")),
        ("history", ("--allow-broken", "history", "{plan}")),
        ("lint", ("--allow-broken", "lint", "{plan}", "--today", "2026-03-01")),
        ("analytics", ("--allow-broken", "analytics", "{plan}", "--today", "2026-03-01")),
        ("gas", ("--allow-broken", "gas", "{plan}")),
        ("audit", ("--allow-broken", "audit", "--format", "json")),
    ],
)
def test_output_about_a_broken_log_validates_and_prints_its_problem_keys(
    broken_store: tuple[Path, str], name: str, args: tuple[str, ...]
) -> None:
    db, plan = broken_store
    output = run_json(db, plan, args)
    errors = list(Draft202012Validator(schema(name), registry=REGISTRY).iter_errors(output))
    assert not errors, [f"{e.json_path}: {e.message}" for e in errors]
    printed = set(printed_paths(output))
    documented = {path for path, _, _ in load_tables().rows(schema(name), name, "")}
    if name == "verify":
        assert output["ok"] is False and documented <= printed
    else:
        assert {p for p in documented if p.endswith("integrity_warning")} <= printed


def test_gas_is_the_analytics_gas_object_plus_its_warning() -> None:
    """gas.schema.json repeats analytics' gas_summary (so it can add integrity_warning): kept equal."""
    gas, analytics = schema("gas"), schema("analytics")
    summary = analytics["$defs"]["gas_summary"]
    own = {k: v for k, v in gas["properties"].items() if k != "integrity_warning"}
    assert own["goals"]["items"] == {"$ref": "#/$defs/gas_goal"}
    assert {**own, "goals": summary["properties"]["goals"]} == summary["properties"]
    assert gas["required"] == summary["required"]
    assert gas["$defs"]["gas_goal"] == analytics["$defs"]["gas_goal"]
