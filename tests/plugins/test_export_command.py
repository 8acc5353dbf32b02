"""goalplan export: one plan or --all, unknown formats and options, failing exporters."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

import goalplan
from goalplan import Exporter, PlanLog
from goalplan.cli import plugin_commands
from goalplan.exporting import ExportFailed, export_all, iter_plan_logs, render, safe_file_name
from goalplan.plugins import PluginManager, make_plugin_manager

Invoke = Callable[..., Result]


class Flaky:
    """A plugin with a 'boom' exporter that fails on chosen plans and a 'text' one returning str."""

    def __init__(self, fail_on: set[str]) -> None:
        self.fail_on = fail_on

    def _boom(self, log: PlanLog, options: Mapping[str, str]) -> bytes:
        if log.plan_id in self.fail_on:
            raise KeyError("goal_tags")
        return f"ok {log.plan_id}\n".encode()

    @goalplan.hookimpl
    def register_exporters(self) -> list[Exporter]:
        return [
            Exporter(
                name="boom", suffix=".txt", media_type="text/plain", description="fails", render=self._boom
            ),
            Exporter(
                name="text",
                suffix=".txt",
                media_type="text/plain",
                description="returns str",
                render=lambda log, options: "not bytes",  # type: ignore[arg-type,return-value]
            ),
        ]


class Meddler:
    """An exporter that tries to change the plan it was given."""

    @goalplan.hookimpl
    def register_exporters(self) -> list[Exporter]:
        def meddle(log: PlanLog, options: Mapping[str, str]) -> bytes:
            log.state.goals.clear()  # type: ignore[attr-defined]
            return b"meddled"

        return [
            Exporter(name="meddle", suffix=".txt", media_type="text/plain", description="x", render=meddle)
        ]


def use_plugins(monkeypatch: pytest.MonkeyPatch, *extra: object) -> PluginManager:
    pm = make_plugin_manager(load_entry_points=False, extra=extra, strict=True)
    monkeypatch.setattr(plugin_commands, "get_plugin_manager", lambda: pm)
    return pm


def open_plans(gp: goalplan.Goalplan, count: int) -> list[str]:
    ids = []
    for n in range(count):
        plan = gp.open_plan(client=f"Client {n}", clinician="Dr. Ruiz", opened=date(2026, 1, 5))
        plan.set_goal(
            f"I will go to {n + 1} gatherings.",
            measure=goalplan.Measure(name="gatherings", unit="per month", baseline=0, target=n + 1),
        )
        ids.append(plan.id)
    return ids


def test_export_one_plan_to_stdout_and_to_a_file(
    invoke: Invoke, panic_plan: goalplan.Plan, tmp_path: Path
) -> None:
    expected = render(make_plugin_manager(load_entry_points=False).exporter("csv"), panic_plan.log(), {})
    result = invoke("export", panic_plan.id[:6], "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == expected
    out = tmp_path / "plan.csv"
    result = invoke("export", panic_plan.id, "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == expected


def test_unknown_format_exits_non_zero_and_lists_the_available_ones(
    invoke: Invoke, panic_plan: goalplan.Plan, tmp_path: Path
) -> None:
    out = tmp_path / "x.out"
    result = invoke(
        "export", panic_plan.id, "--format", "xlsx", "-o", str(out), env={"GOALPLAN_LOAD_PLUGINS": ""}
    )
    assert result.exit_code == 1
    available = ", ".join(make_plugin_manager(load_entry_points=False).exporters())
    assert "csv" in available
    assert f"--format: there is no format 'xlsx'; available formats: {available}." in result.stderr
    assert not out.exists()


def test_unknown_option_key_is_refused_by_name_and_nothing_is_written(
    invoke: Invoke, panic_plan: goalplan.Plan, tmp_path: Path
) -> None:
    result = invoke("export", "--all", "--format", "csv", "--out", str(tmp_path / "o"), "--option", "tabel=x")
    assert result.exit_code == 1
    assert (
        "--option tabel: is not an option of the csv format; "
        "its options are: bom, delimiter, key, profile, scope, table." in (result.stderr)
    )
    assert not (tmp_path / "o").exists()
    result = invoke("export", panic_plan.id, "--format", "csv", "--option", "table")
    assert result.exit_code == 1
    assert "--option: must be KEY=VALUE, got 'table'." in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--all",), "--all needs --out DIR"),
        (("PLAN", "--all", "--out", "d"), "either PLAN or --all"),
        ((), "give a PLAN, or --all"),
    ],
)
def test_export_usage_errors(invoke: Invoke, args: tuple[str, ...], message: str) -> None:
    result = invoke("export", "--format", "csv", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_export_all_writes_one_file_per_plan(invoke: Invoke, gp: goalplan.Goalplan, tmp_path: Path) -> None:
    ids = open_plans(gp, 3)
    out = tmp_path / "exports"
    result = invoke("export", "--all", "--format", "csv", "--out", str(out), "--option", "table=goals")
    assert result.exit_code == 0, result.output
    assert "Wrote 3 csv file(s)" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{i}.csv" for i in ids)
    exporter = make_plugin_manager(load_entry_points=False).exporter("csv")
    for plan_id in ids:
        assert (out / f"{plan_id}.csv").read_bytes() == render(exporter, gp.plan(plan_id).log(), {})


def test_a_failing_exporter_is_named_and_leaves_the_store_and_other_output_intact(
    invoke: Invoke,
    gp: goalplan.Goalplan,
    panic_plan: goalplan.Plan,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_plugins(monkeypatch, Flaky(fail_on={panic_plan.id}))
    out = tmp_path / "plan.csv"
    assert invoke("export", panic_plan.id, "--format", "csv", "-o", str(out)).exit_code == 0
    good = out.read_bytes()
    head = gp.store.head_position()

    result = invoke("export", panic_plan.id, "--format", "boom", "-o", str(out))

    assert result.exit_code == 1
    assert (
        f"the boom exporter (plugin Flaky) failed on plan {panic_plan.id}: KeyError: 'goal_tags'"
        in result.stderr
    )
    assert out.read_bytes() == good  # the earlier csv file is untouched
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []  # no temporary or partial file
    assert gp.store.head_position() == head
    assert gp.verify() == []
    again = invoke("export", panic_plan.id, "--format", "csv")
    assert again.stdout_bytes == good  # the good exporter still gives the same bytes


def test_export_all_stops_at_a_failure_keeping_written_files_and_leaving_no_partial_one(
    invoke: Invoke, gp: goalplan.Goalplan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = open_plans(gp, 4)
    use_plugins(monkeypatch, Flaky(fail_on={ids[2]}))
    out = tmp_path / "boom"
    result = invoke("export", "--all", "--format", "boom", "--out", str(out))
    assert result.exit_code == 1
    assert (
        f"failed on plan {ids[2]}: KeyError: 'goal_tags' (2 file(s) already written to {out} were kept.)"
        in (result.stderr)
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{i}.txt" for i in ids[:2])  # no temp, no partial
    for plan_id in ids[:2]:
        assert (out / f"{plan_id}.txt").read_text() == f"ok {plan_id}\n"


def test_an_exporter_returning_text_instead_of_bytes_is_reported(
    invoke: Invoke, panic_plan: goalplan.Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_plugins(monkeypatch, Flaky(fail_on=set()))
    result = invoke("export", panic_plan.id, "--format", "text")
    assert result.exit_code == 1
    assert "the text exporter (plugin Flaky) returned str, not bytes." in result.stderr


def test_one_exporter_cannot_change_what_another_exporter_sees(panic_plan: goalplan.Plan) -> None:
    pm = make_plugin_manager(load_entry_points=False, extra=(Meddler(),), strict=True)
    log = panic_plan.log()
    before = render(pm.exporter("csv"), log, {})
    assert render(pm.exporter("meddle"), log, {}) == b"meddled"
    assert render(pm.exporter("csv"), log, {}) == before
    assert len(log.state.goals) == 2


def test_safe_file_names_keep_goalplan_ids_and_separate_foreign_ones() -> None:
    assert safe_file_name("7K3F9Q2M4X8B1C0D") == "7K3F9Q2M4X8B1C0D"
    a, b = safe_file_name("../etc/passwd"), safe_file_name("..-etc-passwd")
    assert "/" not in a and not a.startswith(".")
    assert a != b


def test_deidentified_export_all_names_files_by_pseudonym_not_plan_id(
    invoke: Invoke, gp: goalplan.Goalplan, tmp_path: Path
) -> None:
    ids = open_plans(gp, 3)
    out = tmp_path / "research"
    key = "a-practice-secret-of-enough-length"
    result = invoke(
        "export", "--all", "--format", "csv", "--out", str(out), "--option", "profile=deidentified",
        env={"GOALPLAN_PSEUDONYM_KEY": key},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 3
    for name in names:
        assert re.fullmatch(r"p[0-9a-f]{20}\.csv", name), name
        text = (out / name).read_text(encoding="utf-8")
        assert name.removesuffix(".csv") in text  # the file is named by the pseudonym it holds
        assert not any(plan_id in text or plan_id in name for plan_id in ids)


def test_a_failing_file_stem_is_reported_like_a_failing_render(gp: goalplan.Goalplan, tmp_path: Path) -> None:
    def stem(log: PlanLog, options: Mapping[str, str]) -> str:
        raise ValueError("no name")

    exporter = Exporter(
        name="named", suffix=".txt", media_type="text/plain", description="x",
        render=lambda log, options: b"", file_stem=stem, plugin="Namer",
    )  # fmt: skip
    open_plans(gp, 1)
    with pytest.raises(ExportFailed, match=r"the named exporter \(plugin Namer\) could not name the file"):
        list(export_all(iter_plan_logs(gp.store), exporter, {}, tmp_path / "n"))
    assert not (tmp_path / "n").exists()
