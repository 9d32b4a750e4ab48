"""INV_TRACEBACK: whether a failure shows Python's full traceback instead of its one line.

Read as a boolean, as a shell user writes one: `INV_TRACEBACK=0` and `=false` used to turn
tracebacks on, since any text that was not empty did. Anything else is read as off (a
traceback may hold the database password) with one warning naming the value.
"""

from __future__ import annotations

import functools
import os
import sys

TRACEBACK_VARIABLE = "INV_TRACEBACK"
ON = frozenset({"1", "true", "yes", "on"})
OFF = frozenset({"0", "false", "no", "off", ""})


def tracebacks_wanted() -> bool:
    """Whether INV_TRACEBACK asks for full tracebacks (unset: no)."""
    return read_switch(os.environ.get(TRACEBACK_VARIABLE))


@functools.lru_cache(maxsize=4)
def read_switch(value: str | None) -> bool:
    """``value`` as on or off; a value that is neither warns once (per process) and is off."""
    if value is None:
        return False
    word = value.strip().lower()
    if word in ON:
        return True
    if word not in OFF:
        print(
            f"warning: {TRACEBACK_VARIABLE}={value!r} is neither on (1, true, yes, on) nor off"
            " (0, false, no, off, empty), so it was read as off; set it to 1 for tracebacks",
            file=sys.stderr,
        )
    return False
