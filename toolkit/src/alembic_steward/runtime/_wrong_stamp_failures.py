"""Whether a migration's failure is the one a wrong stamp gives, so a search for it is worth it.

A database stamped back at an older revision makes the next upgrade create what is already
there; one stamped ahead of what ran makes it use what is not there. Only after such a failure
does the state line look for the revision whose build the database exactly is
(inspection/_later_builds.py): each search runs migrations on a scratch database, which after
any other failure only costs time, and after a signal would re-run what the user just stopped.
"""

from __future__ import annotations

import re

# How each database refuses to create what is already there (PostgreSQL 42P07/42701/42710,
# MariaDB 1050/1060/1061, SQLite): the failure a database stamped back at an older revision
# gives the upgrade that follows.
ALREADY_THERE = re.compile(r"already exists|duplicate column|duplicate key name", re.IGNORECASE)


def creates_what_exists(error: BaseException) -> bool:
    """Whether a migration failed creating something already there: only then is it worth
    looking for the later revision whose build the database is (a wrong stamp). That search
    runs the later revisions on a scratch database, the failed one first; after any other
    failure, or a signal (a sleeping or long migration stopped), it would only cost time."""
    return isinstance(error, Exception) and bool(ALREADY_THERE.search(str(error)))


# How each database refuses to use what is not there (PostgreSQL 42P01/42703/42704, MariaDB
# 1146/1054/1091, SQLite, and SQLAlchemy's reflection in a batch operation): the failure a
# database stamped ahead of what ran gives the upgrade that follows.
NOT_THERE = re.compile(
    r"does not exist|doesn't exist|no such (table|column|index)|unknown column|can't drop",
    re.IGNORECASE,
)


def lacks_what_it_expects(error: BaseException) -> bool:
    """Whether a migration failed on something it expects that is not there: only then is it
    worth looking for the earlier revision whose build the database is (a stamp ahead). That
    search builds the recorded revision's ancestors on a second scratch database: after any
    other failure, or a signal, it would only cost time."""
    from sqlalchemy.exc import NoSuchTableError

    if not isinstance(error, Exception):
        return False
    return isinstance(error, NoSuchTableError) or bool(NOT_THERE.search(str(error)))
