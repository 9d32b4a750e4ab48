"""The text a PL/pgSQL `EXECUTE` runs, as far as the revision's own literals tell it.

`EXECUTE 'CREATE INDEX ...'`, `EXECUTE 'CREATE INDEX ' || quote_ident(name) || ' ON t (c)'` and
`EXECUTE format('CREATE INDEX %I ON t (c)', name)` are read into statements squawk can lint,
each value only the running database knows (a variable, a function's result) standing as a
placeholder name.
"""

from __future__ import annotations

import json
import re

# A name standing for a value only the running database knows (a variable, quote_ident(...)).
PLACEHOLDER = "lint_placeholder"
FORMAT_SPECIFIER = re.compile(r"%(?:\d+\$)?-?\d*([sIL%])")


def string_value(expression: str) -> str | None:
    """The text a PL/pgSQL string expression builds, or None when no literal shapes it."""
    from pglast.parser import ParseError, parse_sql_json

    try:
        tree = json.loads(parse_sql_json(f"SELECT {expression}"))
    except ParseError:
        return None
    value = tree["stmts"][0]["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]
    text = evaluated(value)
    return None if text is None or text == PLACEHOLDER else text


def evaluated(node: dict) -> str | None:
    """Literals, `||` and format(...) as the text they make; anything else a placeholder."""
    if "A_Const" in node:
        return node["A_Const"].get("sval", {}).get("sval")
    if "TypeCast" in node:
        return evaluated(node["TypeCast"]["arg"])
    if "A_Expr" in node and [n["String"]["sval"] for n in node["A_Expr"]["name"]] == ["||"]:
        parts = evaluated(node["A_Expr"]["lexpr"]), evaluated(node["A_Expr"]["rexpr"])
        return "".join(PLACEHOLDER if part is None else part for part in parts)
    if "FuncCall" in node and node["FuncCall"]["funcname"][-1]["String"]["sval"] == "format":
        values = [evaluated(argument) for argument in node["FuncCall"].get("args", [])]
        if not values or values[0] is None:
            return None
        return formatted(values[0], values[1:])
    return PLACEHOLDER


def formatted(template: str, arguments: list[str | None]) -> str:
    """format()'s result, each argument that is no literal standing as a placeholder."""
    remaining = iter(arguments)

    def substitute(match: re.Match[str]) -> str:
        if match.group(1) == "%":
            return "%"
        value = next(remaining, None)
        value = PLACEHOLDER if value is None else value
        return f"'{value}'" if match.group(1) == "L" else value

    return FORMAT_SPECIFIER.sub(substitute, template)


def is_sql(text: str) -> bool:
    """Whether ``text`` parses as SQL: a dynamic statement only the database can complete
    would otherwise reach squawk as a syntax error the revision does not have."""
    from pglast.parser import ParseError, parse_sql_json

    try:
        parse_sql_json(text)
    except ParseError:
        return False
    return True
