"""docs/environment.md lists every environment variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_goalplan_variable_in_the_code_is_documented() -> None:
    page = (ROOT / "docs" / "environment.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", page))
    used: set[str] = set()
    for path in [*ROOT.glob("core/**/*.py"), *ROOT.glob("plugins/**/*.py"), ROOT / "tests" / "conftest.py"]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"[\"'](GOALPLAN_[A-Z0-9_]+|XDG_[A-Z_]+|SSL_CERT_[A-Z]+)[\"']", text))
        used |= set(re.findall(r"envvar=\"([A-Z0-9_]+)\"", text))
    assert used, "found no variable at all: the pattern is wrong"
    assert used <= documented, f"read by the code but not in docs/environment.md: {sorted(used - documented)}"
