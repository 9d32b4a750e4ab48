"""The state after a failed run is read, never inferred (docs/failures.md).

A migration that calls commit() itself is refused as it happens, under every entry point; a
failure after an autocommit_block() or a commit on the driver connection names what remains;
"still at X" is said only when the version table, read after the failure, says X; when it
cannot be read, the state is unknown.
"""

from __future__ import annotations

import json

import pytest
from project import Project
from safety_revisions import APP_STARTUP, upgrade, write_revision
from servers import ServerDatabase, only_on

ONE_TABLE = '    op.create_table("one", sa.Column("id", sa.Integer, primary_key=True))'
# Commits half-way: SQLAlchemy 2 then begins a new transaction nothing commits, Alembic's
# version-table update included; the run used to exit 0 with `second` unrecorded.
COMMITS_ITSELF = """\
    op.create_table("two", sa.Column("id", sa.Integer, primary_key=True))
    op.get_bind().commit()
    op.create_table("three", sa.Column("id", sa.Integer, primary_key=True))"""
# Commits its table through the documented autocommit block, whose unique index then fails on
# the rows (on PostgreSQL, CONCURRENTLY, leaving the index INVALID).
FAILS_AFTER_AUTOCOMMIT_BLOCK = """\
    op.create_table(
        "two", sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.Integer)
    )
    op.execute("INSERT INTO two (id, v) VALUES (1, 7), (2, 7)")
    with op.get_context().autocommit_block():
        op.create_index("ix_two_v", "two", ["v"], unique=True, postgresql_concurrently=True)"""
SUCCEEDS_WITH_AUTOCOMMIT_BLOCK = """\
    op.create_table("two", sa.Column("id", sa.Integer, primary_key=True))
    with op.get_context().autocommit_block():
        op.create_index("ix_two_id", "two", ["id"], postgresql_concurrently=True)"""
# The same commit on the pool's proxy of the driver connection, which no SQLAlchemy event sees.
COMMITS_THROUGH_THE_PROXY = COMMITS_ITSELF.replace(".commit()", ".connection.commit()")
# Commits on the driver connection itself, which nothing can refuse, then fails.
DRIVER_COMMITS = {
    "driver-commit": "op.get_bind().connection.driver_connection.commit()",
    "driver-cursor-commit": 'op.get_bind().connection.dbapi_connection.cursor().execute("COMMIT")',
}
FAILS_AFTER_DRIVER_COMMIT = """\
    op.create_table("two", sa.Column("id", sa.Integer, primary_key=True))
    {commit}
    op.create_table("three", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("SELECT * FROM no_such_table")"""
COMMANDS = {
    "inv": ("inv", "db.upgrade"),
    "alembic": ("alembic", "upgrade", "head"),
    "deploy": ("python", "-m", "app.migrations", "upgrade"),
    "app-startup": APP_STARTUP,
}
HALF_APPLIED = "MySQL/MariaDB cannot roll DDL back; second is half-applied: the database is"


def state_line(stderr: str) -> str:
    """The last `error:` line of a run's stderr: the state it left (no traceback allowed)."""
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("error: ")][-1]


def first_then(project: Project, upgrade_body: str, downgrade_body: str = "    pass") -> None:
    from project import revision_source

    write_revision(project, "first", None, ONE_TABLE)
    source = revision_source("second", "first", upgrade_body, downgrade_body)
    project.write_revision("second_state.py", source)


# Every entry point on SQLite: each prints what env.py read, the same code on every database.
# The state itself is read on each database, through `inv`.
RUNNERS_ON = [("sqlite", runner) for runner in COMMANDS] + [
    ("postgresql", "inv"),
    ("mysql", "inv"),
]


@pytest.mark.parametrize(("database", "runner"), RUNNERS_ON, indirect=["database"])
def test_migration_calling_commit_fails_whole_naming_itself_and_the_state_read(
    project: Project, database: ServerDatabase, runner: str
) -> None:
    first_then(project, COMMITS_ITSELF)
    completed = upgrade(project, database, *COMMANDS[runner])
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output
    assert "migration second" in output and "commit() on the migration's connection" in output
    assert "autocommit_block()" in output
    assert database.revisions() == {"first"}
    if database.kind == "mysql":
        # Its first table committed at once: said, and read, not assumed.
        assert f"{HALF_APPLIED} still at first, and differs from what first builds by:" in output
        assert "unexpected table two" in output
        return
    assert "rolled back; the database is still at first" in output
    assert database.model_tables() == {"one"}


def test_downgrade_calling_commit_fails_and_leaves_the_revision_recorded(
    project: Project, database: ServerDatabase
) -> None:
    downgrade = '    op.drop_table("two")\n    op.get_bind().commit()'
    first_then(project, '    op.create_table("two", sa.Column("id", sa.Integer))', downgrade)
    assert upgrade(project, database).returncode == 0
    failed = project.run("inv", "db.downgrade", env={"DATABASE_URL": database.url})
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "failed in downgrade()" in failed.stderr and "commit()" in failed.stderr
    assert database.revisions() == {"second"}
    if database.kind != "mysql":
        assert "rolled back; the database is still at second" in failed.stderr
        assert database.model_tables() == {"one", "two"}


def test_migration_committing_through_the_driver_connections_proxy_is_refused(
    project: Project, database: ServerDatabase
) -> None:
    first_then(project, COMMITS_THROUGH_THE_PROXY)
    failed = upgrade(project, database)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "commit() on the migration's driver connection would commit" in failed.stderr
    assert database.revisions() == {"first"}
    line = state_line(failed.stderr)
    # Refused before it reached the server: nothing of second's was committed by it.
    assert "own commit" not in line and "committed part" not in line
    if database.kind == "mysql":
        assert HALF_APPLIED in line and "unexpected table two" in line
        return
    assert line == "error: rolled back; the database is still at first"
    assert database.model_tables() == {"one"}


@pytest.mark.parametrize("commit", list(DRIVER_COMMITS))
def test_failure_after_a_commit_on_the_driver_connection_names_that_commit(
    project: Project, database: ServerDatabase, commit: str
) -> None:
    first_then(project, FAILS_AFTER_DRIVER_COMMIT.format(commit=DRIVER_COMMITS[commit]))
    failed = upgrade(project, database)
    assert failed.returncode == 1
    assert database.revisions() == {"first"} and "two" in database.model_tables()
    line = state_line(failed.stderr)
    assert "still at first" in line and "unexpected table two" in line
    if database.kind == "mysql":
        assert HALF_APPLIED in line and "before its own commit" in line
        return
    # Not "rolled back, but ... (left by an earlier run or by hand)": this run committed it.
    assert line.startswith("error: second had committed part of its work itself"), line
    assert "rolled back;" not in line and "by hand)" not in line


@pytest.mark.parametrize(
    ("database", "runner"),
    [("sqlite", "inv"), ("sqlite", "deploy"), ("postgresql", "inv"), ("mysql", "inv")],
    indirect=["database"],
)
def test_failure_after_an_autocommit_block_names_what_remains(
    project: Project, database: ServerDatabase, runner: str
) -> None:
    first_then(project, FAILS_AFTER_AUTOCOMMIT_BLOCK)
    failed = upgrade(project, database, *COMMANDS[runner])
    assert failed.returncode == 1
    assert database.revisions() == {"first"} and "two" in database.model_tables()
    line = state_line(failed.stderr)
    assert "still at first" in line and "unexpected table two" in line
    if database.kind == "mysql":
        assert HALF_APPLIED in line
        return
    assert "second had committed part of its work" in line and "rolled back;" not in line
    if database.kind == "postgresql":
        assert "INVALID index ix_two_v" in line


@only_on(
    "sqlite",
    "postgresql",
    why="MySQL/MariaDB refuse the next run (half-applied mark): test_safety_*",
)
def test_next_failure_over_leftovers_does_not_say_plainly_rolled_back(
    project: Project, database: ServerDatabase
) -> None:
    first_then(project, FAILS_AFTER_AUTOCOMMIT_BLOCK)
    upgrade(project, database)
    again = upgrade(project, database)
    assert again.returncode == 1
    state = state_line(again.stderr)
    assert state.startswith("error: rolled back, but the database is still at first and differs")
    assert "unexpected table two" in state


@only_on("mysql", why="only MySQL/MariaDB mark a run half-applied")
def test_a_migration_refused_at_its_first_change_leaves_nothing_half_applied(
    project: Project, database: ServerDatabase
) -> None:
    # The server refused the statement, so nothing of the migration ran: on MySQL/MariaDB too
    # the database is still at first, with no mark to clear by hand first.
    first_then(project, ONE_TABLE.replace('"one"', '"taken"'))
    assert upgrade(project, database, "inv", "db.upgrade", "-r", "first").returncode == 0
    database.query("CREATE TABLE taken (id INTEGER PRIMARY KEY)")
    failed = upgrade(project, database)
    assert failed.returncode == 1
    assert "half-applied" not in failed.stderr, failed.stderr
    assert "the database is still at first" in state_line(failed.stderr)
    database.query("DROP TABLE taken")
    assert upgrade(project, database).returncode == 0
    assert database.revisions() == {"second"}


def test_autocommit_block_that_succeeds_is_recorded(
    project: Project, database: ServerDatabase
) -> None:
    first_then(project, SUCCEEDS_WITH_AUTOCOMMIT_BLOCK)
    completed = upgrade(project, database)
    assert completed.returncode == 0, completed.stderr
    assert database.revisions() == {"second"}


@only_on(
    "postgresql", why="closing a database to new connections from inside a migration: PostgreSQL"
)
def test_state_is_unknown_when_the_version_table_cannot_be_read(
    project: Project, database: ServerDatabase
) -> None:
    # The migration's own connection dies, and the database takes no new one to read it from.
    first_then(
        project,
        """\
    bind = op.get_bind()
    name = bind.exec_driver_sql("SELECT current_database()").scalar()
    maintenance_url = bind.engine.url.set(database="postgres")
    server = sa.create_engine(maintenance_url, isolation_level="AUTOCOMMIT")
    with server.connect() as maintenance:
        maintenance.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    server.dispose()
    op.execute("SELECT pg_terminate_backend(pg_backend_pid())")""",
    )
    failed = upgrade(project, database)
    assert failed.returncode == 1
    state = state_line(failed.stderr)
    assert state.startswith("error: the state the database was left in is unknown"), state
    assert "still at" not in failed.stderr and "`inv db.status`" in state


NULLABLE_COLUMN = """\
    op.create_table(
        "one", sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.Text)
    )"""
NOT_NULL_ON_NULL_ROWS = '    op.alter_column("one", "v", existing_type=sa.Text, nullable=False)'


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_status_after_a_failure_that_depends_on_the_data_names_it_instead_of_advising_it_again(
    project: Project, database: ServerDatabase
) -> None:
    # Rolled back whole, the run leaves nothing a scratch database (empty) would trip on: only
    # the failed run knows that the contract phase fails on these rows.
    from project import revision_source

    write_revision(project, "first", None, NULLABLE_COLUMN)
    assert upgrade(project, database).returncode == 0
    database.query("INSERT INTO one (id, v) VALUES (1, NULL)")  # the app's rows, not a migration's
    # Its downgrade undoes it: the downgrade below must leave what "first" builds.
    undo = NOT_NULL_ON_NULL_ROWS.replace("nullable=False", "nullable=True")
    source = revision_source("second", "first", NOT_NULL_ON_NULL_ROWS, undo)
    project.write_revision(
        "second_state.py", source.replace("depends_on", 'phase = "contract"\ndepends_on')
    )
    failed = upgrade(project, database)
    assert failed.returncode == 1 and "NotNullViolation" in failed.stderr

    status = project.run("inv", "db.status", "--json", env={"DATABASE_URL": database.url})
    document = json.loads(status.stdout)
    assert document["exit_code"] == 2 and document["current"] == ["first"]
    assert document["last_failed_upgrade"]["revision"] == "second"
    assert document["last_failed_upgrade"]["reason"].startswith("NotNullViolation: ")
    verdict = project.run("inv", "db.status", env={"DATABASE_URL": database.url}).stdout
    verdict = verdict.splitlines()[-1]
    assert "the last upgrade from here failed at revision second (NotNullViolation" in verdict
    assert "fix the data" in verdict and "no expand revision is pending" not in verdict
    # Its schema read as it was after the failure, its rows not: likely, not certain.
    assert "the schema is described as it was after that failure" in verdict, verdict
    assert "(the rows were not read), so `inv db.upgrade` would likely fail the same way" in verdict
    check = project.run("inv", "db.check", env={"DATABASE_URL": database.url})
    assert "the last upgrade from here failed at revision second" in check.stderr

    # Fixed and applied, the failure is forgotten: back where it failed, it is not reported.
    database.query("UPDATE one SET v = 'set'")
    assert upgrade(project, database).returncode == 0
    downgrade = ("inv", "db.downgrade", "-r", "first", "--yes")
    assert upgrade(project, database, *downgrade).returncode == 0
    status = project.run("inv", "db.status", "--json", env={"DATABASE_URL": database.url})
    document = json.loads(status.stdout)
    assert document["current"] == ["first"] and document["last_failed_upgrade"] is None


# Fails only while table one has rows: a scratch database, empty, runs it without complaint.
COPIES_ITS_OWN_KEYS = '    op.execute("INSERT INTO one (id) SELECT id FROM one")'


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_failed_upgrade_is_forgotten_once_its_revision_file_is_edited(
    project: Project, database: ServerDatabase
) -> None:
    from project import revision_source

    write_revision(project, "first", None, NULLABLE_COLUMN)
    assert upgrade(project, database).returncode == 0
    database.query("INSERT INTO one (id, v) VALUES (1, NULL)")
    # Labelled contract, as autogenerate labels most data changes: not a phased deploy's hold.
    source = revision_source("second", "first", COPIES_ITS_OWN_KEYS)
    path = project.write_revision(
        "second_state.py", source.replace("depends_on", 'phase = "contract"\ndepends_on')
    )
    assert upgrade(project, database).returncode == 1

    verdict = project.run("inv", "db.status", env={"DATABASE_URL": database.url}).stdout
    verdict = verdict.splitlines()[-1]
    assert "the last upgrade from here failed at revision second" in verdict
    # The run that failed was a plain upgrade; the advice names the command that runs it again.
    assert "`inv db.upgrade`" in verdict and "--phase contract" not in verdict

    path.write_text(path.read_text().replace(COPIES_ITS_OWN_KEYS, "    pass"))
    status = project.run("inv", "db.status", "--json", env={"DATABASE_URL": database.url})
    document = json.loads(status.stdout)
    assert document["current"] == ["first"] and document["last_failed_upgrade"] is None
    check = project.run("inv", "db.check", env={"DATABASE_URL": database.url})
    assert "the last upgrade from here failed" not in check.stderr


# Commits its new column, then fails before the data step that fills it ever ran.
COMMITS_COLUMN_THEN_FAILS = """\
    with op.get_context().autocommit_block():
        op.add_column("one", sa.Column("w", sa.Integer))
    op.execute("UPDATE one SET w = 1 / (id - id)")"""


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_status_never_advises_stamping_the_revision_whose_run_failed_partway(
    project: Project, database: ServerDatabase
) -> None:
    # The schema is exactly what second builds, but second's UPDATE never ran: stamping it
    # would record unrun work as done.
    from project import revision_source

    write_revision(project, "first", None, NULLABLE_COLUMN)
    assert upgrade(project, database).returncode == 0
    database.query("INSERT INTO one (id, v) VALUES (1, 'a')")
    project.write_revision(
        "second_state.py", revision_source("second", "first", COMMITS_COLUMN_THEN_FAILS)
    )
    failed = upgrade(project, database)
    assert failed.returncode == 1 and "second had committed part of its work" in failed.stderr
    assert "stamp -r second" not in failed.stderr

    for task in ("db.status", "db.check"):
        run = project.run("inv", task, env={"DATABASE_URL": database.url})
        said = run.stdout + run.stderr
        assert "unexpected column" in said or "one.w" in said, said
        assert "stamp -r second" not in said and "stamped wrongly" not in said, said
        # Tried on a scratch database made like this one: the column is in the way.
        assert "fails at revision second" in said, said
        assert "`ALTER TABLE one DROP COLUMN w`" in said, said


@only_on("sqlite", "mysql", why="CI time: PostgreSQL's text is SQLite's")
def test_a_history_failing_on_any_scratch_database_is_named_in_a_few_words(
    project: Project, database: ServerDatabase
) -> None:
    # Stamped at head, nothing built: status cannot rebuild the revision to compare, and its
    # note used to carry the state line read on the scratch database (on MariaDB a
    # "half-applied" with a stamp and a mark to clear, none of it about this database).
    first_then(project, COMMITS_ITSELF)
    stamped = project.run("inv", "db.stamp", "-r", "head", env={"DATABASE_URL": database.url})
    assert stamped.returncode == 0, stamped.stderr
    status = project.run("inv", "db.status", env={"DATABASE_URL": database.url})
    lines = [line for line in status.stdout.splitlines() if line.startswith("database: ")]
    assert len(lines) == 1, status.stdout + status.stderr
    (line,) = lines
    assert line == (
        "database: not compared with what its revision builds: the migrations fail on a"
        " scratch database built from the revisions (MigrationEndedItsTransaction: it calls"
        " commit() on the migration's connection, which is refused)"
    ), line


# Commits a row itself, then fails: the rows are data, which the schema comparison never reads.
COMMITTED_ROWS = {
    "autocommit-block": """\
    with op.get_context().autocommit_block():
        op.execute("INSERT INTO one (id) VALUES (1)")
    raise RuntimeError("after its own commit")""",
    # pysqlite runs the statements after a COMMIT outside any transaction: row 2 stays too.
    "commit-statement": """\
    op.execute("INSERT INTO one (id) VALUES (1)")
    op.execute("COMMIT")
    op.execute("INSERT INTO one (id) VALUES (2)")
    raise RuntimeError("after its own commit")""",
}


@pytest.mark.parametrize("body", list(COMMITTED_ROWS))
def test_failure_after_committing_rows_never_says_none_of_it_remains(
    project: Project, database: ServerDatabase, body: str
) -> None:
    first_then(project, COMMITTED_ROWS[body])
    failed = upgrade(project, database)
    assert failed.returncode == 1, failed.stderr
    assert database.revisions() == {"first"}
    assert database.query("SELECT COUNT(*) FROM one")[0][0] >= 1  # the committed row stays
    line = state_line(failed.stderr)
    assert "none of it remains" not in line and "rolled back" not in line, line
    assert "still at first" in line, line
    if database.kind != "mysql":  # MariaDB's own line says its commit committed the rows
        assert "the rows its statements changed were not read: they may remain" in line, line


ADDS_C3 = '    op.add_column("one", sa.Column("c3", sa.Integer))'


@pytest.mark.parametrize("database", ["sqlite", "mysql"], indirect=True)
def test_failure_on_a_hand_made_column_is_not_predicted_once_the_schema_changed(
    project: Project, database: ServerDatabase
) -> None:
    # The upgrade failed on the schema (a column added by hand): once that column is dropped,
    # the schema is no longer the one it failed on, and `inv db.upgrade` passes.
    first_then(project, ADDS_C3)
    env = {"DATABASE_URL": database.url}
    assert upgrade(project, database, "inv", "db.upgrade", "-r", "first").returncode == 0
    database.query("ALTER TABLE one ADD COLUMN c3 INTEGER")
    assert upgrade(project, database).returncode == 1
    database.query("ALTER TABLE one DROP COLUMN c3")
    for command in ("db.status", "db.check"):
        ran = project.run("inv", command, env=env)
        output = ran.stdout + ran.stderr
        assert "fail the same way" not in output and "failed at revision" not in output, output
    assert upgrade(project, database).returncode == 0
