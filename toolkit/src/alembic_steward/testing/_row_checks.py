"""Make a sample row pass its table's CHECK constraints, or say which column cannot.

Each CHECK that names columns of the row is put to the database with the row's values
(testing/_check_constraints.py). One that fails is tried with the values its literals suggest
for the columns it names that are ours to choose (not the team's, not a foreign key's), then
NULL where the column allows it; the first combination the database accepts is kept.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from alembic_steward.testing._check_constraints import Check, passes

if TYPE_CHECKING:
    from alembic_steward.testing._sample_rows import SampleTable

# Combinations tried for one CHECK: enough for a few columns' literals, bounded either way.
MOST_TRIES = 200


def satisfy_checks(
    connection: Connection,
    table: SampleTable,
    row: dict[str, Any],
    types: dict[str, Any],
    fixed: set[str],
    number: int,
) -> None:
    """Change ``row`` in place so that it passes every CHECK the database can judge alone."""
    from alembic_steward.testing._sample_rows import SampleRowError, rows_module

    for check in table.shape.checks:
        named = check.columns(table.columns)
        if not named or any(name not in row for name in named):
            continue  # a column the database fills: the insert itself will judge
        if passes(connection, check, {n: row[n] for n in named}, types) is not False:
            continue
        free = [name for name in named if name not in fixed]
        found = passing_values(connection, table, check, row, types, free, number)
        if found is None:
            given = [name for name in named if name in fixed]
            if given:
                raise SampleRowError(
                    f"the stairway's sample row for {table.name} fails CHECK"
                    f" ({check.expression}) with {given[0]} = {row[given[0]]!r}, which"
                    f" {rows_module()} or a parent row gives; name values that pass it there"
                )
            raise SampleRowError(
                f"no sample value for {table.name}.{', '.join(named)} passes CHECK"
                f" ({check.expression}); name one in {rows_module()}"
            )
        row.update(found)


def passing_values(
    connection: Connection,
    table: SampleTable,
    check: Check,
    row: dict[str, Any],
    types: dict[str, Any],
    free: list[str],
    number: int,
) -> dict[str, Any] | None:
    """The first values of the ``free`` columns with which the row passes ``check``."""
    named = check.columns(table.columns)
    options = [table.candidates(name, check, number) for name in free]
    for values in itertools.islice(itertools.product(*options), MOST_TRIES):
        trial = {**{n: row[n] for n in named}, **dict(zip(free, values, strict=True))}
        if passes(connection, check, trial, types) is not False:
            return dict(zip(free, values, strict=True))
    return None
