"""The text a trigger runs, as the catalog describes it: a MariaDB or SQLite trigger's body is
its own facts; a PostgreSQL trigger's is the function its definition names
(`EXECUTE FUNCTION f()`), described as a function of its own (catalog/_postgresql.py), so
that what reads a trigger's words (the columns it names: inspection/_broken_routines.py,
inspection/_hand_made_dependents.py) reads that function's definition with it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from alembic_steward.catalog._model import Facts, Key

NAME = r'(?:"(?:[^"]|"")*"|[^\s".(]+)'
# pg_get_triggerdef's `EXECUTE FUNCTION [schema.]name(arguments)`: the schema only where the
# function is not visible on the search path. A trigger function declares no arguments (those
# in the parentheses are the trigger's own), so it is keyed `name()`.
EXECUTED = re.compile(
    rf"\bEXECUTE (?:FUNCTION|PROCEDURE) (?:(?P<schema>{NAME})\.)?(?P<name>{NAME})\("
)


def unquoted(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def trigger_text(objects: Mapping[Key, Facts], key: Key, facts: Facts) -> str:
    """The words of the trigger at ``key`` (its ``facts``) and, on PostgreSQL, of the function
    it runs, when ``objects`` describes it."""
    text = "\n".join(str(value) for value in facts.values() if value)
    executed = executed_function(key, facts)
    if executed is None:
        return text
    function = objects.get(executed, {})
    return "\n".join([text, *(str(value) for value in function.values() if value)])


def executed_function(key: Key, facts: Facts) -> Key | None:
    """The key of the function the PostgreSQL trigger at ``key`` runs; None elsewhere."""
    executed = EXECUTED.search(str(facts.get("definition") or ""))
    if executed is None:
        return None
    schema = unquoted(executed["schema"]) if executed["schema"] else key[1]
    return ("function", schema, "", f"{unquoted(executed['name'])}()")
