"""The witness is on disk by the time an append returns, its flush runs beside the commit's,
and a crash between the two leaves a witness that verify reads without a false alarm and
without checking less than the append before."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import sqlite3
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from goalplan import Goalplan
from goalplan.store import flushing
from goalplan.store.checkpoints import seal
from goalplan.store.keys import witness_file
from goalplan.store.sqlite import GUARDED_TABLES, SQLiteStore
from goalplan.store.witness import (
    BEFORE,
    PENDING,
    WITNESS_SLOT,
    _body,
    _pending_body,
    _read_slot,
    _slot,
    read_witness,
)

from .factory import new_events


@pytest.fixture
def store(tmp_path: Path, signing_key_file: Path) -> SQLiteStore:
    """Two appends: plan-a at positions 1-2, then 3."""
    opened = SQLiteStore(tmp_path / "events.db")
    opened.append("plan-a", new_events(2), 0)
    opened.append("plan-a", new_events(1), 2)
    return opened


def _witness_path(store: SQLiteStore) -> Path:
    return witness_file(store.store_id, store.signing_key().folder)


def _crash_before_commit(store: SQLiteStore) -> None:
    """The witness as a power cut leaves it when the next append's commit never happened:
    its pending record flushed, no committed one."""
    head = store.read_stream("plan-a")[-1]
    rows = [(head.position + 1, "never", "plan-a", head.version + 1, "", "", "", 1, "", head.hash, "f" * 64)]
    prior = ("plan-a", head.version, head.hash)
    checkpoint = seal(store.signing_key(), store.store_id, "plan-a", rows, prior)
    store._witness_begin(checkpoint).wait()  # type: ignore[union-attr]


def test_after_an_append_the_witness_names_it_as_committed(store: SQLiteStore) -> None:
    record = read_witness(_witness_path(store))
    assert record is not None and not record.get(PENDING)
    assert (record["plan_id"], record["version"], record["position"]) == ("plan-a", 3, 3)
    assert Goalplan(store).integrity().ok


def test_a_pending_witness_whose_append_never_committed_is_no_alarm(store: SQLiteStore) -> None:
    _crash_before_commit(store)
    record = read_witness(_witness_path(store))
    assert record is not None and record[PENDING] and record["position"] == 4
    report = Goalplan(store).integrity()
    assert report.ok, report.problems
    assert report.witness == "checked"


def test_a_pending_witness_still_catches_truncation_of_the_append_before(store: SQLiteStore) -> None:
    _crash_before_commit(store)
    _delete_positions(store, 3)
    report = Goalplan(store).integrity()
    assert any(p.kind == "witness" and p.position == 3 for p in report.problems), report.problems


def test_a_pending_witness_for_an_append_that_committed_is_checked_itself(store: SQLiteStore) -> None:
    """A power cut after the commit but before the committed record reached the disk."""
    path = _witness_path(store)
    data = bytearray(path.read_bytes())
    committed = read_witness(path)
    assert committed is not None and committed["position"] == 3
    for start in (0, 4096):  # drop the committed record of position 3, keep its pending one
        slot = bytes(data[start : start + 4096])
        if b'"position":3' in slot and b'"pending":true' not in slot:
            data[start : start + 4096] = b"\0" * 4096
    path.write_bytes(bytes(data))
    record = read_witness(path)
    assert record is not None and record[PENDING] and record["position"] == 3
    assert Goalplan(store).integrity().ok  # position 3 is held: the pending record is checked
    _delete_positions(store, 2, 3)  # the last two appends, events and checkpoints
    report = Goalplan(store).integrity()
    assert any(p.kind == "witness" and p.position == 2 for p in report.problems), report.problems


def _delete_positions(store: SQLiteStore, *positions: int) -> None:
    conn = sqlite3.connect(store.path)
    for table in GUARDED_TABLES:
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    for position in positions:
        conn.execute("DELETE FROM events WHERE position = ?", (position,))
        conn.execute("DELETE FROM checkpoints WHERE position = ?", (position,))
    conn.commit()
    conn.close()


@pytest.mark.parametrize("by", ["thread", "kernel"])
def test_the_pending_record_is_flushed_beside_the_commit_and_before_the_append_returns(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch, by: str
) -> None:
    """The flush starts before the commit and is done before the committed record is written
    (and so before the append returns), whether a thread or the kernel does it."""
    events: list[str] = []
    path = str(_witness_path(store))
    real_pwrite, real_datasync = os.pwrite, getattr(os, "fdatasync", os.fsync)
    lock = threading.Lock()

    def name_of(handle: int) -> str:
        return os.readlink(f"/proc/self/fd/{handle}")

    def note(event: str) -> None:
        with lock:
            events.append(event)

    def pwrite(handle: int, data: bytes, offset: int) -> int:
        if name_of(handle) == path:
            note("pending" if b'"pending":true' in data else "committed")
        return real_pwrite(handle, data, offset)

    def fdatasync(handle: int) -> None:
        named = name_of(handle)
        if named == path:
            note("started")
        real_datasync(handle)
        if named == path:
            note("flushed")

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to name open files")
    monkeypatch.setattr(os, "pwrite", pwrite)
    monkeypatch.setattr(os, "fdatasync", fdatasync, raising=False)
    if by == "thread":
        monkeypatch.setattr(flushing, "_kernel", lambda: None)
    else:
        kernel = flushing._kernel()
        if kernel is None:
            pytest.skip("this system does not flush through the kernel's asynchronous I/O")
        submit, result = flushing._KernelFlusher.submit, flushing._KernelFlusher.result

        def submitted(self: flushing._KernelFlusher, handle: int) -> Any:
            if name_of(handle) == path:
                note("started")
            return submit(self, handle)

        def finished(self: flushing._KernelFlusher, tag: int) -> int:
            code = result(self, tag)
            note("flushed")
            return code

        monkeypatch.setattr(flushing._KernelFlusher, "submit", submitted)
        monkeypatch.setattr(flushing._KernelFlusher, "result", finished)

    def record_commit(statement: str) -> Any:
        if statement == "COMMIT":
            note("commit")

    store._conn.set_trace_callback(record_commit)
    store.append("plan-a", new_events(1), 3)
    store._conn.set_trace_callback(None)
    assert events[0] == "pending" and events[-1] == "committed"
    assert events.count("started") == 1
    if by == "kernel":  # started before the commit; a thread starts once the commit lets it run
        assert events.index("started") < events.index("commit")
    assert events.count("flushed") == 1 and events.index("flushed") < events.index("committed")
    assert events.index("commit") < events.index("committed")
    assert read_witness(Path(path))["position"] == 4  # type: ignore[index]


def test_a_failed_kernel_flush_is_reported_to_whoever_waits(tmp_path: Path) -> None:
    kernel = flushing._kernel()
    if kernel is None:
        pytest.skip("this system does not flush through the kernel's asynchronous I/O")
    handle = os.open(tmp_path / "file", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.write(handle, b"data")
        kernel.submit(handle).wait()  # flushed, no error
    finally:
        os.close(handle)
    with pytest.raises(OSError):
        kernel.submit(handle).wait()  # a closed handle: refused at once, or reported on wait


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_flushes_its_own_witness(store: SQLiteStore) -> None:
    """The flushing thread does not survive a fork: a child that appends must not wait on it."""
    store.append("plan-a", new_events(1), 3)  # the parent has its flushing thread now
    pid = os.fork()
    if pid == 0:  # the child: append through the inherited handle, exit 0 if it returns
        code = 1
        try:
            store.append("plan-a", new_events(1), 4)
            code = 0
        finally:
            os._exit(code)
    for _ in range(200):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        threading.Event().wait(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the child's append did not return")
    assert os.waitstatus_to_exitcode(status) == 0
    assert store.stream_version("plan-a") == 5


# The open witness: a store keeps its witness file open and reparses it only when it changed.


def _slots(path: Path) -> list[dict[str, Any] | None]:
    data = path.read_bytes()
    return [_read_slot(data[start : start + WITNESS_SLOT]) for start in range(0, len(data), WITNESS_SLOT)]


def _pending_before(path: Path) -> tuple[int, int]:
    """(position of the pending record, position of the committed record it carries)."""
    (pending,) = [s for s in _slots(path) if s is not None and s.get(PENDING)]
    return pending["position"], pending[BEFORE]["position"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_an_append_by_another_process_between_two_of_ours_is_noticed(store: SQLiteStore) -> None:
    """Another process of this installation writes the witness between two of our appends:
    our next pending record must carry that process's append as the one before it."""
    path = _witness_path(store)
    pid = os.fork()
    if pid == 0:  # another writer: its own store on the same file
        code = 1
        try:
            with SQLiteStore(store.path) as other:
                other.append("plan-b", new_events(1), 0)  # position 4
            code = 0
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    record = read_witness(path)
    assert record is not None and (record["plan_id"], record["position"]) == ("plan-b", 4)
    store.append("plan-a", new_events(1), 3)  # position 5, through the handle held since position 3
    record = read_witness(path)
    assert record is not None and not record.get(PENDING) and record["position"] == 5
    assert _pending_before(path) == (5, 4)  # not 3: the other process's write was read
    assert Goalplan(store).integrity().ok


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_writes_the_witness_and_the_parent_then_reads_it(store: SQLiteStore) -> None:
    path = _witness_path(store)
    pid = os.fork()
    if pid == 0:  # the child appends through the store (and witness handle) it inherited
        code = 1
        try:
            store.append("plan-a", new_events(1), 3)  # position 4
            code = 0
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    record = read_witness(path)
    assert record is not None and not record.get(PENDING) and record["position"] == 4
    store.append("plan-a", new_events(1), 4)  # position 5
    assert _pending_before(path) == (5, 4)
    assert Goalplan(store).integrity().ok


def test_a_deleted_witness_is_made_again_private(store: SQLiteStore) -> None:
    path = _witness_path(store)
    path.unlink()
    old = os.umask(0o022)
    try:
        store.append("plan-a", new_events(1), 3)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    record = read_witness(path)
    assert record is not None and not record.get(PENDING) and record["position"] == 4
    assert Goalplan(store).integrity().ok


def test_a_witness_replaced_by_another_file_is_reopened(store: SQLiteStore) -> None:
    """A restored copy is a new file at the same path: the next append must write that one,
    not the file the store held open."""
    path = _witness_path(store)
    older = path.read_bytes()
    store.append("plan-a", new_events(1), 3)  # position 4
    copy = path.with_name("restored")
    copy.write_bytes(older)  # the witness as it stood at position 3
    os.replace(copy, path)
    store.append("plan-a", new_events(1), 4)  # position 5
    record = read_witness(path)
    assert record is not None and not record.get(PENDING) and record["position"] == 5
    assert _pending_before(path) == (5, 3)  # what the restored file held
    assert Goalplan(store).integrity().ok


def test_closing_the_store_closes_its_witness(store: SQLiteStore) -> None:
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to name open files")
    path = str(_witness_path(store))

    def open_witnesses() -> int:
        names = []
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                names.append(os.readlink(f"/proc/self/fd/{fd}"))
        return names.count(path)

    assert open_witnesses() == 1
    store.close()
    assert open_witnesses() == 0


def test_a_pending_record_is_spelled_as_json_dumps_spells_it() -> None:
    """The pending record's text is put together from pieces; readers of every version check
    it against json.dumps(body, sort_keys=True, separators=(",", ":"))."""
    before = {"plan_id": "plan-a", "position": 6}
    records = [
        {"format": "goalplan-checkpoint-1", "plan_id": 'plan-\u00e9",x', "position": 7, "version": 2},
        {"hash": ',"plan_id":', "plan_id": "p", "zz": None},  # a value spelling a key
        {"position": 1},  # every key after "pending"
        {"format": "f", "key_id": "k"},  # none after it
        {"after": 1, "position": 2},  # a key before "before": spelled the long way
        {"nested": {"a": 1}, "plan_id": "p"},  # not flat: the long way
        {},
    ]
    for record in records:
        for held in (before, None):
            text = _pending_body(record, "null" if held is None else _body(held), _body(record))
            whole = {**record, PENDING: True, BEFORE: held}
            assert text == json.dumps(whole, sort_keys=True, separators=(",", ":")), record


def test_a_slot_is_checked_over_its_bytes_and_an_edit_is_refused() -> None:
    body = _body({"plan_id": "plan-a", "position": 3})
    slot = _slot(body)
    assert _read_slot(slot) == {"plan_id": "plan-a", "position": 3}
    assert _read_slot(slot.replace(b'"position":3', b'"position":2')) is None
    # A body spelled otherwise, with the checksum over the canonical spelling, as before.
    loose = b'{"body": {"position": 3, "plan_id": "plan-a"}, "sha256": "%s"}' % (
        hashlib.sha256(body.encode()).hexdigest().encode()
    )
    assert _read_slot(loose.ljust(WITNESS_SLOT - 1) + b"\n") == {"plan_id": "plan-a", "position": 3}


def test_a_kernel_that_refuses_the_flush_leaves_it_to_the_thread(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older kernel refuses IOCB_CMD_FDSYNC (EINVAL): that append and the ones after it are
    flushed by the thread, and the witness still names each one."""
    if flushing._kernel() is None:
        pytest.skip("this system does not flush through the kernel's asynchronous I/O")
    refused: list[int] = []

    def refuse(self: flushing._KernelFlusher, handle: int) -> Any:
        refused.append(handle)
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(flushing._KernelFlusher, "submit", refuse)
    monkeypatch.setattr(flushing, "_kernel_refused", None)
    store.append("plan-a", new_events(1), 3)
    store.append("plan-a", new_events(1), 4)
    assert len(refused) == 1  # asked once, then no more in this process
    record = read_witness(_witness_path(store))
    assert record is not None and not record.get(PENDING) and record["position"] == 5


def test_another_key_writes_its_own_witness_and_the_first_is_closed(
    store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _witness_path(store)
    held = store._witness_handle
    assert held is not None and held.path == first
    monkeypatch.setenv("GOALPLAN_KEY_FILE", str(tmp_path / "rotated" / "signing-key.pem"))
    store._key = None  # the store picks up the new key, as a new process would
    store.append("plan-a", new_events(1), 3)  # position 4
    second = _witness_path(store)
    assert second != first and held._handle is None  # the first witness's file was closed
    newest = read_witness(second)
    assert newest is not None and not newest.get(PENDING) and newest["position"] == 4
    old = read_witness(first)
    assert old is not None and old["position"] == 3  # left as the first key last wrote it


def _try_lock_elsewhere(path: Path) -> bool:
    """Whether another process could take the witness's lock just now."""
    import subprocess
    import sys

    probe = (
        "import fcntl, os, sys\n"
        "h = os.open(sys.argv[1], os.O_RDWR)\n"
        "try:\n    fcntl.flock(h, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept BlockingIOError:\n    sys.exit(1)\n"
    )
    return subprocess.run([sys.executable, "-c", probe, str(path)], check=False).returncode == 0


def test_no_other_process_writes_the_witness_between_a_commit_and_its_committed_record(
    store: SQLiteStore,
) -> None:
    """Otherwise another writer's pending record could land between this append's commit and
    its committed record, and be overwritten by it: after a power cut, a witness behind."""
    pytest.importorskip("fcntl")
    path = _witness_path(store)
    head = store.read_stream("plan-a")[-1]
    rows = [(head.position + 1, "x", "plan-a", head.version + 1, "", "", "", 1, "", head.hash, "f" * 64)]
    checkpoint = seal(
        store.signing_key(), store.store_id, "plan-a", rows, ("plan-a", head.version, head.hash)
    )
    assert _try_lock_elsewhere(path)
    pending = store._witness_begin(checkpoint)
    assert pending is not None
    assert not _try_lock_elsewhere(path)
    pending.committed()
    assert _try_lock_elsewhere(path)
    pending = store._witness_begin(checkpoint)
    assert pending is not None and not _try_lock_elsewhere(path)
    pending.wait()  # the commit failed: let the others go too
    assert _try_lock_elsewhere(path)


def test_a_witness_flush_that_fails_after_the_commit_does_not_report_the_append_as_lost(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class Failing:
        def wait(self) -> None:
            raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr("goalplan.store.witness.start_flush", lambda handle: Failing())
    result = store.append("plan-a", new_events(1), 3)
    assert result.positions == (4,)
    assert [r.version for r in store.read_stream("plan-a")] == [1, 2, 3, 4]
    assert "could not be flushed" in caplog.text
    assert read_witness(_witness_path(store))["position"] == 4  # type: ignore[index]
