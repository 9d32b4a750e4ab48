"""The committed schema file: a catalog description as text a reviewer reads, and back.

One object a line, grouped under the table (or view) that owns it, each fact indented under its
object, in the catalog's own sort order, so two runs on the same history write the same bytes
and a diff in review shows exactly what a revision changed:

    table users
      column email
        nullable: false
        type: VARCHAR(320)
      index ix_users_email
        columns: email

A name or value that holds a line break, starts or ends with a space, starts with a double
quote or is empty is written as a JSON string, so every file parses back to the same catalog.
"""

from __future__ import annotations

import json
import re

from alembic_steward.catalog import Catalog, Key
from alembic_steward.catalog._model import FLOOR_FACTS, KINDS, sort_key

HEADER = (
    "# The schema the migrations build at head {heads}, on {dialect}: written by"
    " `inv db.schema` from a scratch database. Do not edit; rerun `inv db.schema`."
)
HEADER_LINE = re.compile(r"^# The schema the migrations build at head (\S+), on (\w+):")
OWNER_INDENT, FACT_INDENT = "  ", "    "
# Longest first, so "enum type" is not read as a kind "enum".
KIND_PREFIXES = sorted(KINDS, key=len, reverse=True)
# An owned object whose owner has no line of its own (cannot happen for tables and views).
OWNER_ONLY = "of"


class SchemaFileError(ValueError):
    """The schema file is not one `inv db.schema` wrote (the text says where)."""


def render_schema(catalog: Catalog, heads: list[str]) -> str:
    """The schema file's text for ``catalog``, built at ``heads`` (sorted, comma-joined); without
    its counters (FLOOR_FACTS), which say what rows the build's data revisions wrote."""
    lines = [HEADER.format(heads=",".join(sorted(heads)) or "base", dialect=catalog.dialect)]
    current_owner: tuple[str | None, str] | None = None
    for key, facts in sorted(catalog.objects.items(), key=sort_key):
        kind, schema, owner, name = key
        if not owner:
            current_owner = (schema, name)
            lines.append(f"{kind} {token(name)}{schema_suffix(schema)}")
        else:
            if current_owner != (schema, owner):
                current_owner = (schema, owner)
                lines.append(f"{OWNER_ONLY} {token(owner)}{schema_suffix(schema)}")
            lines.append(f"{OWNER_INDENT}{kind} {token(name)}")
        lines.extend(
            f"{FACT_INDENT}{fact}: {token(facts[fact])}"
            for fact in sorted(facts)
            if fact not in FLOOR_FACTS
        )
    return "\n".join(lines) + "\n"


def parse_schema(text: str) -> tuple[Catalog, list[str]]:
    """The catalog and heads a schema file holds. Raises SchemaFileError naming the line.

    Three levels: an object of its own (table, view, sequence, enum type, schema) at the left
    margin, what it owns indented once, and every object's facts indented twice.
    """
    lines = text.splitlines()
    header = HEADER_LINE.match(lines[0]) if lines else None
    if header is None:
        raise SchemaFileError("line 1 is not the header `inv db.schema` writes")
    heads = [] if header[1] == "base" else header[1].split(",")
    objects: dict[Key, dict[str, str]] = {}
    owner: tuple[str | None, str] | None = None
    facts: dict[str, str] | None = None
    for number, line in enumerate(lines[1:], start=2):
        try:
            if line.startswith(FACT_INDENT):
                fact, value = line[len(FACT_INDENT) :].split(": ", 1)
                if facts is None:
                    raise ValueError(line)
                facts[fact] = untoken(value)
            elif line.startswith(OWNER_INDENT):
                kind, name = split_kind(line[len(OWNER_INDENT) :])
                if owner is None or kind == OWNER_ONLY:
                    raise ValueError(line)
                facts = objects.setdefault((kind, owner[0], owner[1], untoken(name)), {})
            else:
                kind, rest = split_kind(line)
                name, schema = split_schema(rest)
                owner = (schema, name)
                key = (kind, schema, "", name)
                facts = None if kind == OWNER_ONLY else objects.setdefault(key, {})
        except ValueError:
            raise SchemaFileError(f"line {number} cannot be read: {line!r}") from None
    return Catalog(header[2], objects), heads


def split_kind(text: str) -> tuple[str, str]:
    for kind in (*KIND_PREFIXES, OWNER_ONLY):
        if text.startswith(kind + " "):
            return kind, text[len(kind) + 1 :]
    raise ValueError(text)


def split_schema(text: str) -> tuple[str, str | None]:
    """`users` -> (users, None); `users in audit` -> (users, audit); names may be JSON."""
    name, _, schema = text.partition(" in ") if not text.startswith('"') else json_split(text)
    return untoken(name), (untoken(schema) if schema else None)


def json_split(text: str) -> tuple[str, str, str]:
    name, end = json.JSONDecoder().raw_decode(text)
    rest = text[end:]
    return json.dumps(name), "", rest.removeprefix(" in ")


def schema_suffix(schema: str | None) -> str:
    return "" if schema is None else f" in {token(schema)}"


def token(value: str) -> str:
    """``value`` as written: plain when it reads back unchanged, else as a JSON string."""
    plain = (
        value
        and value == value.strip()
        and "\n" not in value
        and "\r" not in value
        and not value.startswith('"')
        and " in " not in value
    )
    return value if plain else json.dumps(value)


def untoken(text: str) -> str:
    return json.loads(text) if text.startswith('"') else text
