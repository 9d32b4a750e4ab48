"""One way to say a downgrade cannot be written: `raise IrreversibleMigration("why")`.

The lint's advice for an empty downgrade once said `raise NotImplementedError`, which the
stairway then failed on; every piece of advice now names the one exception the toolkit knows.
"""

from __future__ import annotations

import re

from project import Project, created_revision, revision_source
from servers import ServerDatabase, only_on

CREATE_NOTES = '    op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))'
CODE = re.compile(r"`([^`]+)`")


def advice_for_empty_downgrade(lint_output: str) -> str:
    """The `safe:` line of the lint's empty-downgrade finding."""
    finding = lint_output.partition(": empty-downgrade\n")[2]
    assert finding, lint_output
    return next(line for line in finding.splitlines() if line.strip().startswith("safe:"))


@only_on(
    "sqlite",
    "mysql",
    why="the advice is the same everywhere; a MySQL/MariaDB stairway also has a mark to clear",
)
def test_empty_downgrade_advice_names_irreversible_migration_and_the_stairway_accepts_it(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    project.add_user_model()
    project.inv("db.revision", "-m", "users", env=env)
    project.inv("db.upgrade", env=env)
    project.add_user_name_column()
    _, written = created_revision(project.inv("db.revision", "-m", "name", env=env).stdout)
    path = project.path / written
    source = path.read_text()
    body = source[source.index("def downgrade() -> None:") :]
    path.write_text(source.replace(body, "def downgrade() -> None:\n    pass\n"))

    linted = project.inv("db.lint", code=1, env=env).stdout
    assert "NotImplementedError" not in linted
    # Follow the advice literally: its import at the top, its raise as the downgrade.
    snippets = CODE.findall(advice_for_empty_downgrade(linted))
    imports = [code for code in snippets if code.startswith("from ")]
    raises = [code for code in snippets if code.startswith("raise ")]
    assert imports == ["from alembic_steward import IrreversibleMigration"], snippets
    assert len(raises) == 1 and raises[0].startswith("raise IrreversibleMigration("), snippets
    path.write_text(
        f"{imports[0]}\n" + source.replace(body, f"def downgrade() -> None:\n    {raises[0]}\n")
    )
    assert "No findings in 1 revision(s)" in project.inv("db.lint", env=env).stdout

    tests = project.run("pytest", "-q", "-p", "no:cacheprovider", env=env)
    assert tests.returncode == 0, tests.stdout + tests.stderr


def test_the_stairway_names_irreversible_migration_when_a_downgrade_raises_not_implemented(
    project: Project,
) -> None:
    # Under a condition: only running it tells (a first statement is a declaration, below).
    raising = '    if GONE:\n        raise NotImplementedError("gone")'
    project.write_revision(
        "r1.py", revision_source("r1", None, CREATE_NOTES, raising, imports="GONE = True")
    )
    tests = project.run("pytest", "-q", "-p", "no:cacheprovider")
    assert tests.returncode == 1
    assert "raise IrreversibleMigration(" in tests.stdout, tests.stdout
    assert "from alembic_steward import IrreversibleMigration" in tests.stdout


def test_the_stairway_and_the_downgrade_take_a_first_not_implemented_raise_as_a_declaration(
    project: Project,
) -> None:
    # The stairway applies it without reverting it, as `inv db.downgrade` refuses to revert it.
    project.write_revision(
        "r1.py", revision_source("r1", None, CREATE_NOTES, "    raise NotImplementedError")
    )
    # The lint takes it as a downgrade written (no empty-downgrade finding).
    assert "No findings in 1 revision(s)" in project.inv("db.lint").stdout
    stairway = "test_each_revision_upgrades_downgrades_and_upgrades_again"
    tests = project.run("pytest", "-q", "-p", "no:cacheprovider", "-k", stairway)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    project.inv("db.upgrade")
    refused = project.inv("db.downgrade", "-r", "base", "--yes", code=1)
    assert "cannot be downgraded: its downgrade() raises NotImplementedError" in refused.stderr
    assert "nothing was changed, the database is still at r1" in refused.stderr
