"""Keep two of Alembic's log lines out of every run: "Context impl X." and "Will assume
(non-)transactional DDL."; and say alembic-postgresql-enum's changed enum in one line.

Alembic logs both each time a MigrationContext is made, and the toolkit makes several per
command (reading the version table, the lock, the state after a failure) besides the run's
own: users saw them two to six times per task, "non-transactional" beside "transactional",
before the lines that matter ("Running upgrade a -> b"). They say nothing a user acts on.
"""

from __future__ import annotations

import logging

CHATTER = ("Context impl %s.", "Will assume %s DDL.")
# alembic-postgresql-enum's logger, and its three-line message for an enum whose values changed.
ENUM_LOGGER = "alembic.alembic_postgresql_enum.detection_of_changes.enum_alteration"
ENUM_CHANGE = "Detected changed enum values in %r\nWas: %r\nBecome: %r"


class ContextChatter(logging.Filter):
    """Drop the two MigrationContext lines; pass everything else."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in CHATTER


class OneLineEnumChange(logging.Filter):
    """Word a changed enum as one line, like autogenerate's other "Detected ..." lines: its
    `Was:` and `Become:` lines read as output of their own beside them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == ENUM_CHANGE and len(record.args or ()) == 3:
            name, old, new = record.args  # type: ignore[misc]
            record.msg = "Detected changed enum values in %r: %s become %s"
            record.args = (name, values(old), values(new))
        return True


def values(enum_values: object) -> str:
    """``['a', 'b']`` as ``'a', 'b'``, as the drift line lists an enum's values."""
    if not isinstance(enum_values, list | tuple):
        return repr(enum_values)
    return ", ".join(repr(value) for value in enum_values)


def install() -> None:
    """Filter Alembic's migration logger and alembic-postgresql-enum's (once per process;
    alembic.ini's logging keeps them)."""
    for name, kind in (
        ("alembic.runtime.migration", ContextChatter),
        (ENUM_LOGGER, OneLineEnumChange),
    ):
        logger = logging.getLogger(name)
        if not any(isinstance(each, kind) for each in logger.filters):
            logger.addFilter(kind())
