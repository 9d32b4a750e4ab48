"""A non-blocking OS lock on an open file, the migration lock of a SQLite database.

The OS frees it when the holding process dies, so a killed run never leaves it held.
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
