"""A downgrade over a revision that cannot be undone changes nothing, or says what it changed.

A downgrade over several revisions used to run every step above the irreversible one and then
say "nothing was changed" when that one raised: true of that revision, not of the run. The
revisions it would revert are now read first (their downgrade() source), and a run that
reaches an IrreversibleMigration no reading could foresee says the state read after it.
"""

from __future__ import annotations

import ast

import pytest
from migration_faults import ADD_NOTE, CREATE_ITEMS, DROP_ITEMS, DROP_NOTE, IRREVERSIBLE_IMPORT
from project import Project, one_error_line, revision_source
from servers import ServerDatabase

CREATE_VIEW = '    op.execute("CREATE VIEW item_names AS SELECT name FROM items")'
DROP_VIEW = '    op.execute("DROP VIEW item_names")'
ADD_EXTRA = (
    '    with op.batch_alter_table("items") as batch:\n'
    '        batch.add_column(sa.Column("extra", sa.String(50), nullable=True))'
)
DROP_EXTRA = '    with op.batch_alter_table("items") as batch:\n        batch.drop_column("extra")'
ALWAYS = '    raise IrreversibleMigration("gone")'
# A raise no reading of the source can tell will happen: it depends on the database.
ONLY_ON_A_REAL_DATABASE = (
    '    if op.get_bind().dialect.name != "no such dialect":\n'
    '        raise IrreversibleMigration("gone")\n'
    f"{DROP_NOTE}"
)


# What a refused downgrade of the revision itself says to do: it said only "nothing was
# changed", leaving the reader with no way on.
UNDO_ALL_THE_SAME = (
    "to undo r2's work all the same: write a new revision whose upgrade() undoes it; or restore"
    " a backup taken before r2 ran; or undo it by hand and record that with {stamp}"
)


def write_history(project: Project, irreversible_downgrade: str) -> None:
    """r1 items, r2 its note column (``irreversible_downgrade``), r3 a column, r4 a view (after
    the column: SQLite's batch rebuild of a table fails while a view names it)."""
    revisions = [
        ("r1", None, CREATE_ITEMS, DROP_ITEMS),
        ("r2", "r1", ADD_NOTE, irreversible_downgrade),
        ("r3", "r2", ADD_EXTRA, DROP_EXTRA),
        ("r4", "r3", CREATE_VIEW, DROP_VIEW),
    ]
    for revision, down, upgrade, downgrade in revisions:
        source = revision_source(revision, down, upgrade, downgrade, imports=IRREVERSIBLE_IMPORT)
        project.write_revision(f"{revision}.py", source)


def views(database: ServerDatabase) -> set[str]:
    if database.kind == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'view'"
    else:
        sql = "SELECT table_name FROM information_schema.views WHERE table_name = 'item_names'"
    return {row[0] for row in database.query(sql)}


def test_a_downgrade_over_an_irreversible_revision_is_refused_before_its_first_step(
    project: Project, database: ServerDatabase
) -> None:
    write_history(project, ALWAYS)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    completed = project.inv("db.downgrade", "-r", "r1", "--yes", code=1, env=env)
    assert one_error_line(completed.stderr) == (
        "error: revision r2 (r2) cannot be downgraded: gone; this downgrade would revert r4, r3"
        " before it, so it was refused before its first step: nothing was changed, the database"
        " is still at r4; stop at r2 instead: `inv db.downgrade -r r2`"
    )
    assert "Reverting" not in completed.stdout
    assert database.revisions() == {"r4"}
    assert {"note", "extra"} <= database.columns("items")
    assert views(database) == {"item_names"}

    # The advice, followed, reverts what lies above it.
    project.inv("db.downgrade", "-r", "r2", "--yes", env=env)
    assert database.revisions() == {"r2"}
    assert "extra" not in database.columns("items")
    assert views(database) == set()


def test_raw_alembic_downgrade_over_an_irreversible_revision_is_refused_before_its_first_step(
    project: Project,
) -> None:
    # The fixture service's own SQLite database: the plan is read the same way on every one.
    write_history(project, ALWAYS)
    project.inv("db.upgrade")

    completed = project.run("alembic", "downgrade", "r1")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 255, output
    assert "Traceback" not in output
    (line,) = completed.stdout.strip().splitlines()
    assert line == (
        "FAILED: revision r2 (r2) cannot be downgraded: gone; this downgrade would revert r4, r3"
        " before it, so it was refused before its first step: nothing was changed, the database"
        " is still at r4; stop at r2 instead: `alembic downgrade r2`"
    ), output
    assert "Running downgrade" not in output


def test_an_irreversible_migration_raised_after_earlier_steps_says_the_state_read_after_it(
    project: Project, database: ServerDatabase
) -> None:
    # Raised only where it is reached: r4 and r3 are reverted, each committed on its own.
    write_history(project, ONLY_ON_A_REAL_DATABASE)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    completed = project.inv("db.downgrade", "-r", "r1", "--yes", code=1, env=env)
    line = one_error_line(completed.stderr)
    assert database.revisions() == {"r2"}
    assert "extra" not in database.columns("items")
    assert "note" in database.columns("items")
    assert line.startswith("error: revision r2 (r2) cannot be downgraded: gone;"), line
    assert "nothing was changed" not in line
    assert "still at" not in line
    assert "this run had reverted r4 and r3 before it, which stay reverted; r2's downgrade():" in (
        line
    )
    assert "the database is at r2 (its version table, read after the failure)" in line

    # Raw `alembic` says the same in its one FAILED line.
    project.inv("db.upgrade", env=env)
    raw = project.run("alembic", "downgrade", "r1", env=env)
    assert raw.returncode == 255, raw.stdout + raw.stderr
    (failed,) = raw.stdout.strip().splitlines()
    assert failed.startswith("FAILED: this revision cannot be downgraded: gone;"), failed
    assert "this run had reverted r4 and r3 before it, which stay reverted" in failed
    assert "the database is at r2 (its version table, read after the failure)" in failed


# The other way a downgrade() says it cannot be written: refused before the run as well.
NOT_IMPLEMENTED = "    raise NotImplementedError"


def test_a_downgrade_over_a_not_implemented_downgrade_is_refused_before_its_first_step(
    project: Project, database: ServerDatabase
) -> None:
    write_history(project, NOT_IMPLEMENTED)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    completed = project.inv("db.downgrade", "-r", "r1", "--yes", code=1, env=env)
    assert one_error_line(completed.stderr) == (
        "error: revision r2 (r2) cannot be downgraded: its downgrade() raises"
        " NotImplementedError at app/migrations/versions/r2.py:20; this downgrade would revert"
        " r4, r3 before it, so it was refused before its first step: nothing was changed, the"
        " database is still at r4; stop at r2 instead: `inv db.downgrade -r r2`"
    )
    assert database.revisions() == {"r4"}
    assert {"note", "extra"} <= database.columns("items")

    # The advice, followed, reverts what lies above it.
    project.inv("db.downgrade", "-r", "r2", "--yes", env=env)
    assert database.revisions() == {"r2"}
    assert "extra" not in database.columns("items")


# The stairway asks the same question of each revision, with the same reading: a revision the
# refusal stops at is one the stairway does not revert, and the other way round.
AFTER_AN_OPERATION = f"{DROP_NOTE}\n{ALWAYS}"
# Raised on a flag of the file's own: whether it is set is for the run to find out.
ON_A_FLAG = f"    if GONE:\n    {ALWAYS}\n{DROP_NOTE}"
STAIRWAY_TEST = "test_each_revision_upgrades_downgrades_and_upgrades_again"


def write_note_history(project: Project, note_downgrade: str) -> None:
    """r1 items, r2 its note column, downgraded by ``note_downgrade``."""
    imports = f"{IRREVERSIBLE_IMPORT}\n\nGONE = True"
    for revision, down, upgrade, downgrade in [
        ("r1", None, CREATE_ITEMS, DROP_ITEMS),
        ("r2", "r1", ADD_NOTE, note_downgrade),
    ]:
        source = revision_source(revision, down, upgrade, downgrade, imports=imports)
        project.write_revision(f"{revision}.py", source)


def walk_the_stairway(project: Project, env: dict[str, str]) -> tuple[int, str]:
    """(the exit code, the output) of the project's own stairway test."""
    walked = project.run("pytest", "-q", "-p", "no:cacheprovider", "-k", STAIRWAY_TEST, env=env)
    return walked.returncode, walked.stdout + walked.stderr


def test_the_stairway_does_not_revert_a_revision_whose_downgrade_is_refused(
    project: Project, database: ServerDatabase
) -> None:
    # An operation before the raise: the stairway once ran the downgrade to find out, and failed.
    write_note_history(project, AFTER_AN_OPERATION)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    refused = project.inv("db.downgrade", "-r", "r1", "--yes", code=1, env=env)
    assert one_error_line(refused.stderr) == (
        "error: revision r2 (r2) cannot be downgraded: gone; nothing was changed, the database"
        " is still at r2; r2 stays applied: "
        + UNDO_ALL_THE_SAME.format(stamp="`inv db.stamp -r r1`")
    )

    code, output = walk_the_stairway(project, env)
    assert code == 0, output


def test_a_conditional_irreversible_migration_fails_the_stairway_as_it_fails_a_downgrade(
    project: Project, database: ServerDatabase
) -> None:
    # A raise under a condition: the downgrade is run to find out, by both.
    write_note_history(project, ON_A_FLAG)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    ran = project.inv("db.downgrade", "-r", "r1", "--yes", code=1, env=env)
    line = one_error_line(ran.stderr)
    assert line.startswith("error: revision r2 (r2) cannot be downgraded: gone;"), line
    assert "refused before its first step" not in line

    code, output = walk_the_stairway(project, env)
    assert code == 1, output
    # Its own reason, not the state of the walk's database, then how to declare it.
    assert "revision r2 (r2): downgrade failed: IrreversibleMigration: gone; reading" in output
    assert "make `raise IrreversibleMigration(" in output


# The static reading, on the revision file's text alone.
def declared(downgrade_body: str) -> tuple[bool, str | None]:
    from alembic_steward.runtime._irreversible_plans import declared_irreversible

    source = f"{IRREVERSIBLE_IMPORT}\n\n\ndef downgrade() -> None:\n{downgrade_body}\n"
    found = declared_irreversible(ast.parse(source))
    return (found is not None, found.reason if found else None)


def test_a_downgrade_raising_irreversible_migration_unconditionally_is_read_as_irreversible():
    assert declared(ALWAYS) == (True, "gone")
    assert declared('    """Why."""\n' + ALWAYS) == (True, "gone")
    # After operations it still always raises (what ran before it is its own problem).
    assert declared(f"{DROP_VIEW}\n{ALWAYS}") == (True, "gone")
    assert declared('    raise alembic_steward.IrreversibleMigration("gone")') == (True, "gone")
    # NotImplementedError, bare or with a message, says the same: its message is no reason.
    assert declared(NOT_IMPLEMENTED) == (True, None)
    assert declared('    raise NotImplementedError("todo")') == (True, None)
    assert declared(f"{DROP_VIEW}\n{NOT_IMPLEMENTED}()") == (True, None)
    # A reason that is not a plain string is not guessed.
    assert declared('    raise IrreversibleMigration(f"gone {1}")') == (True, None)


def test_a_downgrade_that_may_not_raise_irreversible_migration_is_not_read_as_irreversible():
    assert declared(ONLY_ON_A_REAL_DATABASE) == (False, None)
    early_return = '    if op.get_bind().dialect.name == "sqlite":\n        return\n'
    assert declared(early_return + ALWAYS) == (False, None)
    caught = f"    try:\n    {ALWAYS}\n    except Exception:\n        pass"
    assert declared(caught) == (False, None)
    assert declared(DROP_NOTE) == (False, None)
    assert declared(f"    if GONE:\n    {NOT_IMPLEMENTED}") == (False, None)
    assert declared("    pass") == (False, None)


@pytest.mark.parametrize(
    ("downgrade", "reason", "first"),
    [
        (ALWAYS, "gone", "r2 stays applied"),
        (
            NOT_IMPLEMENTED,
            "its downgrade() raises NotImplementedError at app/migrations/versions/r2.py:22",
            "write r2's downgrade() (it raises NotImplementedError each time it runs) before"
            " downgrading it again; or",
        ),
    ],
)
def test_a_refused_downgrade_of_an_irreversible_revision_itself_says_what_to_do(
    project: Project, database: ServerDatabase, downgrade: str, reason: str, first: str
) -> None:
    write_note_history(project, downgrade)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    completed = project.inv("db.downgrade", "--yes", code=1, env=env)

    undo = UNDO_ALL_THE_SAME.format(stamp="`inv db.stamp -r r1`")
    assert one_error_line(completed.stderr) == (
        f"error: revision r2 (r2) cannot be downgraded: {reason}; nothing was changed, the"
        f" database is still at r2; {first}{':' if first.endswith('applied') else ''} {undo}"
    )
    assert database.revisions() == {"r2"}
    # Its last way, followed: the work undone by hand, then the stamp it names.
    database.query("ALTER TABLE items DROP COLUMN note")
    project.inv("db.stamp", "-r", "r1", env=env)
    assert database.revisions() == {"r1"}
    project.inv("db.status", code=2, env=env)


def test_raw_alembic_downgrade_of_an_irreversible_revision_itself_says_what_to_do(
    project: Project,
) -> None:
    write_note_history(project, ALWAYS)
    project.inv("db.upgrade")

    completed = project.run("alembic", "downgrade", "-1")

    assert completed.returncode == 255, completed.stdout + completed.stderr
    (line,) = completed.stdout.strip().splitlines()
    undo = UNDO_ALL_THE_SAME.format(stamp="`alembic stamp r1`")
    assert line == (
        "FAILED: revision r2 (r2) cannot be downgraded: gone; nothing was changed, the database"
        f" is still at r2; r2 stays applied: {undo}"
    ), line


def test_raw_alembic_downgrade_confirmed_on_a_protected_database_names_confirmed_commands(
    project: Project,
) -> None:
    # A protected database refuses raw `alembic stamp`/`downgrade` without `-x confirm=ENV`:
    # the commands the refusal names carry the confirmation the downgrade was given.
    write_note_history(project, ALWAYS)
    project.inv("db.upgrade")
    env = {"APP_ENV": "production"}

    completed = project.run("alembic", "-x", "confirm=production", "downgrade", "-1", env=env)

    assert completed.returncode == 255, completed.stdout + completed.stderr
    (line,) = completed.stdout.strip().splitlines()
    assert line.endswith("`alembic -x confirm=production stamp r1`"), line
    # The named command runs (its own warning says the schema is not yet what r1 builds).
    stamped = project.run("alembic", "-x", "confirm=production", "stamp", "r1", env=env)
    assert stamped.returncode == 0, stamped.stdout + stamped.stderr
