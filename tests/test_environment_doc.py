"""docs/environment.md lists every environment variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# A variable read by name: os.environ.get("X"), os.getenv("X"), os.environ["X"], envvar="X", or a
# constant holding the name (KEY_FILE_ENV = "GOALPLAN_KEY_FILE").
READ = re.compile(
    r"""(?:environ\.get\(|getenv\(|environ\[|envvar=)\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|\b[A-Z_]*ENV\s*=\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|["'](GOALPLAN_[A-Z0-9_]+|XDG_[A-Z_]+|SSL_CERT_[A-Z]+)["']"""
)
# platformdirs reads these on Linux for the folders the code asks it for.
PLATFORMDIRS = {
    "user_config_path": "XDG_CONFIG_HOME",
    "user_data_path": "XDG_DATA_HOME",
    "user_state_path": "XDG_STATE_HOME",
}


def variables_read(text: str) -> set[str]:
    found = {name for match in READ.finditer(text) for name in match.groups() if name}
    return found | {variable for call, variable in PLATFORMDIRS.items() if call in text}


def test_the_pattern_finds_each_way_of_reading_a_variable() -> None:
    sample = """
    os.environ.get("A_ONE"); os.getenv('B_TWO'); os.environ["C_THREE"]
    @click.option("--db", envvar="D_FOUR")
    STATE_ENV = "E_FIVE"
    platformdirs.user_data_path("goalplan")
    """
    assert variables_read(sample) == {"A_ONE", "B_TWO", "C_THREE", "D_FOUR", "E_FIVE", "XDG_DATA_HOME"}


def test_every_variable_the_code_reads_is_documented() -> None:
    page = (ROOT / "docs" / "environment.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Z_][A-Z0-9_]+)`", page))
    used: set[str] = set()
    for path in [*ROOT.glob("core/**/*.py"), *ROOT.glob("plugins/**/*.py"), ROOT / "tests" / "conftest.py"]:
        used |= variables_read(path.read_text(encoding="utf-8"))
    assert {"GOALPLAN_DB", "GOALPLAN_KEY_FILE", "XDG_DATA_HOME"} <= used, "the pattern is wrong"
    assert used <= documented, f"read by the code but not in docs/environment.md: {sorted(used - documented)}"
