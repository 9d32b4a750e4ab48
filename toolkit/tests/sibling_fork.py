"""fork() whose child is its caller's sibling: clone(CLONE_PARENT), for the tests' zygote.

The zygote (command_zygote.py) forks each command as a child of the test process. With plain
fork() that takes two forks of a large process (a middle one, which exits so the command is
adopted): about half of a short command's CPU time. Linux's clone with CLONE_PARENT makes the
new process a child of the zygote's own parent, the test process, in one fork.

Python has no clone(), so it is the raw system call, wrapped as os.fork wraps fork():
PyOS_BeforeFork / PyOS_AfterFork_* keep the interpreter's locks and at-fork callbacks right.
What glibc's fork() adds is done here too: the kernel writes the child's thread id into the
thread's own record (CLONE_CHILD_SETTID), where raise() and pthread_kill() read it; found by
its value in the zygote's record, and without it this fork is not used.
"""

from __future__ import annotations

import ctypes
import os
import platform
import signal
import sys

CLONE_PARENT = 0x00008000
CLONE_CHILD_SETTID = 0x01000000
# The clone system call's number, and whether its last two arguments come as (child_tid, tls)
# or (tls, child_tid): x86_64 and aarch64 only, the others fall back to two forks.
CLONE_CALLS = {"x86_64": (56, "child_tid_first"), "aarch64": (220, "tls_first")}
# How far into glibc's thread record its `tid` field is looked for (0x2d0 on x86_64).
RECORD_BYTES = 4096


def _tid_field() -> int | None:
    """The address of this (main) thread's `tid` field in glibc's thread record, or None.

    The main thread's id is the process id; it is looked for as a 32-bit value in the record
    pthread_self() points to, and must occur exactly once there to be trusted."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return None
    libc = ctypes.CDLL(None)
    libc.pthread_self.restype = ctypes.c_void_p
    record = libc.pthread_self()
    if not record:
        return None
    words = (ctypes.c_int32 * (RECORD_BYTES // 4)).from_address(record)
    hits = [index for index, word in enumerate(words) if word == os.getpid()]
    return record + 4 * hits[0] if len(hits) == 1 else None


_CALL = CLONE_CALLS.get(platform.machine())
_TID_FIELD = _tid_field() if _CALL is not None else None


def available() -> bool:
    """Whether fork_as_sibling can be used here (and in the process that imported this)."""
    return _TID_FIELD is not None and os.getpid() == ctypes.c_int32.from_address(_TID_FIELD).value


def fork_as_sibling() -> int:
    """As os.fork(), but the child's parent is this process's parent: 0 in the child, its pid
    here. Raises OSError when the kernel refuses. Only from a single-threaded process."""
    assert _CALL is not None and _TID_FIELD is not None
    number, order = _CALL
    libc = ctypes.PyDLL(None, use_errno=True)  # PyDLL: the GIL stays held, as os.fork does
    libc.syscall.restype = ctypes.c_long
    libc.syscall.argtypes = [ctypes.c_long] * 6
    flags = CLONE_PARENT | CLONE_CHILD_SETTID | signal.SIGCHLD
    arguments = (0, 0, _TID_FIELD, 0) if order == "child_tid_first" else (0, 0, 0, _TID_FIELD)
    ctypes.pythonapi.PyOS_BeforeFork()
    pid = libc.syscall(number, flags, *arguments)
    if pid == 0:
        ctypes.pythonapi.PyOS_AfterFork_Child()
        return 0
    error = ctypes.get_errno()
    ctypes.pythonapi.PyOS_AfterFork_Parent()
    if pid < 0:
        raise OSError(error, os.strerror(error))
    return pid
