"""The witness file: the latest checkpoint this installation signed in a store, kept outside it.

The file holds two fixed-size slots, each a complete, checksummed record; a reader takes the
newest whole one. A write goes into a slot that does not hold the newest record, so a write
torn by a crash leaves that one whole. See docs/architecture.md ("The witness").

A slot is ``{"body":BODY,"sha256":"HEX"}`` padded with spaces to 4,095 bytes and a newline,
BODY being the record as ``json.dumps(record, sort_keys=True, separators=(",", ":"))`` writes
it and HEX the SHA-256 of BODY's bytes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from goalplan.errors import GoalplanError
from goalplan.files import make_private_folder
from goalplan.store.flushing import Flush, datasync, start_flush

WITNESS_SLOT = 4096
PENDING = "pending"
"""A witness record's flag: written before the append it names commits (see WitnessFile.begin)."""
BEFORE = "before"
"""In a pending record: the newest committed record the witness held when it was written."""

Slots = list[dict[str, Any] | None]
log = logging.getLogger(__name__)

if sys.platform == "win32":  # no advisory locks: the store's own write lock is all there is

    def _lock(handle: int) -> None:
        return None

    def _unlock(handle: int) -> None:
        return None

else:
    import fcntl

    def _lock(handle: int) -> None:
        fcntl.flock(handle, fcntl.LOCK_EX)

    def _unlock(handle: int) -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)


_HEAD = b'{"body":'
_TAIL = len(b',"sha256":"') + 64 + len(b'"}')


def _body(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


_SCALARS = (str, int, float, bool, type(None))


def _pending_body(record: Mapping[str, Any], before: str, body: str | None = None) -> str:
    """The body of ``record`` flagged pending and carrying ``before`` (a body, or "null"),
    put together from ``body`` (``record``'s own body) when ``record`` is flat and every key
    sorts after "before": the record is then encoded once per append, not twice."""
    keys = sorted(record)
    if (
        body is None
        or not keys
        or keys[0] <= BEFORE
        or PENDING in record
        or not all(isinstance(value, _SCALARS) for value in record.values())
    ):
        return _body({**record, PENDING: True, BEFORE: json.loads(before)})
    later = [key for key in keys if key > PENDING]
    # In a flat body a key's quote can only follow "{" or ",": a string's quotes are escaped.
    cut = (
        len(body) - 1
        if not later
        else 1
        if later[0] == keys[0]
        else body.index(f",{json.dumps(later[0])}:") + 1
    )
    parts = ['"before":' + before, body[1:cut].rstrip(","), '"pending":true', body[cut:-1]]
    return "{" + ",".join(part for part in parts if part) + "}"


def _slot(body: str) -> bytes:
    data = body.encode("utf-8")
    slot = b"".join((_HEAD, data, b',"sha256":"', hashlib.sha256(data).hexdigest().encode(), b'"}'))
    if len(slot) >= WITNESS_SLOT:
        raise GoalplanError("a witness record does not fit its slot.")
    return slot.ljust(WITNESS_SLOT - 1) + b"\n"


def _read_slot(slot: bytes) -> dict[str, Any] | None:
    """A slot's record, None for an empty, torn or edited one."""
    text = slot.rstrip()
    body = text[len(_HEAD) : -_TAIL]
    framed = text.startswith(_HEAD) and text[-_TAIL:-66] == b',"sha256":"' and text.endswith(b'"}')
    # The checksum covers the body's bytes as written: check them before parsing anything.
    if framed and hashlib.sha256(body).hexdigest().encode() == text[-66:-2]:
        try:
            record = json.loads(body)
        except ValueError:
            return None
        return record if isinstance(record, dict) else None
    try:  # a body spelled otherwise than _body writes it: its checksum is over that spelling
        parsed = json.loads(slot.decode("utf-8"))
        record = parsed["body"]
        ok = hashlib.sha256(_body(record).encode("utf-8")).hexdigest() == parsed["sha256"]
        return record if ok and isinstance(record, dict) else None
    except (ValueError, KeyError, TypeError):
        return None


def _read_slots(data: bytes) -> Slots:
    return [_read_slot(data[start : start + WITNESS_SLOT]) for start in range(0, len(data), WITNESS_SLOT)]


def _rank(body: Mapping[str, Any]) -> tuple[int, int]:
    """Newer first by position; at one position, the committed record over its pending one."""
    position = body.get("position", 0)
    return (position if isinstance(position, int) else 0, 0 if body.get(PENDING) else 1)


def _newest(slots: Slots) -> int | None:
    """The index of the slot holding the newest whole record."""
    whole = [(_rank(body), index) for index, body in enumerate(slots) if body is not None]
    return max(whole)[1] if whole else None


def _other(index: int | None) -> int:
    return 0 if index is None else 1 - index


def _open_witness(path: Path) -> tuple[int, bool]:
    """(handle, whether the file was just created), with the file locked (``flock``) against
    other writers of this installation until it is unlocked or closed."""
    try:
        handle = os.open(path, os.O_RDWR)
        created = False
    except FileNotFoundError:
        if not path.parent.is_dir():
            make_private_folder(path.parent)  # every missing level 0700, whatever the umask
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        created = True
    try:
        if created:
            os.fchmod(handle, 0o600)  # whatever the umask
        _lock(handle)
    except OSError:
        os.close(handle)
        raise
    return handle, created


def _read_image(handle: int) -> bytes:
    return os.pread(handle, 2 * WITNESS_SLOT, 0)


def write_witness(path: Path, record: Mapping[str, Any]) -> None:
    """Replace the witness with a committed record, atomically and durably.

    The write goes into the slot that does not hold the newest record, then the file is
    flushed to disk (fdatasync; a new file also has its folder entry flushed), so a power cut
    can neither lose the witness (verify would complain wrongly) nor leave it behind the store
    (a truncation would go unnoticed). Writing in place keeps that to one flush: a rename
    would also need the folder flushed every time.
    """
    handle, created = _open_witness(path)
    try:
        newest = _newest(_read_slots(_read_image(handle)))
        os.pwrite(handle, _slot(_body(record)), _other(newest) * WITNESS_SLOT)
        _flush(handle, created)
    finally:
        os.close(handle)
    if created:
        _sync_folder(path.parent)


class WitnessFile:
    """One store's witness, held open by the store that writes it.

    An append must know which slot holds the newest record. Rather than reopen and parse the
    file every time, the handle keeps the bytes it last wrote and, on the next append, checks
    only that the path still names the same file (``stat``) and that the file still holds
    those bytes (one ``pread``). Another process of this installation writing the same
    witness, a restored copy or a deletion is noticed there, and the file is then parsed again
    or reopened (created 0600 if it is gone). A forked child opens its own.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._handle: int | None = None
        self._pid = 0
        self._ident = (0, 0)
        self._image = b""
        """The file's bytes as this handle last read or wrote them."""
        self._slots: Slots = []
        self._bodies: list[str | None] = []
        """The body text of each slot this handle wrote (None where it only read one)."""
        self._flushing: Flush | None = None

    def begin(self, record: Mapping[str, Any]) -> PendingWitness:
        """Write ``record`` as pending, before the commit of the append it names, and start
        flushing it to disk; the caller commits meanwhile, then calls ``committed()`` (or
        ``wait()`` if the commit failed). So the witness's flush costs no time beside the commit's.

        A pending record carries the newest committed one the witness held (``before``). After a
        power cut the witness may be the pending record of an append that never committed: verify
        then checks ``before`` instead, so it never complains wrongly, and it never checks less
        than the append before the last one. Only one slot is ever waiting to be flushed (the
        pending write goes where the last committed one went, and the flush covers the whole
        file), so the other slot always holds a whole record on disk.
        """
        with self._lock:
            try:
                handle, created = self._current()
                newest = _newest(self._slots)
                latest = self._slots[newest] if newest is not None else None
                held: dict[str, Any] | None
                if latest is not None and not latest.get(PENDING):
                    assert newest is not None
                    slot, held, before = newest, latest, self._bodies[newest] or _body(latest)
                else:
                    held = latest.get(BEFORE) if latest is not None else None
                    slot, before = _other(newest), "null" if held is None else _body(held)
                committed = _body(record)
                pending = {**record, PENDING: True, BEFORE: held}
                self._write(handle, slot, pending, _pending_body(record, before, committed))
                if created:  # the first write: flushed with its folder entry before anything else
                    _flush(handle, True)
                    _sync_folder(self.path.parent)
                    return PendingWitness(self, record, committed, slot, None)
                self._flushing = start_flush(handle)
                return PendingWitness(self, record, committed, slot, self._flushing)
            except BaseException:
                self._release()
                raise

    def _committed(self, record: Mapping[str, Any], body: str, slot: int) -> None:
        with self._lock:
            if self._handle is None or self._pid != os.getpid():
                return  # closed meanwhile: the pending record on disk still names this append
            try:
                self._write(self._handle, slot, record, body)
            except OSError:  # the pending record on disk still names this append
                self._release()

    def _current(self) -> tuple[int, bool]:
        """(handle, whether the file was just created), with its slots read: reopened only when
        the path names another file (or none), parsed only when it holds other bytes."""
        if self._handle is not None:
            try:
                found = os.stat(self.path)
                same = self._pid == os.getpid() and (found.st_dev, found.st_ino) == self._ident
            except FileNotFoundError:
                same = False
            if same:
                _lock(self._handle)
                data = _read_image(self._handle)
                if data != self._image:  # written by someone else since
                    self._read(data)
                return self._handle, False
            self._release()
        handle, created = _open_witness(self.path)
        try:
            found = os.fstat(handle)
            data = _read_image(handle)
        except OSError:
            os.close(handle)
            raise
        self._handle, self._pid, self._ident = handle, os.getpid(), (found.st_dev, found.st_ino)
        self._read(data)
        return handle, created

    def _let_others_write(self) -> None:
        """The append is over (committed or not): another writer of this installation may go."""
        with self._lock:
            if self._handle is not None and self._pid == os.getpid():
                try:
                    _unlock(self._handle)
                except OSError:
                    self._release()

    def _read(self, data: bytes) -> None:
        self._image, self._slots = data, _read_slots(data)
        self._bodies = [None] * len(self._slots)

    def _write(self, handle: int, slot: int, record: Mapping[str, Any], body: str) -> None:
        data = _slot(body)
        os.pwrite(handle, data, slot * WITNESS_SLOT)
        start = slot * WITNESS_SLOT
        image = self._image.ljust(start, b"\0")  # a write past the end leaves a hole of zeros
        self._image = image[:start] + data + image[start + WITNESS_SLOT :]
        missing = slot + 1 - len(self._slots)
        if missing > 0:
            self._slots += [None] * missing
            self._bodies += [None] * missing
        self._slots[slot], self._bodies[slot] = dict(record), body

    def _release(self) -> None:
        """Forget the open file (after its flush, if one is under way)."""
        handle, self._handle = self._handle, None
        flushing, self._flushing = self._flushing, None
        self._read(b"")
        if handle is None:
            return
        try:
            if flushing is not None and self._pid == os.getpid():  # a child leaves the parent's
                flushing.wait()
        except OSError:
            pass  # whoever started that flush has been told
        finally:
            os.close(handle)

    def close(self) -> None:
        with self._lock:
            self._release()


class PendingWitness:
    """A witness write made before the commit it names; see WitnessFile.begin."""

    def __init__(
        self, file: WitnessFile, record: Mapping[str, Any], body: str, slot: int, flushing: Flush | None
    ) -> None:
        self.path = file.path
        self.record = record
        self.slot = slot
        self._file = file
        self._body = body
        self._flushing = flushing

    def _flushed(self) -> None:
        if self._flushing is not None:
            flushing, self._flushing = self._flushing, None
            flushing.wait()

    def wait(self) -> None:
        """The commit failed: until the pending record is on disk, then let other writers go."""
        try:
            self._flushed()
        finally:
            self._file._let_others_write()

    def committed(self) -> None:
        """The append committed: the witness now names it as committed. Written into the other
        slot and not flushed: the pending record already on disk is what a power cut leaves.

        From ``begin`` to here the file is locked (``flock``), so another process of this
        installation cannot write its pending record between this append's commit and this
        write, which would leave the witness one append behind after a power cut. A flush that
        failed does not undo the commit: the append is stored and reported as stored, with a
        warning (verify then finds the witness behind the store, or checks ``before``).
        """
        try:
            self._flushed()
        except OSError as exc:
            log.warning(
                "the witness %s could not be flushed to disk (%s); the append is stored", self.path, exc
            )
        try:
            self._file._committed(self.record, self._body, 1 - self.slot)
        finally:
            self._file._let_others_write()


def _flush(handle: int, created: bool) -> None:
    """Flush a file's data to disk (and its size); a new file's metadata too."""
    if created:
        os.fsync(handle)
    else:
        datasync(handle)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries, so a file just created in it survives a power cut."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:  # a platform that cannot open folders (Windows): its rename is durable
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def read_witness(path: Path) -> dict[str, Any] | None:
    """The newest whole record in the witness, None when there is none; a witness with no
    whole record at all is reported as damaged. A pending record (``record[PENDING]``) names
    an append that may not have committed; ``record[BEFORE]`` is the committed one before it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    slots = _read_slots(data)
    newest = _newest(slots)
    if newest is None:
        raise GoalplanError(f"the witness {path} holds no whole record; it was damaged or edited.")
    return slots[newest]
