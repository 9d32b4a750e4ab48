"""SQLAlchemy's warning for a Computed() column without persisted=, shown once per task.

On PostgreSQL before 18 SQLAlchemy warns each time it compiles such a column (STORED is what
the server builds anyway). A task compiles the models several times (their catalog's key, a
scratch build on a thread of its own) and runs the revisions again in scratch databases, so
`db.check` printed the same warning two to four times. Python's "once" filter cannot help: it
counts per module, and forgets whenever a filter changes. Only this one warning is held back,
and only its repeats: every other warning, the service's own included, shows as before.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STORED_COMPUTED = re.compile(r"Computed column \S+ is being created as 'STORED'")


@contextmanager
def stored_computed_warning_once() -> Iterator[None]:
    """Show each distinct STORED-computed warning once while the block runs (any thread)."""
    shown: set[str] = set()
    show = warnings.showwarning

    def show_once(message: Any, category: Any, *where: Any) -> None:
        text = str(message)
        if STORED_COMPUTED.match(text):
            if text in shown:
                return
            shown.add(text)
        show(message, category, *where)

    warnings.showwarning = show_once
    try:
        yield
    finally:
        warnings.showwarning = show
