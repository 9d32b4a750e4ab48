"""The revisions that drop a column an earlier revision's trigger, routine, event or view still
names, read from the revision files alone: `inv db.lint` and `inv db.revision` warn before
anything runs, where the upgrade's look (runtime/_post_upgrade_look.py) can only warn after.

Each revision's upgrade() is read in its syntax tree (_revision_functions.py), never run: its
SQL strings (`op.execute("CREATE TRIGGER ...")`, `sa.text(...)` too) make or drop objects, its
`op.drop_column("t", "c")` and `batch_op.drop_column("c")` drop columns, and so does a rename
(`op.alter_column("t", "c", new_column_name="d")`): whatever names c then fails as surely as
after a drop (MariaDB keeps a view on the old name, unreadable). Walked oldest first,
an object made stays until a later text drops or replaces it; a revision's own statements count
before its column drops are checked (one that drops the trigger with the column is fine).
An object names a dropped column t.c where its text (comments and strings blanked:
inspection/_sql_code.py) has c as a whole word and is on t (a trigger) or names t too
(inspection/_names_in_text.py); a PostgreSQL trigger is read with the function it executes.
SQL built at run time is not read: this errs towards saying nothing, and it is a warning.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from alembic_steward._revision_functions import migration_function
from alembic_steward.inspection._names_in_text import names_column
from alembic_steward.inspection._sql_code import code_of

NAME = r'(?:[\w$"`\[\]]+\.)?["`\[]?([\w$]+)["`\]]?'
KINDS = r"TRIGGER|FUNCTION|PROCEDURE|EVENT|MATERIALIZED\s+VIEW|VIEW"
# What may stand between CREATE and the kind: MariaDB's view clauses (ALGORITHM=, DEFINER=,
# SQL SECURITY), PostgreSQL's TEMPORARY and RECURSIVE views, a constraint trigger.
CLAUSES = (
    r"(?:OR\s+REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?(?:DEFINER\s*=\s*\S+\s+)?"
    r"(?:SQL\s+SECURITY\s+\w+\s+)?(?:TEMP(?:ORARY)?\s+)?(?:RECURSIVE\s+)?(?:CONSTRAINT\s+)?"
)
MADE = re.compile(
    rf"\bCREATE\s+{CLAUSES}({KINDS})\s+"
    rf"(?:IF\s+NOT\s+EXISTS\s+)?{NAME}",
    re.IGNORECASE,
)
DROPPED = re.compile(rf"\bDROP\s+({KINDS})\s+(?:IF\s+EXISTS\s+)?{NAME}", re.IGNORECASE)
TRIGGER_TABLE = re.compile(rf"\bON\s+{NAME}", re.IGNORECASE)
EXECUTES = re.compile(rf"\bEXECUTE\s+(?:FUNCTION|PROCEDURE)\s+{NAME}", re.IGNORECASE)


class Made(NamedTuple):
    """An object a revision's SQL makes: its kind, name, table (a trigger's) and text."""

    revision: str
    kind: str
    name: str
    table: str
    text: str


class Step(NamedTuple):
    """One thing an upgrade() or downgrade() does, in its order: SQL, a dropped column (table,
    column; a renamed one too, with its new name in ``renamed_to``), the end of a batch block
    that recreates its table (SQLite's copy, which loses the table's triggers), or a dropped
    table (`op.drop_table`, its triggers with it). ``in_batch``: the column is dropped by a
    `batch_op` (SQLite: by the table's copy)."""

    line: int
    sql: str
    dropped: tuple[str, str] | None
    rebuilt: str = ""
    dropped_table: str = ""
    in_batch: bool = False
    renamed_to: str = ""
    # `op.rename_table("t", "u")`: (t, u), read by inspection/_revision_table_drops.py.
    renamed_table: tuple[str, str] | None = None


VIEWS = ("VIEW", "MATERIALIZED VIEW")


class NamedDroppedColumn(NamedTuple):
    """A revision dropping a column that an object made earlier still names. ``function``:
    the function a PostgreSQL trigger executes, when that is what names the column."""

    revision: str
    table: str
    column: str
    made: Made
    dialect: str = "postgresql"
    in_batch: bool = False
    function: str = ""
    renamed_to: str = ""

    @property
    def drop_fails(self) -> bool:
        """Whether the drop itself fails over it, whatever a later revision does: a view, and on
        PostgreSQL a trigger whose own text (`UPDATE OF c`, `WHEN`) names the column."""
        if self.made.kind in VIEWS:
            return self.dialect in ("postgresql", "sqlite")
        return self.dialect == "postgresql" and self.made.kind == "TRIGGER" and not self.function

    @property
    def effect(self) -> str:
        kind, name = self.made.kind.lower(), self.made.name
        if self.drop_fails:
            return "the drop then fails"
        if self.dialect == "sqlite" and self.made.kind == "TRIGGER":
            if self.in_batch:
                return (
                    f"SQLite's batch mode recreates table {self.made.table} without trigger"
                    f" {name}, silently (made again as it was, it fails whenever it fires)"
                )
            return f"the drop then fails, or leaves {kind} {name} failing whenever it fires"
        if self.made.kind == "TRIGGER":
            return f"the drop leaves {kind} {name} failing whenever it fires"
        return f"the drop leaves {kind} {name} failing whenever it runs"

    @property
    def line(self) -> str:
        name, made = self.made.name, self.made
        subject = f"{made.kind.lower()} {name} (made by revision {made.revision})"
        if self.function:
            # PostgreSQL: the trigger only runs the function; the function's body is what to fix.
            subject = (
                f"function {self.function}() (run by trigger {name}, made by revision"
                f" {made.revision})"
            )
        if self.renamed_to:
            return self.rename_line(subject)
        fix = f"drop {name} or make it again without {self.column}"
        if self.function:
            fix = (
                f"rewrite {self.function}() without {self.column} (`CREATE OR REPLACE"
                f" FUNCTION`), or drop trigger {name} and {self.function}()"
            )
        return (
            f"revision {self.revision} drops column {self.table}.{self.column}, which {subject}"
            f" still names: {self.effect}; in {self.revision}, before the drop, {fix}"
        )

    def rename_line(self, subject: str) -> str:
        """The warning for a rename: the old name stays in the body (a PostgreSQL function's, a
        MariaDB view's, trigger's or routine's), which then fails whenever it runs."""
        name = self.made.name
        unreadable = ""
        if self.made.kind in VIEWS:
            unreadable = " (a MariaDB view can no longer be read)"
        fix = f"drop {name} before the rename and make it again after it, naming {self.renamed_to}"
        if self.function:
            fix = (
                f"after the rename, make {self.function}() again naming {self.renamed_to}"
                f" (`CREATE OR REPLACE FUNCTION`): trigger {name} runs it as it is"
            )
        return (
            f"revision {self.revision} renames column {self.table}.{self.column} to"
            f" {self.renamed_to}, which {subject} still names: it then fails whenever it"
            f" runs{unreadable}; in {self.revision}, {fix}"
        )


def constant_text(node: ast.expr) -> str | None:
    """A string constant, or the string given to `text(...)`/`sa.text(...)`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and node.args and called(node) == "text":
        return constant_text(node.args[0])
    return None


def called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def batch_blocks(function: ast.AST) -> Iterator[tuple[ast.With | ast.AsyncWith, ast.Call, str]]:
    """Each `with op.batch_alter_table("t") as batch_op` block: the block, its call, t."""
    for node in ast.walk(function):
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                call = item.context_expr
                if isinstance(call, ast.Call) and called(call) == "batch_alter_table":
                    table = constant_text(call.args[0]) if call.args else None
                    if table:
                        yield node, call, table


def batch_tables(function: ast.AST) -> dict[str, str]:
    """`with op.batch_alter_table("t") as batch_op`: batch_op -> t."""
    tables = {}
    for block, call, table in batch_blocks(function):
        for item in block.items:
            if item.context_expr is call and isinstance(item.optional_vars, ast.Name):
                tables[item.optional_vars.id] = table
    return tables


# What a batch block may call and still alter its table in place (Alembic's `recreate="auto"`
# on SQLite: anything else, or an added column with an expression default, copies the table).
IN_PLACE = frozenset({"add_column", "create_index", "drop_index", "f"})


def recreates(block: ast.With | ast.AsyncWith, call: ast.Call) -> bool:
    """Whether the batch ``block`` recreates its table on SQLite, as far as its text tells."""
    recreate = next((each.value for each in call.keywords if each.arg == "recreate"), None)
    if recreate is not None:
        return constant_text(recreate) == "always"
    alias = next((item.optional_vars for item in block.items if item.context_expr is call), None)
    for node in ast.walk(block):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        receiver = node.func.value
        if not isinstance(alias, ast.Name) or getattr(receiver, "id", None) != alias.id:
            continue
        if node.func.attr not in IN_PLACE or expression_default(node):
            return True
    return False


def expression_default(node: ast.Call) -> bool:
    """Whether an `add_column(...)` gives a server default that is an expression (`sa.text(...)`,
    `sa.func.now()`), not a plain string."""
    return any(
        isinstance(inner, ast.keyword)
        and inner.arg == "server_default"
        and isinstance(inner.value, ast.Call)
        for inner in ast.walk(node)
    )


# A status reads the history up to three times (its broken objects, a pending revision's drops,
# a hand-dropped broken object): each file's syntax tree is walked once per process.
def upgrade_steps(source: str) -> tuple[Step, ...]:
    """What ``source``'s upgrade() does, in source order; () when it cannot be read."""
    return function_steps(source, "upgrade")


@functools.lru_cache(maxsize=2048)
def function_steps(source: str, name: str) -> tuple[Step, ...]:
    """What ``source``'s function ``name`` (`upgrade`, `downgrade`) does, in source order; ()
    when it cannot be read. A batch block that recreates its table is a step at its last line,
    after the calls inside it: Alembic copies the table when the block ends."""
    try:
        function = migration_function(ast.parse(source), name)
    except SyntaxError:
        return ()
    if function is None:
        return ()
    batches = batch_tables(function)
    steps = [
        Step(block.end_lineno or block.lineno, "", None, table)
        for block, call, table in batch_blocks(function)
        if recreates(block, call)
    ]
    for node in ast.walk(function):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        texts = [constant_text(argument) for argument in arguments]
        if node.func.attr == "execute" and texts and texts[0]:
            steps.append(Step(node.lineno, texts[0], None))
        elif node.func.attr == "drop_table" and texts and texts[0]:
            steps.append(Step(node.lineno, "", None, dropped_table=texts[0]))
        elif node.func.attr == "rename_table" and len(texts) > 1 and texts[0] and texts[1]:
            steps.append(Step(node.lineno, "", None, renamed_table=(texts[0], texts[1])))
        elif node.func.attr == "drop_column":
            steps.extend(column_step(node, batches, texts, ""))
        elif node.func.attr == "alter_column":
            renamed = next((k.value for k in node.keywords if k.arg == "new_column_name"), None)
            new_name = constant_text(renamed) if renamed is not None else None
            if new_name:
                positional = [constant_text(argument) for argument in node.args]
                steps.extend(column_step(node, batches, positional, new_name))
    return tuple(sorted(steps, key=lambda step: (step.line, step.rebuilt != "")))


def column_step(
    node: ast.Call, batches: dict[str, str], texts: list[str | None], renamed_to: str
) -> Iterator[Step]:
    """The step of a `drop_column` (or a renaming `alter_column`) call: `op.` with the table
    and the column, or a batch alias's with the column alone."""
    receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
    alias = receiver.id if isinstance(receiver, ast.Name) else ""
    if alias in batches and texts and texts[0]:
        yield Step(
            node.lineno, "", (batches[alias], texts[0]), in_batch=True, renamed_to=renamed_to
        )
    elif len(texts) > 1 and texts[0] and texts[1]:
        yield Step(node.lineno, "", (texts[0], texts[1]), renamed_to=renamed_to)


def made_and_dropped(revision: str, sql: str) -> Iterator[tuple[str, str, Made | None]]:
    """(kind, name, what it makes) for each object ``sql`` makes, (kind, name, None) for each it
    drops, in order; kinds upper case with one space, names lower case."""
    found = [(match.start(), match, True) for match in MADE.finditer(sql)]
    found += [(match.start(), match, False) for match in DROPPED.finditer(sql)]
    found.sort(key=lambda each: each[0])
    for number, (start, match, makes) in enumerate(found):
        kind, name = " ".join(match[1].upper().split()), match[2].lower()
        if not makes:
            yield kind, name, None
            continue
        end = found[number + 1][0] if number + 1 < len(found) else len(sql)
        text = sql[start:end]
        table = TRIGGER_TABLE.search(text, match.end()) if kind == "TRIGGER" else None
        yield kind, name, Made(revision, kind, name, table[1].lower() if table else "", text)


def body_of(made: Made, alive: dict[tuple[str, str], Made]) -> str:
    """``made``'s text, a trigger's with the text of the function it executes."""
    executed = EXECUTES.search(made.text) if made.kind == "TRIGGER" else None
    function = alive.get(("FUNCTION", executed[1].lower())) if executed else None
    return f"{made.text}\n{function.text}" if function else made.text


def dropped_names(
    revisions: Iterable[tuple[str, str]], dialect: str = "postgresql"
) -> list[NamedDroppedColumn]:
    """Each column drop of ``revisions`` ((revision, file text), oldest first) that an object
    made earlier (or by the same revision, and left) names, unless a later revision drops or
    makes again what names it (the trigger, or the function it runs) and the drop itself does
    not fail over it: the history then mends what the drop breaks, and advising an edit of
    the dropping revision, applied perhaps, would be wrong."""
    alive: dict[tuple[str, str], Made] = {}
    found: list[tuple[int, NamedDroppedColumn]] = []
    touched: dict[tuple[str, str], int] = {}  # (kind, name) -> the last revision's number
    for number, (revision, source) in enumerate(revisions):
        steps = upgrade_steps(source)
        follow_objects(revision, number, steps, alive, touched)
        for step in steps:
            if step.dropped is None or (step.renamed_to and not breaks_by_rename(dialect)):
                continue
            table, column = (part.lower() for part in step.dropped)
            for made in alive.values():
                if step.renamed_to and made.kind.endswith("VIEW") and dialect == "postgresql":
                    continue  # PostgreSQL's view follows its column's new name
                code = code_of(body_of(made, alive), dialect)
                if names_column(code, table, column, made.table):
                    function = naming_function(made, alive, table, column, dialect)
                    named = NamedDroppedColumn(
                        revision,
                        table,
                        column,
                        made,
                        dialect,
                        step.in_batch,
                        function,
                        renamed_to=step.renamed_to,
                    )
                    found.append((number, named))
    return [
        named for number, named in found if not mended_later(named, number, touched, alive, dialect)
    ]


def follow_objects(
    revision: str, number: int, steps: Iterable[Step], alive: dict, touched: dict
) -> None:
    """Update ``alive`` ((kind, name) -> what made it) by what the SQL of ``steps``, the
    ``number``-th revision's upgrade(), makes and drops; ``touched``: (kind, name) -> the last
    revision's number that made or dropped it."""
    for step in steps:
        for kind, name, made in made_and_dropped(revision, step.sql):
            touched[(kind, name)] = number
            if made is None:
                alive.pop((kind, name), None)
            else:
                alive[(kind, name)] = made


def naming_function(
    made: Made, alive: dict[tuple[str, str], Made], table: str, column: str, dialect: str
) -> str:
    """The function a trigger ``made`` executes, when its body, not the trigger's own text,
    names ``table``.``column``; "" otherwise."""
    executed = EXECUTES.search(made.text) if made.kind == "TRIGGER" else None
    if executed is None or ("FUNCTION", executed[1].lower()) not in alive:
        return ""
    if names_column(code_of(made.text, dialect), table, column, made.table):
        return ""
    return executed[1].lower()


def mended_later(
    named: NamedDroppedColumn, number: int, touched: dict, alive: dict, dialect: str
) -> bool:
    """Whether a revision after the ``number``-th drops what ``named`` is, or makes it again
    (the trigger, or the function it runs) without the column; ``alive``: what the whole
    history leaves."""
    if named.drop_fails:
        return False
    keys = [(named.made.kind, named.made.name)]
    if named.function:
        keys.append(("FUNCTION", named.function))
    if all(touched.get(key, -1) <= number for key in keys):
        return False
    last = alive.get(keys[0])
    if last is None:
        return True
    code = code_of(body_of(last, alive), dialect)
    return not names_column(code, named.table, named.column, last.table)


def breaks_by_rename(dialect: str) -> bool:
    """Whether a column rename leaves what names the old name failing: SQLite's RENAME COLUMN
    rewrites the views and triggers naming it, PostgreSQL its views (not a function's body)."""
    return dialect != "sqlite"


def history_sources(script: object) -> list[tuple[str, str]]:
    """(revision, file text) of every revision of ``script`` (an Alembic ScriptDirectory),
    oldest first; a file that cannot be read is left out."""
    revisions = []
    for each in reversed(list(script.walk_revisions())):  # type: ignore[attr-defined]
        try:
            revisions.append((each.revision, Path(each.path).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
    return revisions


def history_column_drops(script: object, dialect: str) -> list[NamedDroppedColumn]:
    """:func:`dropped_names` over every revision of ``script`` (an Alembic ScriptDirectory)."""
    return dropped_names(history_sources(script), dialect)


def history_column_drops_any(script: object) -> set[tuple[str, str]]:
    """Every (table, column) a revision of ``script`` drops, lower case."""
    return {
        (step.dropped[0].lower(), step.dropped[1].lower())
        for _, source in history_sources(script)
        for step in upgrade_steps(source)
        if step.dropped is not None
    }


def column_drop_warnings(script: object, revisions: Iterable[str]) -> list[str]:
    """`warning: ...` for each of ``revisions`` that drops a column an object made earlier
    names (lint's, db.revision's); [] when the history cannot be read."""
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_settings

    wanted = set(revisions)
    try:
        dialect = make_url(get_settings().database_url).get_backend_name()
        dialect = "mysql" if dialect == "mariadb" else dialect
        # A dropped or renamed table too (inspection/_revision_table_drops.py).
        from alembic_steward.inspection._revision_table_drops import dropped_tables

        sources = history_sources(script)
        found = [*dropped_names(sources, dialect), *dropped_tables(sources, dialect)]
    except Exception:  # noqa: BLE001 - a warning that cannot be read is not said
        return []
    return [f"warning: {named.line}" for named in found if named.revision in wanted]


def renamed_by(revisions: Iterable[str], script: object | None = None) -> set[tuple[str, str]]:
    """(table, old column name), lower case, for each column the upgrade() of ``revisions``
    (revision ids of the project's history) renames with `alter_column(new_column_name=...)`,
    and (old table name, "") for each table `op.rename_table` renames; their files alone are
    read (``script``: an Alembic ScriptDirectory the caller has loaded)."""
    wanted = set(revisions)
    if not wanted:
        return set()
    from alembic_steward.inspection._revision_files import revision_sources

    steps = [step for source in revision_sources(wanted, script) for step in upgrade_steps(source)]
    return {
        (step.dropped[0].lower(), step.dropped[1].lower())
        for step in steps
        if step.renamed_to and step.dropped
    } | {(step.renamed_table[0].lower(), "") for step in steps if step.renamed_table}
