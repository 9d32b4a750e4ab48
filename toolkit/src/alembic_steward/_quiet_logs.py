"""Keep two of Alembic's log lines out of every run: "Context impl X." and "Will assume
(non-)transactional DDL.".

Alembic logs both each time a MigrationContext is made, and the toolkit makes several per
command (reading the version table, the lock, the state after a failure) besides the run's
own: users saw them two to six times per task, "non-transactional" beside "transactional",
before the lines that matter ("Running upgrade a -> b"). They say nothing a user acts on.
"""

from __future__ import annotations

import logging

CHATTER = ("Context impl %s.", "Will assume %s DDL.")


class ContextChatter(logging.Filter):
    """Drop the two MigrationContext lines; pass everything else."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in CHATTER


def install() -> None:
    """Filter Alembic's migration logger (once per process; alembic.ini's logging keeps it)."""
    logger = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(each, ContextChatter) for each in logger.filters):
        logger.addFilter(ContextChatter())
