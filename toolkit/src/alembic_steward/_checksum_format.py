"""The checksum of what a revision file's code does, the same under every Python from 3.10 on.

The first format hashed ``ast.dump`` of the syntax tree, whose text changes with Python itself:
3.12 added ``type_params`` to every function and class, 3.13 leaves empty fields out. A team
that upgraded Python saw every applied revision reported as edited. The current format hashes a
serialisation of our own instead: node type names and their non-empty fields, sorted by name,
so a field a newer Python adds with an empty default leaves no trace.

Standard library only, and outside ``runtime`` (whose package imports Alembic), so any bare
interpreter can import it: the tests compare its output under each supported Python.
"""

from __future__ import annotations

import ast
import hashlib
import json

from alembic_steward._revision_functions import defines

# The value lives in a String(64) column that databases already have: the tag and the first 61
# hex digits of the sha256 (244 bits) fit it; a first-format value is 64 plain hex digits.
FORMAT_TAG = "v2:"
CHECKSUM_LENGTH = 64
DOCUMENTED = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# The module-level list a revision declares its backfills in (alembic_steward.backfills): read
# by `db.backfill`, never run by the migration. Fixing it is what a failed backfill's line
# advises, and changes nothing the revision did to a database, so the checksum leaves it out.
BACKFILLS = "backfills"


def code_checksum(source: str) -> str:
    """Return ``v2:`` and 61 hex digits hashing what ``source`` does, whatever its layout.

    Comments, docstrings and formatting do not count. Raises SyntaxError if it does not parse.
    """
    # Type comments stay comments: ast.parse leaves them out unless given type_comments=True.
    return checksum_of_text(canonical_text(migration_tree(source)))


def migration_tree(source: str) -> ast.Module:
    """``source``'s syntax tree without its top-level ``backfills`` declaration."""
    tree = ast.parse(source)
    tree.body = [node for node in tree.body if not assigns(node, BACKFILLS)]
    return tree


def whole_file_checksum(source: str) -> str:
    """The current format's checksum as recorded before the ``backfills`` declaration was left
    out: of the whole file. Kept to recognise the values recorded so."""
    return checksum_of_text(canonical_text(ast.parse(source)))


def canonical_text(tree: ast.AST) -> str:
    """The serialisation the current format hashes: JSON of `canonical_form`, ASCII only."""
    return json.dumps(canonical_form(tree), separators=(",", ":"))


def checksum_of_text(canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("ascii")).hexdigest()
    return FORMAT_TAG + digest[: CHECKSUM_LENGTH - len(FORMAT_TAG)]


def checksums_with_parent(source: str, parents: list[str | None]) -> dict[str | None, str]:
    """Map each of ``parents`` to the checksum ``source`` has with that as its down_revision.

    How a checksum recorded before a revision was re-pointed is recognised: one of these is
    it. Empty when the file assigns no plain `down_revision`. Raises SyntaxError like
    `code_checksum`.
    """
    tree = migration_tree(source)
    # A value no revision id can be, serialised once; each parent's is put in its place.
    placeholder = ast.Constant("\0down_revision\0")
    assignments = [node for node in tree.body if assigns(node, "down_revision")]
    if len(assignments) != 1:
        return {}
    assignments[0].value = placeholder
    canonical = canonical_text(tree)
    marker = json.dumps(canonical_form(placeholder), separators=(",", ":"))
    return {
        parent: checksum_of_text(
            canonical.replace(
                marker, json.dumps(canonical_form(ast.Constant(parent)), separators=(",", ":"))
            )
        )
        for parent in parents
    }


def checksum_without_downgrade(source: str) -> str:
    """The current format's checksum of ``source`` without its top-level `downgrade()` (nor its
    ``backfills``): what the revision does to a database it upgrades. Raises SyntaxError."""
    tree = migration_tree(source)
    tree.body = [node for node in tree.body if not defines(node, "downgrade")]
    return checksum_of_text(canonical_text(tree))


def code_without_downgrade(source: str) -> str:
    """The current format's serialisation of ``source`` without its top-level `downgrade()`.

    Equal for two texts of a revision that differ only in what its downgrade does.
    """
    tree = ast.parse(source)
    tree.body = [node for node in tree.body if not defines(node, "downgrade")]
    return canonical_text(tree)


def assigns(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.Assign):
        return any(isinstance(target, ast.Name) and target.id == name for target in node.targets)
    return (
        isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and (node.target.id == name and node.value is not None)
    )


def is_first_format(checksum: str) -> bool:
    """Tell a first-format checksum (no tag; it depends on the Python that computed it)."""
    return not checksum.startswith(FORMAT_TAG)


def first_format_checksum(source: str) -> str:
    """Return the first format's 64 hex digits: sha256 of ``ast.dump`` without docstrings.

    Kept exactly as it was, to recognise the values it recorded: it matches only under a Python
    whose ``ast.dump`` writes the same text as the one that recorded them.
    """
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if has_docstring(node):
            node.body = node.body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()


def canonical_form(value: object) -> object:
    """Return ``value`` (a node, a list, or a field's plain value) as JSON-ready lists and dicts."""
    if isinstance(value, list):
        return [canonical_form(item) for item in value]
    if isinstance(value, ast.Constant):
        # The value only: ``kind`` is the u of u"...", a way of writing the same string.
        return ["Constant", constant_form(value.value)]
    if not isinstance(value, ast.AST):
        # Identifiers, operator flags (``conversion``, ``level``, ``is_async``) and the
        # True/False of ``case True:``; JSON escapes strings the same way in every version.
        return value
    fields = {}
    for name in sorted(value._fields):
        field = code_field(value, name)
        # Left out when empty, as a field a newer Python adds is empty in code older ones parse.
        if field is not None and field != []:
            fields[name] = canonical_form(field)
    return [type(value).__name__, fields]


def code_field(node: ast.AST, name: str) -> object:
    """Return ``node``'s field ``name`` without what does not run (docstrings, empty text)."""
    value = getattr(node, name, None)
    if name == "body" and has_docstring(node):
        # Docstrings describe, like comments: rewording one changes nothing that runs.
        return value[1:] or [ast.Pass()]
    if name == "values" and isinstance(node, ast.JoinedStr):
        # Python 3.12 adds an empty text part to format specs such as f"{x:{width}}".
        return [part for part in value if not is_empty_text(part)]
    return value


def has_docstring(node: ast.AST) -> bool:
    return isinstance(node, DOCUMENTED) and ast.get_docstring(node, clean=False) is not None


def is_empty_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == ""


def constant_form(value: object) -> list[str]:
    """Return a literal as [type name, text], so 1, 1.0, True and "1" stay apart."""
    # Numbers in hex: exact for floats, and free of the 4300-digit limit int-to-str has.
    if isinstance(value, bool) or value is None or value is Ellipsis:
        return [repr(value)]
    if isinstance(value, int):
        return ["int", format(value, "x")]
    if isinstance(value, float):
        return ["float", value.hex()]
    if isinstance(value, complex):
        return ["complex", value.real.hex(), value.imag.hex()]
    if isinstance(value, bytes):
        return ["bytes", value.hex()]
    return ["str", str(value)]
