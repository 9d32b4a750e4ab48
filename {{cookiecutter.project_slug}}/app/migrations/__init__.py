"""Everything about migrations that ships with the service: Alembic's environment and its parts.

`python -m app.migrations upgrade [REV]` (and `current`) migrates the database `DATABASE_URL`
names, from a project checkout or from an installed wheel alike; `ensure_up_to_date()` is the
service's start-up check that the database is at head.
"""

from app.migrations.up_to_date import DatabaseNotUpToDate, ensure_up_to_date

__all__ = ["DatabaseNotUpToDate", "ensure_up_to_date"]
