"""A PostgreSQL routine's definition on one line that still runs as written: the catalog
compares definitions whitespace aside, and status prints them in one line each.

Joining the lines alone made a `-- comment` swallow the code after it (copied, the definition
no longer ran), and closed up the spaces inside a string literal (`'a  b'`), which are data.
So a line comment becomes a block comment (`/* ... */`), a string literal or a quoted name is
kept as written, and only the whitespace of the code between them is one space. A dollar
quote is read as code (pg_get_functiondef's `$function$ ... $function$` encloses the body
itself, as in inspection/_sql_code.py): one nested in a body has its whitespace closed up.
"""

from __future__ import annotations

import re

TOKENS = re.compile(
    r"(?P<kept>(?<![\w$])[eE]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")"
    r"|(?P<block>/\*.*?\*/)|--(?P<line>[^\n]*)|(?P<space>\s+)",
    re.DOTALL,
)


def one_line(text: str) -> str:
    """``text`` on one line, running as it did (see the module's docstring)."""
    return TOKENS.sub(token, text).strip()


def token(found: re.Match[str]) -> str:
    if found["kept"] is not None:
        return found["kept"]
    if found["block"] is not None:
        return " ".join(found["block"].split())
    if found["line"] is not None:
        # PostgreSQL nests block comments: neither an opening nor a closing one may stay.
        said = " ".join(found["line"].replace("/*", "/ *").replace("*/", "* /").split())
        return f"/* {said} */" if said else " "
    return " "
