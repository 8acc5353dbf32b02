"""CI sets GOALPLAN_REQUIRE_POSTGRES=1: then a PostgreSQL test that would skip must fail instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TARGET = "tests/core/store/test_store_contract.py::test_read_stream_from_a_version"


def _pytest(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GOALPLAN_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TARGET],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "env",
    [{}, {"GOALPLAN_TEST_POSTGRES": "postgresql://postgres@127.0.0.1:1/test"}],
    ids=["unset", "unreachable"],
)
def test_when_required_a_missing_server_fails_the_run(env: dict[str, str]) -> None:
    run = _pytest(GOALPLAN_REQUIRE_POSTGRES="1", **env)
    assert run.returncode == 1, run.stdout
    assert "GOALPLAN_REQUIRE_POSTGRES=1 but this PostgreSQL test was skipped" in run.stdout
    assert "1 passed" in run.stdout and "1 error" in run.stdout
