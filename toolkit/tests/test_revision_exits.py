"""A revision whose code ends the process (sys.exit, raise SystemExit) fails that revision.

A README-only tester's migration called `sys.exit(0)`: `inv db.upgrade`, raw `alembic`,
`db.status` and `db.check` all exited 0 in silence, the migration rolled back and unrecorded;
`raise SystemExit("stop here")` printed only "stop here". Every entry point that runs revision
code now reports it as any failing migration is reported (runtime/_revision_exits.py).
The same tester's `os._exit(0)` skipped even that: db.status, db.check and db.upgrade printed
nothing and exited 0, and on PostgreSQL db.status left its scratch database on the server.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from failures import error_lines, recorded_revisions, write_revision
from project import Project, revision_source
from servers import ServerDatabase, only_on
from tenant_projects import sqlite_project
from test_left_scratch_databases import server_databases

from alembic_steward.inspection._left_scratch_databases import OWN_NAME_CHARACTERS
from alembic_steward.inspection._revision_comparison import scratch_failure_reason
from alembic_steward.runtime._own_commits import DRIVER_COMMIT, MigrationEndedItsTransaction

CREATE_THEN = '    op.execute("CREATE TABLE t_exit (a int)")\n'
EXITS = {
    "exit-0": CREATE_THEN + "    import sys\n\n    sys.exit(0)",
    "exit-none": CREATE_THEN + "    import sys\n\n    sys.exit()",
    "raise-message": CREATE_THEN + '    raise SystemExit("stop here")',
}
# How a revision can end the process, and what its failure then says it did.
ENDS = {
    "sys-exit-0": ("    import sys\n\n    sys.exit(0)", "raised SystemExit(0) (sys.exit)"),
    "os-exit-0": ("    import os\n\n    os._exit(0)", "called os._exit(0), which would end"),
    "os-exit-3": ("    import os\n\n    os._exit(3)", "called os._exit(3), which would end"),
    "os-abort": ("    import os\n\n    os.abort()", "called os.abort(), which would end"),
}
ONE_TABLE = '    op.create_table("one", sa.Column("id", sa.Integer, primary_key=True))'


def scratch_databases(database: ServerDatabase) -> set[str]:
    """The server's databases named as this database's scratch ones; none for SQLite."""
    if database.kind == "sqlite":
        return set()
    own = urlsplit(database.url).path.lstrip("/")[:OWN_NAME_CHARACTERS]
    return {name for name in server_databases(database) if name.startswith(f"{own}_")}


def first_then_exiting(project: Project, body: str = EXITS["exit-0"]) -> Path:
    write_revision(project, "first", None, ONE_TABLE)
    return write_revision(project, "second", "first", body)


# SQLite's is test_every_command_fails_on_a_revision_ending_the_process_however_it_ends's.
@only_on("mysql", why="MariaDB commits the DDL before the exit: its state differs")
def test_a_migration_calling_sys_exit_0_fails_the_upgrade_with_the_state_read(
    project: Project, database: ServerDatabase
) -> None:
    first_then_exiting(project)
    completed = project.run("inv", "db.upgrade", env={"DATABASE_URL": database.url})
    what, state = error_lines(completed)
    assert what.startswith("error: migration second (Safety test revision second.) failed in")
    assert "upgrade() raised SystemExit(0) (sys.exit)" in what, what
    assert "as a success; fail it by raising an exception" in what, what
    assert database.revisions() == {"first"}
    assert "the database is still at first" in state, state


# Each end on SQLite: how it is caught is the toolkit's own code, the same on every database.
# On PostgreSQL, whose scratch databases are on the server (one was left behind by os._exit),
# an exception (sys.exit) and an end skipping every `finally` (os._exit); MySQL's as SQLite's.
ENDS_ON = [("sqlite", end) for end in ENDS] + [
    ("postgresql", "sys-exit-0"),
    ("postgresql", "os-exit-0"),
]


@pytest.mark.parametrize(("database", "end"), ENDS_ON, indirect=["database"])
def test_every_command_fails_on_a_revision_ending_the_process_however_it_ends(
    project: Project, database: ServerDatabase, end: str
) -> None:
    body, said = ENDS[end]
    first_then_exiting(project, CREATE_THEN + body)
    env = {"DATABASE_URL": database.url}
    scratch_databases_before = scratch_databases(database)
    status = project.run("inv", "db.status", env=env)
    assert status.returncode == 2, status.stdout + status.stderr
    assert "revision second fails on a scratch database" in status.stdout, status.stdout
    assert said in status.stdout, status.stdout
    (line,) = error_lines(project.run("inv", "db.check", env=env), code=2)
    assert "revision second fails on a scratch database" in line and said in line, line
    assert scratch_databases(database) == scratch_databases_before
    what, state = error_lines(project.run("inv", "db.upgrade", env=env))
    assert what.startswith("error: migration second (Safety test revision second.) failed in")
    assert f"upgrade() {said}" in what, what
    assert what.endswith("; fail it by raising an exception"), what
    assert ("as a success" in what) == end.endswith("-0"), what
    assert state == "error: rolled back; the database is still at first"
    raw = project.run("alembic", "upgrade", "head", env=env)
    assert raw.returncode == 1, raw.stdout + raw.stderr
    assert f"RevisionEndedTheProcess: upgrade() {said}" in raw.stderr, raw.stderr
    assert "alembic-steward: rolled back; the database is still at first" in raw.stderr
    assert database.revisions() == {"first"}
    assert database.model_tables() == {"one"}


@pytest.mark.parametrize("body", ["exit-none", "raise-message"])
def test_raw_alembic_python_m_and_offline_sql_fail_on_any_exit_code(
    project: Project, body: str
) -> None:
    first_then_exiting(project, EXITS[body])
    code = "None" if body == "exit-none" else "'stop here'"
    raw = project.run("alembic", "upgrade", "head")
    assert raw.returncode == 1, raw.stderr
    assert f"RevisionEndedTheProcess: upgrade() raised SystemExit({code})" in raw.stderr
    assert "alembic-steward: rolled back; the database is still at first" in raw.stderr
    deployed = project.run("python", "-m", "app.migrations", "upgrade")
    (line,) = error_lines(deployed)
    assert line.startswith("error: upgrade failed: migration second failed: upgrade() raised")
    assert line.endswith("rolled back; the database is still at first"), line
    offline = project.run("inv", "db.upgrade", "--sql")
    what, state = error_lines(offline)
    assert f"SystemExit({code})" in what and "nothing was changed" in state
    assert recorded_revisions(project) == {"first"}


def test_a_revision_file_ending_the_process_as_it_loads_cannot_be_loaded(
    project: Project,
) -> None:
    path = first_then_exiting(project, "    pass")
    path.write_text(path.read_text().replace("\nrevision =", "\nraise SystemExit(0)\nrevision ="))
    what, state = error_lines(project.run("inv", "db.upgrade"))
    assert f"revision file {path.relative_to(project.path)}:" in what
    assert "loading it raised SystemExit(0)" in what, what
    assert state == "error: the database was not changed; fix the file"


def test_a_downgrade_calling_sys_exit_fails_and_leaves_the_revision_recorded(
    project: Project,
) -> None:
    write_revision(project, "first", None, ONE_TABLE)
    source = revision_source("second", "first", "    pass", EXITS["exit-0"])
    project.write_revision("second_exit.py", source)
    project.inv("db.upgrade")
    what, state = error_lines(project.run("inv", "db.downgrade"))
    assert "failed in downgrade()" in what and "SystemExit(0)" in what, what
    assert state.startswith("error: rolled back; the database is still at second; "), state
    # It exits each time it runs: the advice is to fix it or give the step up, never to rerun.
    assert "(it raises SystemExit(0) each time it runs)" in state, state
    assert "`inv db.stamp -r first`" in state, state
    assert recorded_revisions(project) == {"second"}


def test_a_tenant_whose_migration_exits_is_a_failed_tenant(tmp_path: Path) -> None:
    project = sqlite_project(tmp_path, ["north"])
    last = project.versions / "0003_step.py"
    last.write_text(last.read_text().replace("    op.add_column", "    raise SystemExit(0)\n#"))
    created = project.run("inv", "db.tenant-create", "north")
    (line,) = error_lines(created)
    assert "but its upgrade failed: migration 0003 failed: upgrade() raised SystemExit(0)" in line
    fanned = project.run("inv", "db.upgrade", "--all-tenants")
    assert fanned.returncode == 76, fanned.stdout + fanned.stderr
    (row,) = [line for line in fanned.stdout.splitlines() if line.startswith("north")]
    assert " failed " in row and "upgrade() raised SystemExit(0)" in row, row


def test_the_stairway_fails_on_a_revision_that_exits(project: Project) -> None:
    drop = '    op.drop_table("one")'
    project.write_revision("first_one.py", revision_source("first", None, ONE_TABLE, drop))
    project.write_revision(
        "second_exit.py", revision_source("second", "first", EXITS["exit-0"], "    pass")
    )
    stairway = "tests/test_migrations.py::test_each_revision_upgrades_downgrades_and_upgrades_again"
    tested = project.run("pytest", "-q", "-p", "no:cacheprovider", stairway)
    assert tested.returncode == 1, tested.stdout + tested.stderr
    assert "revision second (second): upgrade failed: RevisionEndedTheProcess:" in tested.stdout


def test_a_refused_commit_on_the_driver_connection_names_its_connection_once() -> None:
    error = MigrationEndedItsTransaction("second", DRIVER_COMMIT, "second.py:3")
    said = scratch_failure_reason(error)
    assert said == (
        "MigrationEndedItsTransaction: it calls commit() on the migration's driver connection,"
        " which is refused"
    )
    plain = scratch_failure_reason(MigrationEndedItsTransaction("second", "commit()", "x.py:3"))
    assert "it calls commit() on the migration's connection, which is refused" in plain


def test_a_child_the_revision_forks_still_ends_with_os_exit_and_it_is_restored() -> None:
    from alembic_steward.runtime._revision_exits import failing_on_exit

    process_exit = os._exit

    def forks() -> int:
        child = os.fork()
        if child == 0:  # as multiprocessing's fork children end when their work is done
            os._exit(5)
        return os.waitpid(child, 0)[1]

    status = failing_on_exit(forks, "upgrade()")()
    assert os.waitstatus_to_exitcode(status) == 5
    assert os._exit is process_exit


def test_os_exit_caught_by_the_revision_itself_still_fails_it() -> None:
    from alembic_steward.runtime._revision_exits import RevisionEndedTheProcess, failing_on_exit

    def swallows() -> None:
        with contextlib.suppress(BaseException):  # what a careless revision does
            os._exit(0)

    with pytest.raises(RevisionEndedTheProcess, match=r"upgrade\(\) called os._exit\(0\)"):
        failing_on_exit(swallows, "upgrade()")()
