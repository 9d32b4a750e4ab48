"""The ALTER SEQUENCE that turns a sequence the database holds into the models' one.

A sequence that is there already cannot be created again (CreateSequence fails with "already
exists"): each option that differs is changed in place, and the downgrade changes it back. The
options come as the catalog reads them: PostgreSQL's `bigint start 1 increment 1 min 1 max ...
cache 1 [cycle]`, MariaDB's `start with 1 minvalue 1 maxvalue ... increment by 1 cache 1000
nocycle ENGINE=InnoDB`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic_steward.catalog import Difference

# PostgreSQL's catalog words, each with the ALTER SEQUENCE clause that sets it.
POSTGRESQL_CLAUSES = {
    "start": "START WITH",
    "increment": "INCREMENT BY",
    "min": "MINVALUE",
    "max": "MAXVALUE",
    "cache": "CACHE",
}
MARIADB_OPTION = re.compile(
    r"(?P<clause>start with|minvalue|maxvalue|increment by|cache) (?P<value>-?\d+)"
    r"|(?P<cycle>nocycle|cycle)\b",
    re.IGNORECASE,
)


def clauses(options: str, dialect: str) -> dict[str, str]:
    """The ALTER SEQUENCE clauses that set each of ``options`` (the catalog's reading), by
    clause: `{"START WITH": "START WITH 100", "CYCLE": "NO CYCLE", ...}`."""
    found = {}
    if dialect == "postgresql":
        words = options.split()
        found["AS"] = f"AS {words[0]}"
        for word, value in zip(words[1::2], words[2::2], strict=False):
            if word in POSTGRESQL_CLAUSES:
                found[POSTGRESQL_CLAUSES[word]] = f"{POSTGRESQL_CLAUSES[word]} {value}"
        found["CYCLE"] = "CYCLE" if words[-1] == "cycle" else "NO CYCLE"
        return found
    for match in MARIADB_OPTION.finditer(options):
        if match["cycle"]:
            found["CYCLE"] = match["cycle"].upper()
        else:
            clause = match["clause"].upper()
            found[clause] = f"{clause} {match['value']}"
    return found


def alter_sequence_calls(difference: Difference, dialect: str) -> str | None:
    """The upgrade's and the downgrade's `op.execute("ALTER SEQUENCE ...")` for ``difference``,
    a sequence whose options differ; None when the options cannot be read."""
    options = {fact: (want, have) for fact, want, have in difference.facts}
    if difference.change != "different" or set(options) != {"options"}:
        return None
    want, have = (clauses(text or "", dialect) for text in options["options"])
    changed = [clause for clause in want if want[clause] != have.get(clause)]
    if not changed or set(want) != set(have):
        return None
    name = difference.subject
    upgrade = " ".join(want[clause] for clause in changed)
    downgrade = " ".join(have[clause] for clause in changed)
    restart = ""
    if "START WITH" in changed:
        restart = (
            "; START WITH changes where a RESTART begins, not the next value: add"
            f" RESTART WITH {want['START WITH'].split()[-1]} only if no value it already gave"
            " can come again"
        )
    return (
        f'`op.execute("ALTER SEQUENCE {name} {upgrade}")` in the upgrade, and'
        f' `op.execute("ALTER SEQUENCE {name} {downgrade}")` in the downgrade{restart}'
    )
