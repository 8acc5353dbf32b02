"""The signing key and the witness: outside the database, private, and never half-written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from goalplan.errors import GoalplanError
from goalplan.store.keys import WITNESS_SLOT, load_key, load_or_create_key, read_witness, write_witness


def test_the_key_is_created_once_private_in_a_private_folder(tmp_path: Path) -> None:
    os.umask(0o022)
    path = tmp_path / "data" / "goalplan" / "signing-key.pem"
    assert load_key(path) is None
    key = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = load_or_create_key(path)
    assert again.public_key == key.public_key and len(key.key_id) == 16


def test_the_witness_keeps_a_whole_record_when_a_write_is_torn(tmp_path: Path) -> None:
    path = tmp_path / "witness" / "store.json"
    write_witness(path, {"position": 10, "plan_id": "A"})
    write_witness(path, {"position": 11, "plan_id": "B"})
    assert read_witness(path) == {"position": 11, "plan_id": "B"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with open(path, "r+b") as torn:  # a crash in the middle of writing position 11's slot
        torn.seek(WITNESS_SLOT + 20)
        torn.write(b"\0" * 40)
    assert read_witness(path) == {"position": 10, "plan_id": "A"}
    with open(path, "r+b") as both:
        both.seek(5)
        both.write(b"x")
    with pytest.raises(GoalplanError, match="no whole record"):
        read_witness(path)
