"""The signing key and the witness: outside the database, private, and never half-written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from goalplan.errors import GoalplanError
from goalplan.store.keys import load_key, load_or_create_key
from goalplan.store.witness import WITNESS_SLOT, read_witness, write_witness


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


def test_the_witness_is_on_disk_before_the_write_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new witness is flushed with its folder entry; a later one has its slot flushed."""
    calls: list[tuple[str, str]] = []
    real_pwrite, real_fsync = os.pwrite, os.fsync
    real_datasync = getattr(os, "fdatasync", os.fsync)

    def name_of(handle: int) -> str:
        return os.readlink(f"/proc/self/fd/{handle}")

    def pwrite(handle: int, data: bytes, offset: int) -> int:
        calls.append(("write", name_of(handle)))
        return real_pwrite(handle, data, offset)

    def fsync(handle: int) -> None:
        calls.append(("fsync", name_of(handle)))
        real_fsync(handle)

    def fdatasync(handle: int) -> None:
        calls.append(("fdatasync", name_of(handle)))
        real_datasync(handle)

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to name open files")
    monkeypatch.setattr(os, "pwrite", pwrite)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "fdatasync", fdatasync, raising=False)
    path = tmp_path / "witness" / "store.witness"
    write_witness(path, {"position": 1, "plan_id": "A"})
    file, folder = str(path), str(path.parent)
    assert calls == [("write", file), ("fsync", file), ("fsync", folder)]
    calls.clear()
    write_witness(path, {"position": 2, "plan_id": "A"})
    assert calls == [("write", file), ("fdatasync", file)]
    assert read_witness(path) == {"position": 2, "plan_id": "A"}


def test_a_new_witness_is_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o777)
    try:
        path = tmp_path / "store.witness"
        write_witness(path, {"position": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
