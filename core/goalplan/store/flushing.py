"""Flushing a file to disk while the caller goes on: the witness's flush runs beside the commit's.

On Linux the kernel does it (native asynchronous I/O, ``IOCB_CMD_FDSYNC``: the same
``fdatasync`` in a kernel worker), so no Python thread has to be woken, nor take the
interpreter lock, on every append. Where that is not available (another system, an older
kernel, a sandbox refusing the calls) one daemon thread per process calls ``fdatasync``.
Either way ``wait()`` returns once the file's data is on disk, or raises the OSError.
"""

from __future__ import annotations

import ctypes
import errno
import itertools
import os
import platform
import queue
import sys
import threading
from typing import Protocol

# io_setup, io_submit, io_getevents: Linux's system call numbers on the machines it runs on.
_SYSCALLS = {"x86_64": (206, 209, 208), "aarch64": (0, 2, 4), "arm64": (0, 2, 4)}
_IOCB_CMD_FDSYNC = 3
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.EOPNOTSUPP}


class Flush(Protocol):
    def wait(self) -> None:
        """Until the file's data is on disk; raises the flush's OSError."""


def datasync(handle: int) -> None:
    """Flush a file's data (and its size) to disk."""
    getattr(os, "fdatasync", os.fsync)(handle)  # macOS has no fdatasync


def start_flush(handle: int) -> Flush:
    """Start flushing ``handle``'s data to disk; the flush runs while the caller goes on."""
    kernel = _kernel()
    if kernel is not None:
        try:
            return kernel.submit(handle)
        except OSError as exc:  # a thread flushes this one, and every one if the kernel cannot
            if exc.errno in _UNSUPPORTED:
                _disable_kernel()
    return _thread().submit(handle)


# the kernel ------------------------------------------------------------------------------------


class _Iocb(ctypes.Structure):
    """struct iocb (linux/aio_abi.h), as laid out on a little-endian 64-bit machine."""

    _fields_ = [
        ("aio_data", ctypes.c_uint64),
        ("aio_key", ctypes.c_uint32),
        ("aio_rw_flags", ctypes.c_int32),
        ("aio_lio_opcode", ctypes.c_uint16),
        ("aio_reqprio", ctypes.c_int16),
        ("aio_fildes", ctypes.c_uint32),
        ("aio_buf", ctypes.c_uint64),
        ("aio_nbytes", ctypes.c_uint64),
        ("aio_offset", ctypes.c_int64),
        ("aio_reserved2", ctypes.c_uint64),
        ("aio_flags", ctypes.c_uint32),
        ("aio_resfd", ctypes.c_uint32),
    ]


class _IoEvent(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_uint64),
        ("obj", ctypes.c_uint64),
        ("res", ctypes.c_int64),
        ("res2", ctypes.c_int64),
    ]


class _KernelFlusher:
    """One kernel I/O context per process. Whoever waits collects every finished flush, so
    flushes started by several threads each find their own result."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._setup, self._submit, self._getevents = _SYSCALLS[platform.machine()]
        self._syscall = ctypes.CDLL(None, use_errno=True).syscall  # releases the GIL while it runs
        self._context = ctypes.c_ulong(0)
        if self._syscall(ctypes.c_long(self._setup), ctypes.c_long(64), ctypes.byref(self._context)) != 0:
            raise OSError(ctypes.get_errno(), "io_setup")
        self._lock = threading.Lock()
        self._tags = itertools.count(1)
        self._finished: dict[int, int] = {}
        self._events = (_IoEvent * 16)()

    def submit(self, handle: int) -> _KernelFlush:
        tag = next(self._tags)
        request = _Iocb(aio_data=tag, aio_lio_opcode=_IOCB_CMD_FDSYNC, aio_fildes=handle)
        requests = (ctypes.POINTER(_Iocb) * 1)(ctypes.pointer(request))  # the kernel copies it
        if self._syscall(ctypes.c_long(self._submit), self._context, ctypes.c_long(1), requests) != 1:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
        return _KernelFlush(self, tag)

    def result(self, tag: int) -> int:
        """The flush's result (0, or minus an errno), once it is done."""
        while True:
            with self._lock:
                if tag in self._finished:
                    return self._finished.pop(tag)
                call, wanted = ctypes.c_long(self._getevents), ctypes.c_long(len(self._events))
                got = self._syscall(call, self._context, ctypes.c_long(1), wanted, self._events, None)
                if got < 0:
                    code = ctypes.get_errno()
                    if code == errno.EINTR:
                        continue
                    raise OSError(code, os.strerror(code))
                for event in self._events[:got]:
                    self._finished[event.data] = event.res


class _KernelFlush:
    __slots__ = ("_flusher", "_result", "_tag")

    def __init__(self, flusher: _KernelFlusher, tag: int) -> None:
        self._flusher = flusher
        self._tag = tag
        self._result: int | None = None

    def wait(self) -> None:
        if self._result is None:
            self._result = self._flusher.result(self._tag)
        if self._result < 0:
            raise OSError(-self._result, os.strerror(-self._result))


_kernel_flusher: _KernelFlusher | None = None
_kernel_refused: int | None = None
"""The process id in which the kernel refused: that process uses the thread."""
_lock = threading.Lock()


def _kernel() -> _KernelFlusher | None:
    global _kernel_flusher, _kernel_refused
    found = _kernel_flusher
    pid = os.getpid()
    if _kernel_refused == pid:
        return None
    if found is not None and found.pid == pid:
        return found
    if not sys.platform.startswith("linux") or platform.machine() not in _SYSCALLS:
        return None
    with _lock:
        if _kernel_flusher is None or _kernel_flusher.pid != pid:  # none yet, or a forked child's
            try:
                _kernel_flusher = _KernelFlusher()
            except (OSError, AttributeError):
                _kernel_refused, _kernel_flusher = pid, None
        return _kernel_flusher


def _disable_kernel() -> None:
    global _kernel_refused
    _kernel_refused = os.getpid()


# the thread ------------------------------------------------------------------------------------


class _ThreadFlush:
    """One flush handed to the flushing thread."""

    __slots__ = ("done", "error", "handle")

    def __init__(self, handle: int) -> None:
        self.handle = handle
        self.error: OSError | None = None
        self.done = threading.Lock()
        self.done.acquire()

    def wait(self) -> None:
        self.done.acquire()
        self.done.release()  # a second wait returns at once
        if self.error is not None:
            raise self.error


class _ThreadFlusher:
    """A daemon thread that flushes files one after another; a queue and one lock per flush
    are the whole hand-off."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._queue: queue.SimpleQueue[_ThreadFlush] = queue.SimpleQueue()
        threading.Thread(target=self._run, name="goalplan-flush", daemon=True).start()

    def submit(self, handle: int) -> _ThreadFlush:
        job = _ThreadFlush(handle)
        self._queue.put(job)
        return job

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                datasync(job.handle)
            except OSError as exc:  # handed to whoever waits on this flush
                job.error = exc
            finally:
                job.done.release()


_thread_flusher: _ThreadFlusher | None = None


def _thread() -> _ThreadFlusher:
    """This process's flushing thread: a forked child starts its own (threads do not survive
    a fork)."""
    global _thread_flusher
    found = _thread_flusher
    if found is None or found.pid != os.getpid():
        with _lock:
            found = _thread_flusher
            if found is None or found.pid != os.getpid():
                found = _thread_flusher = _ThreadFlusher()
    return found
