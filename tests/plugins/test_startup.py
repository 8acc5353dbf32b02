"""Loading plugins stays cheap: no plugin imports a heavy library until it actually renders."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.plugins.plugin_helpers import WORKTREE

HEAVY = (
    "fpdf",
    "icalendar",
    "caldav",
    "psycopg",
    "pypdf",
    "radicale",
    "PIL",
    "fontTools",
    "requests",
    "lxml",
    "starlette",
    "uvicorn",
    "jinja2",
    "argon2",
)

PROBE = f"""
import json, sys
from goalplan.plugins import make_plugin_manager
pm = make_plugin_manager()
names = sorted(pm.exporters())
print(json.dumps({{
    "plugins": sorted(name for name, _ in pm.list_name_plugin()),
    "exporters": names,
    "errors": pm.load_errors,
    "heavy": sorted(m for m in {HEAVY!r} if m in sys.modules),
}}))
"""


def test_loading_every_plugin_and_listing_exporters_imports_no_heavy_library() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(WORKTREE / "core"), str(WORKTREE / "plugins")])}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True)
    seen = json.loads(done.stdout)
    assert "goalplan_csv" in seen["plugins"] and "csv" in seen["exporters"]
    assert seen["errors"] == {}
    assert seen["heavy"] == [], f"imported at plugin load time: {seen['heavy']}"
