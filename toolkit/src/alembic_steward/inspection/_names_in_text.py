"""Whether a text (a revision file, a view's definition) names a database object.

A name counts where it stands as a whole word, in any case: `notes` in `op.drop_table("notes")`
and in `SELECT n.notes_id FROM Notes n`, but not as part of `notes_id`. No parser of Python or
of three SQL dialects decides it, so a column of the same name on another table counts too:
the readings that ask (inspection/_run_leftovers.py, inspection/_hand_made_dependents.py) err
towards one object too many, never towards missing one.
"""

from __future__ import annotations

import re

# What goes on an identifier: Unicode's word characters, and `$`, which PostgreSQL and
# MySQL/MariaDB allow inside an unquoted one (`c$1` is one name, not `c` and `1`).
WORD_CHARACTER = r"[\w$]"


def names(text: str, name: str) -> bool:
    """Whether ``text`` holds ``name`` as a whole word, case aside."""
    # Lookarounds, not \b: \b stands only beside a word character, so a name that begins or
    # ends with another (a quoted identifier may) would never match.
    pattern = rf"(?<!{WORD_CHARACTER}){re.escape(name)}(?!{WORD_CHARACTER})"
    return re.search(pattern, text, re.IGNORECASE) is not None


def names_column(code: str, table: str, column: str, own_table: str = "") -> bool:
    """Whether a body's ``code`` (comments and strings blanked: inspection/_sql_code.py) names
    ``table``.``column``: the column as a whole word, in any clause (`SET qty`, `INSERT INTO
    items (qty)`, `WHERE qty`, `SELECT qty`), with the table named too, or the trigger's own
    (``own_table``). The one reading of a body's columns on the servers, which compile a body
    only when it runs; SQLite is asked instead (inspection/_sqlite_trigger_failures.py)."""
    on_table = own_table.lower() == table.lower() or names(code, table)
    return on_table and names(code, column)
