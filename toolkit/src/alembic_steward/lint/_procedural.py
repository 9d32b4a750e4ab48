"""The statements PostgreSQL runs from procedural code a revision writes, for the lint to read.

squawk reads `DO $$ ... $$` and `CREATE FUNCTION ... AS $$ ... $$` as one statement each and
never looks inside the quoted body, so `op.execute("DO $$ BEGIN CREATE INDEX ix ON t (c); END
$$")` built an index that blocks writes without a finding. pglast, PostgreSQL's own parser
(libpg_query), reads both the SQL and the PL/pgSQL inside it: the statements of each DO block,
the text of each `EXECUTE '...'` (and `EXECUTE format('...', ...)`, with placeholders for
what only the database knows), and the bodies of the functions and procedures the revision
creates and then calls. They are linted like the revision's own SQL, at the line that wrote
them: the DO block's, or the function's CREATE.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from alembic_steward.lint._dynamic_sql import is_sql, string_value

# Cheap test for SQL that may hold procedural code (a DO statement, or a function created),
# so pglast is needed only then; `ON CONFLICT DO NOTHING` or `EXECUTE FUNCTION f()` is none.
MAY_BE_PROCEDURAL = re.compile(
    r"\bDO\s+(?:\$|E?'|LANGUAGE\b)|\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\b",
    re.IGNORECASE,
)
# Statements of a body that are themselves procedural are read too, this many levels deep.
MAX_DEPTH = 5


class PglastMissing(Exception):
    """pglast is not installed, and a revision's SQL holds procedural code to read."""


@dataclass(frozen=True)
class Routine:
    """A function or procedure the revision created: its CREATE statement and line."""

    line: int
    create_statement: str
    language: str


def with_procedural_statements(chunks: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Return ``chunks`` (revision line, SQL) with the statements each one runs from procedural
    code inserted after it, at the line that wrote that code; raise PglastMissing if needed."""
    if not any(MAY_BE_PROCEDURAL.search(sql) for _, sql in chunks):
        return chunks
    try:
        import pglast.parser  # noqa: F401
    except ImportError:
        raise PglastMissing(
            "holds procedural SQL here (a DO block or a function body), which the lint reads"
            " with pglast, and pglast is not installed; install it with"
            " `python -m pip install pglast`"
        ) from None
    routines: dict[str, Routine] = {}
    expanded = []
    for line, sql in chunks:
        expanded.append((line, sql))
        if not (routines or MAY_BE_PROCEDURAL.search(sql)):
            continue  # nothing procedural, and nothing created yet that it could call
        # Terminated as Alembic terminates its own, so the statements stay apart in one file.
        expanded += [
            (origin, statement.rstrip().rstrip(";") + ";\n")
            for origin, statement in statements_run_by(sql, line, routines, depth=0)
        ]
    return expanded


def statements_run_by(
    sql: str, line: int, routines: dict[str, Routine], depth: int
) -> list[tuple[int, str]]:
    """Return (line, statement) for what ``sql``'s DO blocks and calls of ``routines`` run."""
    if depth > MAX_DEPTH:
        return []
    found = []
    for statement, text in parsed_statements(sql):
        if "DoStmt" in statement:
            body, language = do_block(statement["DoStmt"])
            if language == "plpgsql":
                found += nested(plpgsql_statements(wrapped_do_block(body)), line, routines, depth)
        elif "CreateFunctionStmt" in statement:
            create = statement["CreateFunctionStmt"]
            name = create["funcname"][-1]["String"]["sval"]
            routines[name] = Routine(line, text, option(create, "language") or "sql")
        for name in called_names(statement):
            routine = routines.get(name)
            if routine is not None:
                body = routine_statements(routine)
                found += nested(body, routine.line, routines, depth)
    return found


def nested(
    statements: list[str], line: int, routines: dict[str, Routine], depth: int
) -> list[tuple[int, str]]:
    """Each statement at ``line``, followed by what it runs in turn."""
    found = []
    for statement in statements:
        found.append((line, statement))
        found += statements_run_by(statement, line, routines, depth + 1)
    return found


def parsed_statements(sql: str) -> Iterator[tuple[dict, str]]:
    """Yield each statement's parse tree and text; nothing when pglast cannot parse ``sql``."""
    from pglast.parser import ParseError, parse_sql_json

    try:
        tree = json.loads(parse_sql_json(sql))
    except ParseError:
        return  # squawk reports SQL that does not parse; procedural code it may hold is lost
    encoded = sql.encode("utf-8")  # libpg_query's locations count bytes
    for raw in tree.get("stmts", []):
        start = raw.get("stmt_location", 0)
        end = start + raw["stmt_len"] if "stmt_len" in raw else len(encoded)
        yield raw["stmt"], encoded[start:end].decode("utf-8").strip()


def option(node: dict, name: str) -> Any:
    """The value of a DO block's or CREATE FUNCTION's option ``name`` (`as`, `language`)."""
    for element in node.get("args") or node.get("options") or []:
        definition = element["DefElem"]
        if definition["defname"] == name:
            argument = definition["arg"]
            if "List" in argument:
                return [item["String"]["sval"] for item in argument["List"]["items"]]
            return argument["String"]["sval"]
    return None


def do_block(node: dict) -> tuple[str, str]:
    return option(node, "as"), (option(node, "language") or "plpgsql").lower()


def wrapped_do_block(body: str) -> str:
    """A CREATE FUNCTION holding a DO block's body: pglast reads PL/pgSQL only in one."""
    tag = "$lint$"
    while tag in body:
        tag = tag[:-1] + "_$"
    return f"CREATE FUNCTION lint_do_block() RETURNS void LANGUAGE plpgsql AS {tag}{body}{tag}"


def routine_statements(routine: Routine) -> list[str]:
    """The statements a created function's or procedure's body runs when called."""
    if routine.language.lower() == "plpgsql":
        return plpgsql_statements(routine.create_statement)
    if routine.language.lower() == "sql":
        statements = [statement for statement in parsed_statements(routine.create_statement)]
        body = option(statements[0][0]["CreateFunctionStmt"], "as") if statements else None
        return [text for _, text in parsed_statements(body[0])] if body else []
    return []  # plpython and the like: not SQL the lint can read


def plpgsql_statements(create_function: str) -> list[str]:
    """The SQL statements in a PL/pgSQL function's body, including EXECUTE's text."""
    from pglast.parser import ParseError, parse_plpgsql_json

    try:
        tree = json.loads(parse_plpgsql_json(create_function))
    except ParseError:
        return []  # PostgreSQL would refuse the body too
    statements = []
    for kind, node in walk(tree):
        if kind in ("PLpgSQL_stmt_execsql", "PLpgSQL_stmt_perform", "PLpgSQL_stmt_call"):
            expression = node.get("sqlstmt") or node.get("expr")
            statements.append(expression["PLpgSQL_expr"]["query"])
        elif kind == "PLpgSQL_stmt_dynexecute":
            text = string_value(node["query"]["PLpgSQL_expr"]["query"])
            if text is not None and is_sql(text):
                statements.append(text)
    return statements


def walk(node: Any) -> Iterator[tuple[str, dict]]:
    """Yield (node kind, node) for every node of a JSON parse tree, outermost first."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict):
                yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def called_names(statement: dict) -> set[str]:
    """The names of the functions and procedures a statement calls (unqualified)."""
    return {
        node["funcname"][-1]["String"]["sval"]
        for kind, node in walk(statement)
        # CALL's FuncCall sits under the key "funccall".
        if kind in ("FuncCall", "funccall") and node.get("funcname")
    }
