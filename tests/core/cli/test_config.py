"""The config file: defaults for store, actor and export options; command line > environment > file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import goalplan
from goalplan.cli.config import ConfigError, config_path, load_config
from goalplan.cli.main import cli
from goalplan.cli.plugin_commands import install_plugin_commands


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def invoke(config: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
    install_plugin_commands(cli)
    full_env = {"GOALPLAN_CONFIG": str(config), "GOALPLAN_DB": None, "GOALPLAN_ACTOR": None, **(env or {})}
    return CliRunner(env=full_env).invoke(cli, list(args), catch_exceptions=False)  # type: ignore[arg-type]


def test_the_file_is_in_the_user_config_dir_unless_goalplan_config_names_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("GOALPLAN_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_path() == tmp_path / "xdg" / "goalplan" / "config.toml"
    monkeypatch.setenv("GOALPLAN_CONFIG", str(tmp_path / "elsewhere.toml"))
    assert config_path() == tmp_path / "elsewhere.toml"
    assert load_config().db is None  # a missing file is no error


def test_db_and_actor_come_from_the_file_then_the_environment_then_the_command_line(tmp_path: Path) -> None:
    from_file, from_env, from_cli = tmp_path / "file.db", tmp_path / "env.db", tmp_path / "cli.db"
    config = write(tmp_path, f'db = "{from_file}"\nactor = "file.actor"\n')

    opened = invoke(config, "plan", "open", "--client", "A", "--clinician", "B")
    assert opened.exit_code == 0, opened.output
    with goalplan.open(from_file) as gp:
        assert gp.store.read_all()[0].actor == "file.actor"

    invoke(config, "plan", "open", "--client", "A", "--clinician", "B", env={"GOALPLAN_DB": str(from_env)})
    assert from_env.exists()

    invoke(
        config,
        "--db",
        str(from_cli),
        "plan",
        "open",
        "--client",
        "A",
        "--clinician",
        "B",
        "--actor",
        "cli.actor",
        env={"GOALPLAN_DB": str(from_env), "GOALPLAN_ACTOR": "env.actor"},
    )
    with goalplan.open(from_cli) as gp:
        assert gp.store.read_all()[0].actor == "cli.actor"

    invoke(config, "plan", "open", "--client", "A", "--clinician", "B", env={"GOALPLAN_ACTOR": "env.actor"})
    with goalplan.open(from_file) as gp:
        assert [r.actor for r in gp.store.read_all()] == ["file.actor", "env.actor"]

    shown = invoke(config, "config", env={"GOALPLAN_DB": str(from_env)}).output
    assert f"db: {from_env}  [$GOALPLAN_DB]" in shown and "actor: file.actor  [config file]" in shown


def test_export_options_come_from_the_file_and_option_wins(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with goalplan.open(db, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="A", clinician="B", opened=date(2026, 1, 5))
    config = write(tmp_path, f'db = "{db}"\n[export.csv]\ntable = "history"\nbom = true\n')
    history = invoke(config, "export", plan.id, "--format", "csv")
    assert history.exit_code == 0, history.output
    assert history.stdout_bytes.startswith(b"\xef\xbb\xbf")  # bom = true
    assert b"field" in history.stdout_bytes.splitlines()[0]  # the history table
    goals = invoke(config, "export", plan.id, "--format", "csv", "--option", "table=goals")
    assert b"goal_id" in goals.stdout_bytes.splitlines()[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("db = ", "not valid TOML"),
        ('database = "x.db"\n', "unknown key 'database'; the keys are db, actor, export"),
        ("actor = 3\n", "actor must be non-empty text"),
        ('export = "pdf"\n', "export must be a table"),
        ("[export.pdf]\npaper = [1]\n", "export.pdf.paper must be text, a number or true/false"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    config = write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"config file .*config\.toml: "):
        load_config(config)
    result = invoke(config, "plan", "list", env={"GOALPLAN_DB": str(tmp_path / "p.db")})
    assert result.exit_code == 2
    assert message in result.stderr and str(config) in result.stderr
    assert not (tmp_path / "p.db").exists()


def test_an_export_option_the_format_does_not_take_names_the_file(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with goalplan.open(db, actor="dr.ruiz") as gp:
        plan = gp.open_plan(client="A", clinician="B", opened=date(2026, 1, 5))
    config = write(tmp_path, f'db = "{db}"\n[export.csv]\npaper = "letter"\n')
    result = invoke(config, "export", plan.id, "--format", "csv")
    assert result.exit_code == 2
    assert "export.csv.paper is not an option of the csv format" in result.stderr
