"""PostgreSQL's sequences are kept with the table whose column owns them (OWNED BY: a serial's
own), the table in their key, so that what reads a table reads its sequence too. Compared, a
sequence is one object whoever owns it: one that changed owner (`ALTER SEQUENCE ... OWNED BY`)
is the same sequence with another "owned by", not a missing one and an extra one.

And a serial's sequence is named after the table it was made for: a table renamed since keeps
the old name (`old_orders_id_seq`), where the models' build names it afresh. Owned by the same
column on both sides, the two are one sequence, and the column's default, which names it, reads
the expected side's name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from alembic_steward.catalog._model import Facts, Key

# A column's default that takes the next value of a sequence: nextval('[schema.]name'::regclass).
NEXTVAL = re.compile(r"^nextval\('(?P<name>[^']+)'::regclass\)$")


def same_sequences(want: Mapping[Key, Facts], have: Mapping[Key, Facts]) -> dict[Key, Key]:
    """The expected side's sequence -> the actual side's key for it, where the keys differ:
    the same name under another owner, or a renamed serial's (exactly one of each owned by a
    column that has one)."""
    missing = [key for key in want.keys() - have.keys() if key[0] == "sequence"]
    extra = [key for key in have.keys() - want.keys() if key[0] == "sequence"]
    by_name = {(key[1], key[3]): key for key in extra}
    paired = {key: by_name[(key[1], key[3])] for key in missing if (key[1], key[3]) in by_name}
    by_column: dict[tuple, tuple[list[Key], list[Key]]] = {}
    for index, (side, facts) in enumerate(((missing, want), (extra, have))):
        for key in side:
            if key not in paired and key not in paired.values() and key[2]:
                column = (key[1], facts[key].get("owned by"))
                by_column.setdefault(column, ([], []))[index].append(key)
    for expected, actual in by_column.values():
        if len(expected) == 1 and len(actual) == 1:
            paired[expected[0]] = actual[0]
    return paired


def renamed(paired: Mapping[Key, Key]) -> dict[tuple[str | None, str], str]:
    """(schema, the actual side's name) -> the expected side's, for each renamed sequence."""
    return {(have[1], have[3]): want[3] for want, have in paired.items() if want[3] != have[3]}


def with_expected_names(
    facts: Facts, schema: str | None, names: Mapping[tuple[str | None, str], str]
) -> Facts:
    """A column's ``facts`` with a default that takes a renamed sequence (``names``) naming it
    as the expected side does."""
    found = NEXTVAL.match(facts.get("default", ""))
    if not names or found is None:
        return facts
    qualifier, _, name = found.group("name").rpartition(".")
    expected = names.get((schema, name))
    if expected is None:
        return facts
    written = f"{qualifier}.{expected}" if qualifier else expected
    return {**facts, "default": f"nextval('{written}'::regclass)"}
