"""Fuzzing every command and option of the command line.

For each command (plugins' included), hypothesis draws arguments and options from a mix of
valid values (the ids in a small store, real dates, known formats) and hostile ones (control,
bidi and surrogate characters, out-of-range dates, huge numbers, missing folders). Every run
must end with exit status 0, 1 or 2, at most two lines on stderr and no traceback; a run that
is refused (exit 1 or 2) must leave the store and the folder exactly as they were.

The seed is fixed (the ``ci`` profile derandomises) and the examples per command are few, so
the whole file runs in well under a minute.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import goalplan
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands

EXAMPLES_PER_COMMAND = 15
TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def _leaf_commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, (*path, name))
        else:
            yield (*path, name), command


install_plugin_commands(cli)
COMMANDS = dict(_leaf_commands(cli))


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("fuzz-base")
    db = folder / "plans.db"
    with goalplan.Goalplan.open(db, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="Ana", clinician="Dr. Ruiz", opened=date(2026, 1, 5))
        goal = plan.set_goal(
            "I will ride the bus",
            measure=goalplan.Measure(name="rides", unit="per week", baseline=0, target=3),
            by=date(2026, 4, 5),
        )
        step = plan.add_step(goal, "Ride one stop")
        plan.record_progress(goal, 1, on=date(2026, 1, 12))
        event = plan.log().records[-1].event_id
        plan.set_gas_scale(goal, ["a", "b", "c", "d", "e"])
        with open(folder / "backup.jsonl", "w", encoding="utf-8") as out:
            gp.export_log(out)
    (folder / "garbage.jsonl").write_text('{"not": "an event"}\n\x00\n', encoding="utf-8")
    ids = {"plan": plan.id, "goal": goal, "step": step, "event": event}
    return folder, ids


hostile_characters = st.one_of(
    st.sampled_from(list("\x00\x07\x1b\r\n\t\x85\x9b\u200b\u2028\u202e\u2066\ufeff\ud800\udcff=+-@|'\"%")),
    st.characters(min_codepoint=32, max_codepoint=0x2FFF),
)
hostile_text = st.one_of(
    st.text(hostile_characters, max_size=12),
    st.text(max_size=30),
    st.just("x" * 4001),
    st.just(""),
    st.just("Eve\x1b[2K\rMallory"),
)


def _dates() -> st.SearchStrategy[str]:
    return st.one_of(
        st.dates(min_value=date(2026, 1, 5), max_value=date.today()).map(date.isoformat),
        st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-30", TOMORROW, "2100-01-01", "1900-01-01"]),
        hostile_text,
    )


def _value(name: str, param: click.Parameter, folder: Path, ids: dict[str, str]) -> st.SearchStrategy[Any]:
    out = folder / "out"
    by_name: dict[str, st.SearchStrategy[Any]] = {
        "plan": st.sampled_from([ids["plan"], ids["plan"][:5].lower(), "NOPE"]),
        "goal": st.sampled_from([ids["goal"], ids["goal"][:5], "ZZZ"]),
        "goals": st.sampled_from([ids["goal"], "ZZZ"]),
        "step": st.sampled_from([ids["step"], "ZZZ"]),
        "event_id": st.sampled_from([ids["event"], ids["event"][:8], "nope"]),
        "instrument": st.sampled_from(["PHQ-9", "GAD-7", "phq9", "XYZ"]),
        "level": st.sampled_from(["-2", "0", "2", "3", "x"]),
        "rule": st.sampled_from(["smart.specific", "plan.review-overdue", "nope"]),
        "url": st.sampled_from(
            ["http://127.0.0.1:1/cal/", "ftp://x/", "not a url", "http://[::1/", "http://127.0.0.1:99999/"]
        ),
        "source": st.sampled_from([str(folder / "plans.db"), str(folder / "typo.db"), "mysql://x/y"]),
        "destination": st.sampled_from(
            [str(out / "copy.db"), str(folder / "plans.db"), str(folder / "nodir/c.db")]
        ),
        "file": st.sampled_from(
            [str(folder / "backup.jsonl"), str(folder / "garbage.jsonl"), str(folder / "none")]
        ),
        "fmt": st.sampled_from(["csv", "ics", "pdf", "nope"]),
        "option_pairs": st.sampled_from(
            [
                "table=goals",
                "table=history",
                "alarms=99999999999w",
                "tz=Europe/Berlin",
                "bom=yes",
                "x",
                "details=true",
            ]
        ),
        "level_pairs": st.sampled_from(["0=as expected", "-2=much worse", "5=x", "x"]),
        "items": st.sampled_from(["1,2,0,3,1,0,2,1,0", "1,x", "99"]),
        "output": st.sampled_from([str(out / "file.out"), str(folder / "nodir" / "f"), str(out)]),
        "out_dir": st.sampled_from([str(out / "all"), str(folder / "plans.db")]),
        "state_file": st.sampled_from([str(out / "state.sync")]),
        "password_env": st.sampled_from(["FUZZ_PASSWORD", "NOT_SET_ANYWHERE"]),
        "user": st.sampled_from(["me"]),
        "clear": st.sampled_from(["focus", "measure", "by", "relevance"]),
    }
    if name in by_name:
        return (
            st.one_of(by_name[name], hostile_text)
            if name not in {"output", "out_dir", "state_file"}
            else by_name[name]
        )
    kind = param.type
    if isinstance(kind, click.Choice):
        return st.one_of(
            st.sampled_from(list(kind.choices)), st.sampled_from(list(kind.choices)), hostile_text
        )
    if kind.name in ("DATE", "DATETIME"):
        return _dates()
    if isinstance(kind, click.types.FloatParamType):
        return st.one_of(
            st.floats(allow_nan=True, allow_infinity=True).map(repr), st.sampled_from(["1e400", "-0", "x"])
        )
    if isinstance(kind, click.types.IntParamType):
        return st.one_of(st.integers(-(10**30), 10**30).map(str), st.just("x"))
    return st.one_of(st.sampled_from(["Ana B.", "weekly, 50 minutes", "more time", "2"]), hostile_text)


@st.composite
def invocations(draw: st.DrawFn, path: tuple[str, ...], folder: Path, ids: dict[str, str]) -> list[str]:
    command = COMMANDS[path]
    argv = list(path)
    arguments: list[str] = []
    options: list[str] = []
    for param in command.params:
        assert param.name is not None
        if isinstance(param, click.Argument):
            if not param.required and not draw(st.booleans()):
                continue
            arguments.append(draw(_value(param.name, param, folder, ids)))
            continue
        assert isinstance(param, click.Option)
        if not param.required and not draw(st.booleans()):
            continue
        flag = param.opts[0]
        if param.is_flag:
            options.append(flag)
            continue
        for _ in range(draw(st.integers(1, 2)) if param.multiple else 1):
            options += [flag, draw(_value(param.name, param, folder, ids))]
    # Options first so an argument that starts with '-' is still read as an argument after '--'.
    return [*argv, *options, "--", *arguments] if draw(st.booleans()) else [*argv, *arguments, *options]


def _snapshot(folder: Path) -> dict[str, int]:
    """Every file and folder (the SQLite -wal/-shm files come and go; their content is the db's)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size if p.is_file() else -1)
        for p in folder.rglob("*")
        if not p.name.endswith(("-wal", "-shm"))
    }


def _events(db: Path) -> int:
    with goalplan.Goalplan.open(db) as gp:
        return gp.store.head_position()


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_every_command_ends_cleanly_and_a_refusal_writes_nothing(
    path: tuple[str, ...],
    base_store: tuple[Path, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, ids = base_store
    folder = tmp_path / "work"
    shutil.copytree(base, folder)
    (folder / "out").mkdir()
    db = folder / "plans.db"
    runner = CliRunner(env={"GOALPLAN_DB": str(db), "GOALPLAN_ACTOR": "fuzz", "FUZZ_PASSWORD": "secret"})

    @settings(
        settings.get_profile("ci"),
        max_examples=EXAMPLES_PER_COMMAND,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(argv=invocations(path, folder, ids))
    def check(argv: list[str]) -> None:
        before_files, before_events = _snapshot(folder), _events(db)
        result = runner.invoke(cli, argv, prog_name="goalplan")
        shown = f"goalplan {argv!r} -> {result.exit_code}\n{result.output}"
        assert result.exception is None or isinstance(result.exception, SystemExit), shown
        assert result.exit_code in (0, 1, 2), shown
        assert "Traceback" not in result.output, shown
        assert len(result.stderr.splitlines()) <= 2, shown
        if result.exit_code != 0:
            assert _events(db) == before_events, shown
            assert _snapshot(folder) == before_files, shown

    os.environ.pop("GOALPLAN_LOAD_PLUGINS", None)
    if path == ("serve",):
        # A server runs until it is stopped: fuzz what serve checks before it starts, not the server.
        import uvicorn

        monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    check()
