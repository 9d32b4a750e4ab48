"""A stored SQL text (a trigger's or routine's body, a view's definition) with its comments and
string literals blanked, so that the whole-word matcher (inspection/_names_in_text.py) reads
only what the database runs: `-- NEW.city was set here` and `'select city from users'` name no
column.

Quoted identifiers stay (`"City"`, MariaDB's `` `city` ``, SQLite's `[city]`): they are names.
A PostgreSQL body as pg_proc.prosrc keeps it is the function's source without its dollar
quotes, and pg_get_functiondef's `$function$ ... $function$` encloses the code itself, so
what dollar quotes enclose is read as code; the quotes themselves become spaces, since
pg_get_functiondef writes a one-line body with none between (`$function$select ... from
t$function$`), where `t$function$` would read as one name. MariaDB reads "..." as a string
unless its sql_mode has ANSI_QUOTES, which a stored body's text does not say here: read as a
string, that errs towards missing a name written that way, which a body rarely is.
"""

from __future__ import annotations

import re
from functools import cache

IDENTIFIERS = {
    "postgresql": r'"(?:[^"]|"")*"',
    "mysql": r"`(?:[^`]|``)*`",
    "sqlite": r'"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]',
}
BLANKED = {
    # E'it\'s' takes backslash escapes; '' is a quote in any string.
    "postgresql": r"(?<![\w$])[eE]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/",
    # `-- ` needs a space after it; `#` comments too; `/*! ... */` is run, so it stays.
    "mysql": r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"|--(?=\s)[^\n]*|#[^\n]*"
    r"|/\*(?!!).*?\*/",
    "sqlite": r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/",
}
DIALECTS = {"mariadb": "mysql"}
# A dollar quote: `$`, an optional tag (not beginning with a digit), `$`; it opens only where no
# name goes on (`c$1$` is a name), and closes at the same tag, whatever stands before it.
DOLLAR_QUOTED = re.compile(
    r"(?<![\w$])\$(?P<tag>(?:[^\W\d]\w*)?)\$(?P<body>.*?)\$(?P=tag)\$", re.DOTALL
)


@cache
def pattern(dialect: str) -> re.Pattern[str]:
    dialect = DIALECTS.get(dialect, dialect)
    identifiers = IDENTIFIERS.get(dialect, IDENTIFIERS["postgresql"])
    blanked = BLANKED.get(dialect, BLANKED["postgresql"])
    # One alternation, so whichever opens first wins: a quote inside a comment, or `--`
    # inside a string, is read as part of it.
    return re.compile(rf"(?P<name>{identifiers})|{blanked}", re.DOTALL)


def code_of(text: str, dialect: str) -> str:
    """``text`` with each comment and string literal of ``dialect`` made a space (PostgreSQL's
    dollar quotes too, keeping what they enclose)."""
    if DIALECTS.get(dialect, dialect) == "postgresql":
        text = without_dollar_quotes(text)
    return pattern(dialect).sub(lambda found: found["name"] or " ", text)


def without_dollar_quotes(text: str) -> str:
    """PostgreSQL ``text`` with each dollar quote a space, nested ones too."""
    return DOLLAR_QUOTED.sub(lambda found: f" {without_dollar_quotes(found['body'])} ", text)
