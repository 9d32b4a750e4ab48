"""A deliberate edit to an applied revision has one documented, guarded way to be accepted.

`db.status` (exit 8) and `db.check` name it, `inv db.accept-edit -r REV`; an edit to
`downgrade()` alone, which leaves the applied schema as it was, is said to be one, from the second
checksum a run records, or when git still has the text that ran.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

from made_revisions import add_users, user_revisions
from project import Project, commit_everything, git
from servers import ServerDatabase

EDITED_REVISION = 8
FIRST_UPGRADE_LINE = re.compile(r"(def upgrade\(\) -> None:\n(?:    \"\"\".*\"\"\"\n)?)")


def migrated_users_revision(project: Project, env: dict[str, str]) -> tuple[str, Path]:
    revision = add_users(project)
    project.inv("db.upgrade", env=env)
    return revision, project.versions / user_revisions()[0].name


def add_to_upgrade(path: Path, statement: str) -> None:
    """Add a statement at the top of upgrade(): a fix that changes no schema."""
    source = path.read_text(encoding="utf-8")
    path.write_text(FIRST_UPGRADE_LINE.sub(rf"\1    {statement}\n", source, count=1))


def change_downgrade(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert source.count('op.drop_table("users")') == 1
    path.write_text(
        source.replace('op.drop_table("users")', 'op.drop_table("users", if_exists=True)')
    )


def status_line(completed: subprocess.CompletedProcess[str]) -> str:
    (line,) = [line for line in completed.stdout.splitlines() if line.startswith("status:")]
    return line


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("error: ")]
    return line


def test_an_accepted_edit_clears_the_edited_verdict_on_every_database(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    revision, path = migrated_users_revision(project, env)
    add_to_upgrade(path, 'op.execute("SELECT 1")')

    status = project.inv("db.status", code=EDITED_REVISION, env=env)
    assert f"inv db.accept-edit -r {revision}" in status_line(status)
    check = one_error_line(project.inv("db.check", code=EDITED_REVISION, env=env).stderr)
    assert f"inv db.accept-edit -r {revision}" in check

    accepted = project.inv("db.accept-edit", "-r", revision, env=env)
    assert revision in accepted.stdout
    assert "up to date" in status_line(project.inv("db.status", env=env))
    project.inv("db.check", env=env)


def test_an_edit_adding_what_the_database_lacks_is_refused_naming_it(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    revision, path = migrated_users_revision(project, env)
    add_to_upgrade(path, 'op.create_table("extra", sa.Column("id", sa.Integer, primary_key=True))')

    refused = project.inv("db.accept-edit", "-r", revision, code=1, env=env)
    line = one_error_line(refused.stderr)
    assert f"the database lacks what revision(s) {revision} build as edited" in line, line
    assert "table extra is in what its revision builds but not in the database" in line, line
    assert "nothing was changed" in line, line
    # Nothing was recorded: the edit is still one.
    project.inv("db.status", code=EDITED_REVISION, env=env)

    key = {"postgresql": "SERIAL", "mysql": "INTEGER AUTO_INCREMENT"}.get(database.kind, "INTEGER")
    database.query(f"CREATE TABLE extra (id {key} NOT NULL, CONSTRAINT pk_extra PRIMARY KEY (id))")
    accepted = project.inv("db.accept-edit", "-r", revision, env=env)
    assert f"Accepted the edit of {revision}" in accepted.stdout, accepted.stdout
    # No edit left, and the database is what its revision builds (the models lack extra: 3).
    status = project.run("inv", "db.status", env=env)
    assert status.returncode == 3, status.stdout + status.stderr
    assert "database: against its revision rebuilt: same" in status.stdout, status.stdout


def test_an_accepted_edit_dropping_what_the_database_has_names_it_and_the_edit(
    project: Project,
) -> None:
    revision, path = migrated_users_revision(project, {})
    with sqlite3.connect(project.path / "fixture_service.db") as connection:
        connection.execute(
            "CREATE TABLE kept (id INTEGER NOT NULL, CONSTRAINT pk_kept PRIMARY KEY (id))"
        )
    source = path.read_text(encoding="utf-8")
    add_to_upgrade(path, 'op.create_table("kept", sa.Column("id", sa.Integer, primary_key=True))')
    project.inv("db.accept-edit", "-r", revision)  # the database has kept: accepted

    path.write_text(source)  # the edit taken back out, and accepted again
    accepted = project.inv("db.accept-edit", "-r", revision)
    warning = accepted.stdout.splitlines()[-1]
    assert warning.startswith("warning: the database has what the revisions no longer"), warning
    assert "table kept" in warning and f"the accepted edit of {revision} is why" in warning
    # And status's exit-9 line names that edit, not a hand change alone.
    status = status_line(project.inv("db.status", code=9))
    assert f"or the edit of {revision} accepted here (`inv db.accept-edit -r {revision}`)" in (
        status
    ), status


def test_an_edit_to_downgrade_alone_is_named_as_one(project: Project) -> None:
    revision, path = migrated_users_revision(project, {})
    commit_everything(project, "users")
    change_downgrade(path)

    for committed in (False, True):
        line = status_line(project.inv("db.status", code=EDITED_REVISION))
        assert f"only the downgrade() of applied revision(s) {revision} changed" in line
        # Compared, not assumed from the unchanged upgrade().
        assert "and the database is what they build" in line, line
        assert f"inv db.accept-edit -r {revision}" in line and "new revision" not in line
        check = one_error_line(project.inv("db.check", code=EDITED_REVISION).stderr)
        assert "only the downgrade()" in check
        if not committed:
            git(project, "commit", "--quiet", "--all", "--message", "Fix the downgrade")

    project.inv("db.accept-edit", "-r", revision)
    project.inv("db.status")


def test_an_edit_to_upgrade_is_not_called_harmless(project: Project) -> None:
    revision, path = migrated_users_revision(project, {})
    commit_everything(project, "users")
    change_downgrade(path)
    add_to_upgrade(path, 'op.execute("SELECT 1")')

    line = status_line(project.inv("db.status", code=EDITED_REVISION))
    assert "only the downgrade()" not in line
    assert "make the change in a new revision" in line
    assert f"inv db.accept-edit -r {revision}" in line


def test_an_edit_to_downgrade_alone_of_a_file_git_never_had_is_named_as_one(
    project: Project,
) -> None:
    # Applied, then stamped away and back, before any commit: the second checksum the run
    # recorded (runtime/_upgrade_checksums.py) tells the edit, not git.
    revision, path = migrated_users_revision(project, {})
    project.inv("db.stamp", "-r", "base")
    project.inv("db.stamp", "-r", revision)
    change_downgrade(path)

    line = status_line(project.inv("db.status", code=EDITED_REVISION))
    assert f"only the downgrade() of applied revision(s) {revision} changed" in line
    add_to_upgrade(path, 'op.execute("SELECT 1")')
    assert "only the downgrade()" not in status_line(project.inv("db.status", code=EDITED_REVISION))


def test_without_the_text_that_ran_an_edit_is_not_called_harmless(project: Project) -> None:
    revision, path = migrated_users_revision(project, {})
    # Applied by a release before the second checksum, and no git history: the text that ran
    # is nowhere to be read.
    with sqlite3.connect(project.path / "fixture_service.db") as connection:
        connection.execute("DROP TABLE alembic_revision_upgrade_checksums")
    change_downgrade(path)

    line = status_line(project.inv("db.status", code=EDITED_REVISION))
    assert "only the downgrade()" not in line
    assert f"inv db.accept-edit -r {revision}" in line


def test_accepting_an_edit_is_guarded_on_a_protected_database(project: Project) -> None:
    revision, path = migrated_users_revision(project, {})
    add_to_upgrade(path, 'op.execute("SELECT 1")')
    production = {"APP_ENV": "production"}

    refused = one_error_line(
        project.inv("db.accept-edit", "-r", revision, code=1, env=production).stderr
    )
    assert "protected environment" in refused and "--yes" in refused
    project.inv("db.status", code=EDITED_REVISION)

    project.inv("db.accept-edit", "-r", revision, "--yes", env=production)
    project.inv("db.status")


def test_accepting_what_is_not_an_edit_changes_nothing(project: Project) -> None:
    revision, path = migrated_users_revision(project, {})

    unedited = one_error_line(project.inv("db.accept-edit", "-r", revision, code=1).stderr)
    assert f"no edit to accept in {revision} (its file is what ran here)" in unedited
    assert "nothing was changed" in unedited
    missing = one_error_line(project.inv("db.accept-edit", code=1).stderr)
    assert "inv db.accept-edit -r REV" in missing

    add_to_upgrade(path, 'op.execute("SELECT 1")')
    project.inv("db.downgrade")
    not_applied = one_error_line(project.inv("db.accept-edit", "-r", revision, code=1).stderr)
    assert "no run of it is recorded here" in not_applied


def test_revision_refuses_an_edited_revision_as_status_does(project: Project) -> None:
    """An applied revision's column widened in its file (and in the models to match) is the
    file's change, not the database's: db.revision says what db.status says, accept-edit.
    The refusal is no dialect's (seen on SQLite and PostgreSQL alike): SQLite's is enough."""
    env: dict[str, str] = {}
    revision, path = migrated_users_revision(project, env)
    source = path.read_text(encoding="utf-8")
    assert source.count("sa.String(length=255)") == 1
    path.write_text(source.replace("sa.String(length=255)", "sa.String(length=300)"))
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text().replace("String(255)", "String(300)"))

    status = status_line(project.inv("db.status", code=EDITED_REVISION, env=env))
    refused = project.inv("db.revision", "-m", "x", code=EDITED_REVISION, env=env)
    line = one_error_line(refused.stderr)
    assert f"inv db.accept-edit -r {revision}" in line
    assert "stamped without running" not in refused.stdout + line
    assert "in the database" not in refused.stdout
    assert line.removeprefix("error: ").startswith(status.removeprefix("status:").strip())
    assert len(list(project.versions.glob("*.py"))) == 1  # nothing written


def test_an_edit_to_downgrade_alone_after_a_stamp_is_named_as_one(project: Project) -> None:
    # A stamp records the same checksum of the whole file as an upgrade does (one per applied
    # revision, runtime/_revision_checksums.py): the text it stamped, found in git, tells a
    # downgrade-only edit from one to what the revision applied, as after an upgrade.
    revision, path = migrated_users_revision(project, {})
    commit_everything(project, "users")
    # Unmarked, its row kept (the table is still there), then marked again: the row stays.
    project.inv("db.stamp", "-r", "base")
    project.inv("db.stamp", "-r", revision)
    change_downgrade(path)

    line = status_line(project.inv("db.status", code=EDITED_REVISION))
    assert f"only the downgrade() of applied revision(s) {revision} changed" in line


def test_an_accepted_edit_undone_in_the_file_is_not_said_to_be_kept_by_the_database(
    project: Project,
) -> None:
    # The database ran the text git has; an edit was accepted (the row now that edit's), then
    # `git checkout` restored the file: the database keeps nothing of the accepted text.
    revision, path = migrated_users_revision(project, {})
    commit_everything(project, "users")
    add_to_upgrade(path, 'op.execute("SELECT 1")')
    project.inv("db.accept-edit", "-r", revision)
    git(project, "checkout", "--", str(path))

    line = status_line(project.inv("db.status", code=EDITED_REVISION))

    assert "keeps what the old text did" not in line, line
    assert "restore the files" not in line, line
    assert "the database's schema is what the files build now" in line, line
    assert f"record them again with `inv db.accept-edit -r {revision}`" in line, line
    project.inv("db.accept-edit", "-r", revision)
    assert "up to date" in status_line(project.inv("db.status"))
