"""Changes autogenerate detects but cannot write into a revision, read from Alembic's warnings.

Alembic warns, and writes nothing, for such a change (a generated column's expression, an
expression index SQLite cannot reflect, an index expression it cannot compare): a check that
let the warning pass would say "no changes" while the database never follows the models.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic_steward.inspection._reflection_warnings import ignore_skipped_expression_indexes

# Where Alembic's comparison warns from (its util.warn names the caller).
COMPARISON_MODULES = r"alembic\.(autogenerate|ddl)\b"
HAND_WRITTEN_REVISION = '`inv db.revision --empty -m "..."`'
# What each warning Alembic gives for such a change means, and what to write by hand for it.
KNOWN_WARNINGS = (
    (
        re.compile(r"Computed default on (?P<table>\S+)\.(?P<column>\S+) cannot be modified"),
        "change the generated expression of {table}.{column}: drop the column and add it again",
    ),
    (
        re.compile(r"expression-based index '(?P<index>[^']+)'"),
        "create the expression index {index}, which this database cannot reflect to compare:"
        " `op.create_index(...)` it",
    ),
    (
        re.compile(r"Expression #\d+ .* in index '(?P<index>[^']+)' detected to include an op"),
        "check the expression index {index} (an operator clause stops the comparison: move it to"
        " `postgresql_ops`); drop and create the index if it changed",
    ),
)


def by_hand_advice(warning: str) -> str:
    """One drift line for an Alembic warning about a change it cannot write."""
    for pattern, change in KNOWN_WARNINGS:
        match = pattern.search(warning)
        if match is not None:
            what = change.format(**match.groupdict())
            break
    else:
        what = f"make the change Alembic warns of ({warning.strip().splitlines()[0]})"
    return f"{what} (autogenerate cannot write it): write it by hand in {HAND_WRITTEN_REVISION}"


def from_comparison(warning: warnings.WarningMessage) -> bool:
    """Tell whether ``warning`` is from Alembic's comparison, not the app's or a driver's."""
    module = ".".join(Path(warning.filename).with_suffix("").parts)
    return issubclass(warning.category, UserWarning) and bool(re.search(COMPARISON_MODULES, module))


@contextmanager
def collecting_unwritable_changes() -> Iterator[list[str]]:
    """Collect, as drift lines, each change Alembic detects during a comparison but cannot write."""
    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        # "always": a second comparison in the same process must see the warning again.
        warnings.filterwarnings("always", category=UserWarning, module=COMPARISON_MODULES)
        ignore_skipped_expression_indexes()
        yield found
    for warning in caught:
        if from_comparison(warning):
            found.append(by_hand_advice(str(warning.message)))
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
