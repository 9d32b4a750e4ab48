"""Values the stairway test puts in a table's row, where a generated value would not do.

Before each upgrade and each downgrade step the stairway (alembic_steward's migration checks)
inserts one row into every table that has none, so a migration that only fails on a table
holding rows (a NOT NULL column added without a server default, say) fails here instead of in
production, and a downgrade that does not give back the values its upgrade kept fails too. It
makes each value from the column's type and CHECK constraints, per database; name a table below
to supply some yourself, for a CHECK it cannot satisfy or a format the type does not say. Write
Python values (True, a dict or list for a JSON column, a datetime, a Decimal, a uuid): each is
stored as the column's SQLAlchemy type stores it on each database. A value may be a function of
the row number n (unique per row); a column the table does not have at that revision is
skipped. Map a table to None to leave it empty (`SAMPLE_VALUES = {"t": None}`). An integer
primary key the stairway writes itself is 900000 + n, far from the ids a seed revision inserts.

Example:

    SAMPLE_VALUES = {
        "users": {"email": lambda n: f"user{n}@example.com", "age": 30},
        "audit_log": None,
    }
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SAMPLE_VALUES: dict[str, dict[str, Any | Callable[[int], Any]] | None] = {}
