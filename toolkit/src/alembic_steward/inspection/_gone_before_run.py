"""What a MySQL/MariaDB run that stopped half-way found gone, and what made by hand contradicts it.

The differences on objects the stopped revision changes count as what the run left
(inspection/_run_leftovers.py). But a constraint dropped by hand before the run, whose DROP is
the very statement that failed (MariaDB's 1091 "Can't DROP CONSTRAINT `ck_mk_v`; check that it
exists"), was gone before the run: its failed statement says so. It is no leftover, yet no rerun
passes while it is gone (the DROP fails again), so it is named apart, to be made again by hand.
A hand-made CHECK (or other constraint) on a table whose constraints of that kind the stopped
revision changes may hold the very rule the revision relaxes (`CHECK (v > 0)` beside a
revision that relaxes `ck_mk_v` to `v > -5`): it is made by hand, but not harmless.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.catalog import Difference

# A drop of what is not there: MariaDB's and MySQL's 1091 (a column, key, constraint or
# index), MySQL's 3821 for a CHECK constraint.
NOT_THERE = re.compile(
    r"Can't DROP (?:CONSTRAINT |CHECK |INDEX |KEY |FOREIGN KEY |COLUMN )?[`'\"]?(?P<a>[^`'\";]+)"
    r"[`'\"]?; check that (?:it|column/key) exists"
    r"|Check constraint [`'\"](?P<b>[^`'\"]+)[`'\"] is not found",
    re.IGNORECASE,
)
# The kinds a table has several of, each with its own rule: one made by hand beside one the
# revision changes may hold the rule the revision changes.
RULE_KINDS = ("check constraint", "unique constraint", "foreign key")


def gone_before(differences: list[Difference], error_text: str) -> list[Difference]:
    """Those of ``differences`` missing, that the failed statement's ``error_text`` could not
    drop as they were not there."""
    gone = {(m.group("a") or m.group("b")).lower() for m in NOT_THERE.finditer(error_text)}
    return [
        difference
        for difference in differences
        if difference.change == "missing" and difference.subject.rsplit(".", 1)[-1].lower() in gone
    ]


def contradicting(
    connection: Connection, hand_made: list[Difference], older: list[str], newer: list[str]
) -> list[Difference]:
    """Those of ``hand_made`` made on a table where the revisions from ``older`` to ``newer``
    change a constraint of the same kind (RULE_KINDS)."""
    from alembic_steward.inspection._run_leftovers import changed_between

    candidates = [d for d in hand_made if d.kind in RULE_KINDS and d.change == "unexpected"]
    built = changed_between(connection, older, newer) if candidates else None
    if built is None:
        return []
    changed = {(kind, table_of(subject)) for kind, subject in built[0]}
    return [d for d in candidates if (d.kind, table_of(d.subject)) in changed]


def table_of(subject: str) -> str:
    """`mk` of `mk.ck_mk_v` (`app.mk` of `app.mk.ck_mk_v`)."""
    return subject.rsplit(".", 1)[0].lower()
