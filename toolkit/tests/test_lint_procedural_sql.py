"""On PostgreSQL, `inv db.lint` reads the statements inside procedural code a revision runs.

squawk sees `DO $$ ... $$` as one statement and never looks inside it. The lint hands it the
statements of each DO block (plain, or as `EXECUTE` strings) and of the functions a revision
creates and calls, at the line that wrote them, under the same rules and markers.
"""

from __future__ import annotations

import pytest
from lint_cases import BASE_UPGRADE, accepted, line_of, lint_in_process, write_revision
from project import Project

INDEX_RULE = "require-concurrent-index-creation"
DO_BLOCK = '    op.execute("DO $$ BEGIN CREATE INDEX ix_users_email ON users (email); END $$")'
TAGGED_EXECUTE = (
    "    op.execute(\"DO $body$ BEGIN EXECUTE 'CREATE INDEX ix_users_email ON users (email)';"
    ' END $body$")'
)
GUARDED_FORMAT = (
    '    op.execute("""DO $do$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE'
    " indexname = 'ix_users_email') THEN EXECUTE format('CREATE INDEX %I ON users (email)',"
    ' \'ix_users_email\'); END IF; END $do$ LANGUAGE plpgsql""")'
)
CREATE_FUNCTION = (
    '    op.execute("CREATE FUNCTION add_email_index() RETURNS void LANGUAGE plpgsql AS $fn$'
    ' BEGIN CREATE INDEX ix_users_email ON users (email); END $fn$")'
)
CALL_FUNCTION = '    op.execute("SELECT add_email_index()")'
ENUM_VALUE_IN_DO = "    op.execute(\"DO $$ BEGIN ALTER TYPE mood ADD VALUE 'sad'; END $$\")"
HARMLESS_DO = "    op.execute(\"DO $$ BEGIN RAISE NOTICE 'users: %', 1; END $$\")"


@pytest.mark.parametrize(
    "statement",
    [DO_BLOCK, TAGGED_EXECUTE, GUARDED_FORMAT],
    ids=["do-block", "execute-in-dollar-tag", "execute-format-under-if"],
)
def test_an_index_built_inside_a_do_block_is_flagged_at_its_line(
    project: Project, statement: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    revision = write_revision(project, "l1", "l0", statement)

    linted = lint_in_process(project, "postgresql", capsys)

    assert linted.code == 1, linted
    line = line_of(project, revision, statement)
    assert f"{revision.as_posix()}:{line}: {INDEX_RULE}\n" in linted.stdout
    assert "syntax-error" not in linted.stdout


def test_a_function_the_revision_creates_and_calls_is_read_at_its_create_line(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    called = write_revision(project, "l1", "l0", CREATE_FUNCTION + "\n" + CALL_FUNCTION)
    # Created only (a trigger's function, say): its body runs later, not in the migration.
    created = write_revision(project, "l2", "l1", CREATE_FUNCTION.replace("add_", "make_"))

    linted = lint_in_process(project, "postgresql", capsys)

    line = line_of(project, called, CREATE_FUNCTION)
    assert f"{called.as_posix()}:{line}: {INDEX_RULE}\n" in linted.stdout
    assert f"{created.as_posix()}:" not in linted.stdout


def test_the_other_rules_and_markers_apply_inside_do_blocks(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    enum = write_revision(project, "l1", "l0", ENUM_VALUE_IN_DO + "\n" + HARMLESS_DO)
    marked = write_revision(project, "l2", "l1", accepted(DO_BLOCK, INDEX_RULE))

    linted = lint_in_process(project, "postgresql", capsys)

    line = line_of(project, enum, ENUM_VALUE_IN_DO)
    assert f"{enum.as_posix()}:{line}: add-enum-value-in-transaction\n" in linted.stdout
    assert f"{enum.as_posix()}:{line + 1}:" not in linted.stdout
    assert f"{marked.as_posix()}:" not in linted.stdout


def test_without_pglast_a_do_block_leaves_its_revision_not_linted(project: Project) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    revision = write_revision(project, "l1", "l0", DO_BLOCK)
    project.hide_modules("pglast")
    env = {"DATABASE_URL": "postgresql://app@db.invalid/app"}

    completed = project.inv("db.lint", "--all", code=2, env=env)

    line = line_of(project, revision, DO_BLOCK)
    assert completed.stdout.splitlines() == [
        f"{revision.as_posix()}:{line}: not linted: revision l1 holds procedural SQL here (a DO"
        " block or a function body), which the lint reads with pglast, and pglast is not"
        " installed; install it with `python -m pip install pglast`"
    ]
    assert "1 of them could not be linted to their end" in completed.stderr.splitlines()[-1]
