"""A non-blocking OS lock on an open file, the migration lock of a SQLite database.

The OS frees it when the holding process dies, so a killed run never leaves it held; the
holder writes its pid into the file for a run that waits.
"""

from __future__ import annotations

import os

if os.name == "nt":
    import msvcrt

    def try_lock_file(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def unlock_file(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def try_lock_file(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def unlock_file(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def holder_note(lock_file: int) -> str:
    """Read who holds the lock, as its holder wrote it."""
    os.lseek(lock_file, 0, os.SEEK_SET)
    return os.read(lock_file, 200).decode(errors="replace").strip()


def write_holder_note(lock_file: int) -> None:
    """Say in the lock file who holds it, for a run that waits; the lock holds without it."""
    try:
        os.ftruncate(lock_file, 0)
        os.lseek(lock_file, 0, os.SEEK_SET)
        os.write(lock_file, f"pid {os.getpid()} on this machine".encode())
    except OSError:
        pass  # a full disk: the migration itself will say so
    finally:
        # Windows locks and unlocks the byte at the file position: keep it at the start.
        os.lseek(lock_file, 0, os.SEEK_SET)
