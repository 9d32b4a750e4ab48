"""`db.backfill --all-tenants|--tenants`: each tenant's backfill in its own schema or database.

Its records and cursor live in the tenant, its lock is keyed by the tenant (a runner on one
tenant never blocks another's), and `require_backfill` reads the tenant's own records during an
`--all-tenants` upgrade. The backfill commands run in-process where they can: a subprocess each
would cost a second.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from project import Project, one_error_line, revision_source
from servers import ServerDatabase
from tenant_projects import make_tenant_project

NAMES = ["acme", "globex"]
ROWS = 5
DECLARING = """from alembic_steward.backfills import Backfill

backfills = [
    Backfill(
        name="notes_title",
        table="notes",
        key="id",
        set="title = body",
        pending="title IS NULL",
        batch_size=2,
        pause_seconds=0,
    )
]
"""
REQUIRING = "from alembic_steward.backfills import require_backfill\n"

# Runs SQL in one tenant: (tenant, SQL) -> rows.
Query = Callable[[str, str], list[tuple]]


def with_backfill(project: Project) -> Project:
    """The tenant fixture service, plus 0004 declaring a backfill of notes.title."""
    source = revision_source("0004", "0003", "    pass")
    project.write_revision(
        "0004_backfill.py",
        source.replace("from alembic import op\n", "from alembic import op\n" + DECLARING),
    )
    return project


def require_it(project: Project) -> None:
    upgrade = '    require_backfill("notes_title", finish_inline_up_to=0)'
    source = revision_source("0005", "0004", upgrade)
    project.write_revision(
        "0005_require.py",
        source.replace("from alembic import op\n", "from alembic import op\n" + REQUIRING),
    )


# A fixture's service, its query, its tenancy and its two tenants' names.
Tenants = tuple[Project, Query, str, list[str]]


@pytest.fixture
def sqlite_tenants(tmp_path: Path) -> Tenants:
    """Database tenants as SQLite files beside the service's own (which is never made)."""
    return make_sqlite_tenants(tmp_path)


def make_sqlite_tenants(tmp_path: Path) -> Tenants:
    """:func:`sqlite_tenants`' service, for other modules' fixtures."""
    main = tmp_path / "service.db"
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}")
    for name in NAMES:
        sqlite3.connect(tmp_path / f"service_{name}.db").close()

    def query(tenant: str, sql: str) -> list[tuple]:
        with sqlite3.connect(tmp_path / f"service_{tenant}.db") as connection:
            return connection.execute(sql).fetchall()

    def record_tables() -> set[str]:
        files = [path.stem for path in tmp_path.glob("service*.db")]
        found = set()
        for stem in files:
            with sqlite3.connect(tmp_path / f"{stem}.db") as connection:
                sql = "SELECT 1 FROM sqlite_master WHERE name = 'alembic_backfills'"
                if connection.execute(sql).fetchall():
                    found.add(stem.removeprefix("service_"))
        return found

    query.record_tables = record_tables  # type: ignore[attr-defined]
    return with_backfill(make_tenant_project(project, "database", NAMES)), query, "database", NAMES


def upgrade_with_notes(tenants: Tenants) -> None:
    """Upgrade every tenant of ``tenants`` and give each ROWS notes to backfill."""
    project, query, _tenancy, names = tenants
    project.inv("db.upgrade", "--all-tenants")
    values = ", ".join(f"({n}, 'body{n}')" for n in range(1, ROWS + 1))
    for name in names:
        query(name, f"INSERT INTO notes (id, body) VALUES {values}")


@pytest.fixture
def postgresql_tenants(tmp_path: Path, postgresql_url: str) -> Tenants:
    """Schema tenants of a fresh PostgreSQL database."""
    database = ServerDatabase("postgresql", postgresql_url)
    for name in NAMES:
        database.query(f"CREATE SCHEMA {name}")

    def query(tenant: str, sql: str) -> list[tuple]:
        # The tests' SQL names the tenant's tables: qualified here with its schema.
        for table in (" notes", " alembic_backfills"):
            sql = sql.replace(table, f" {tenant}.{table[1:]}")
        return database.query(sql)

    def record_tables() -> set[str]:
        rows = database.query(
            "SELECT schemaname FROM pg_tables WHERE tablename = 'alembic_backfills'"
        )
        return {row[0] for row in rows}

    query.record_tables = record_tables  # type: ignore[attr-defined]
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=postgresql_url)
    return with_backfill(make_tenant_project(project, "schema", NAMES)), query, "schema", NAMES


@pytest.fixture
def mariadb_server_tenants(tmp_path: Path, mariadb_tenants) -> Tenants:
    """Database tenants on the MariaDB server (names made unique by the fixture)."""
    main, databases = mariadb_tenants
    names = [database.url.rsplit("/", 1)[1] for database in databases]
    by_name = dict(zip(names, databases, strict=True))
    for name in names:
        main.query(f"CREATE DATABASE {name}")

    def query(tenant: str, sql: str) -> list[tuple]:
        return by_name[tenant].query(sql)

    def record_tables() -> set[str]:
        rows = main.query(
            "SELECT table_schema FROM information_schema.tables"
            " WHERE table_name = 'alembic_backfills'"
        )
        return {row[0] for row in rows} & {*names, main.url.rsplit("/", 1)[1]}

    query.record_tables = record_tables  # type: ignore[attr-defined]
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=main.url)
    return with_backfill(make_tenant_project(project, "database", names)), query, "database", names


@pytest.fixture(params=["sqlite", "postgresql", "mariadb_server"])
def tenants(request) -> Tenants:
    return request.getfixturevalue(f"{request.param}_tenants")


def rows_of(text: str) -> dict[str, dict]:
    return {row["tenant"]: row for row in json.loads(text)}


def titled(query: Query, tenant: str) -> int:
    return query(tenant, "SELECT count(*) FROM notes WHERE title IS NOT NULL")[0][0]


def test_each_tenant_backfills_in_its_own_records_under_its_own_lock_and_gate(
    tenants: Tenants, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic_steward.runtime._backfill_commands import backfill_engine
    from alembic_steward.runtime._backfill_naming import backfill_lock_name
    from alembic_steward.runtime._backfill_tenants import backfill_tenants_command
    from alembic_steward.runtime._named_locks import holding_named_lock
    from alembic_steward.runtime._tenancy import Tenant, bind_tenant

    project, query, tenancy, (acme, globex) = tenants
    upgrade_with_notes(tenants)

    def command(action: str, **options: object) -> tuple[int, dict[str, dict], str]:
        code = backfill_tenants_command(
            action, "notes_title", tenancy=None, as_json=True, **options
        )
        out, err = capsys.readouterr()
        return code, rows_of(out), err

    with project.imported():
        # A runner holds acme's lock: acme is refused naming it, globex runs all the same.
        bind_tenant(Tenant(acme, tenancy))
        try:
            with holding_named_lock(backfill_engine(), backfill_lock_name("notes_title")):
                bind_tenant(None)
                code, rows, err = command("run", tenants=None)
        finally:
            bind_tenant(None)
        # Not a failure: nothing to fix, the same command may run once that runner stopped.
        assert code == 75, err
        assert rows[acme]["outcome"] == "held", rows[acme]
        held = f"notes_title is already running in tenant {acme} (another runner holds its lock:"
        assert held in rows[acme]["detail"], rows[acme]
        # Named by its process (MariaDB: by its connection id, as the server knows it, and the
        # pid of the local process on that connection: a tester could pause it, not end it).
        holder = "MySQL connection id" if project.env["DATABASE_URL"].startswith("mysql") else "pid"
        assert f"{holder} " in rows[acme]["detail"].split("holds its lock:")[1], rows[acme]
        assert f"pid {os.getpid()}" in rows[acme]["detail"], rows[acme]
        assert rows[globex]["outcome"] == "finished", rows[globex]
        line = one_error_line(err)
        assert line.startswith(f"error: 1 of 2 tenants held by another runner ({acme});"), line
        assert "wait for those runners to finish" in line and "fix what" not in line, line
        wait = (
            f"wait for that runner to finish (`inv db.backfill status notes_title --tenants {acme}`"
        )
        assert wait in rows[acme]["detail"], rows[acme]
        stop = f"or stop it: `inv db.backfill pause notes_title --tenants {acme}` (it stops after"
        assert stop in rows[acme]["detail"], rows[acme]
        assert f"or SIGTERM to its process (pid {os.getpid()})" in rows[acme]["detail"]
        assert (titled(query, acme), titled(query, globex)) == (0, ROWS)

        # A finished tenant has nothing to pause: not a failure.
        code, rows, err = command("pause", tenants=None)
        assert code == 0 and rows[acme]["outcome"] == "paused", (rows, err)
        assert rows[globex]["outcome"] == "finished", rows[globex]
        assert "has finished and no row is pending; nothing to pause" in rows[globex]["detail"]
        code, rows, _ = command("status", tenants=None)
        assert code == 0 and rows[acme]["outcome"] == "paused", rows
        assert rows[globex]["outcome"] == "finished" and rows[globex]["before"] == "0004"
        assert f"finished, {ROWS} rows in 3 batches" in rows[globex]["detail"]
        code, rows, _ = command("run", tenants=acme)
        # Paused on purpose: a state the row says, not a failure of the run.
        assert code == 0 and rows[acme]["outcome"] == "paused", rows
        assert "is paused after 0 rows; nothing was run" in rows[acme]["detail"], rows
        assert f"`inv db.backfill resume notes_title --tenants {acme}`" in rows[acme]["detail"]

        # Code that does not set the title writes a row after globex finished: the status
        # says so, a pause holds, and a resume updates it.
        query(globex, f"INSERT INTO notes (id, body) VALUES ({ROWS + 1}, 'late')")
        code, rows, _ = command("status", tenants=globex)
        assert rows[globex]["outcome"] == "pending again", rows[globex]
        again = f"finished earlier ({ROWS} rows in 3 batches, last at "
        assert again in rows[globex]["detail"], rows[globex]
        assert "but 1 row is pending again" in rows[globex]["detail"], rows[globex]
        assert command("pause", tenants=globex)[1][globex]["outcome"] == "paused"
        assert "is paused after" in command("run", tenants=globex)[1][globex]["detail"]
        code, rows, _ = command("resume", tenants=globex)
        assert code == 0 and titled(query, globex) == ROWS + 1, rows

        # The fan-out status lists a tenant's unfinished backfills as `db.status` does.
        listed = fan_out_status(Tenant(acme, tenancy))
        paused = "backfill notes_title (revision 0004): paused, 0 rows in 0 batches, last at"
        assert listed.unfinished_backfills, listed
        assert listed.unfinished_backfills[0].text.startswith(paused), listed
        assert listed.unfinished_backfills[0].state == "paused", listed
        assert "backfill: notes_title (revision 0004): paused" in listed.detail, listed
        assert fan_out_status(Tenant(globex, tenancy)).unfinished_backfills is None

    # The gate reads each tenant's own records: globex moves on, acme is refused alone.
    require_it(project)
    upgraded = rows_of(project.inv("db.upgrade", "--all-tenants", "--json", code=76).stdout)
    assert upgraded[globex]["after"] == "0005", upgraded[globex]
    refused = upgraded[acme]["detail"]
    assert upgraded[acme]["after"] == "0004" and "requires backfill notes_title" in refused
    assert f"`inv db.backfill run notes_title --tenants {acme}`" in refused, refused

    deployed = project.run(
        "python", "-m", "app.migrations", "backfill", "resume", "notes_title", "--tenants", acme
    )
    assert deployed.returncode == 0, deployed.stderr
    assert "1 tenant: 1 finished" in deployed.stdout, deployed.stdout
    project.inv("db.upgrade", "--all-tenants")
    assert titled(query, acme) == ROWS
    # The records are the tenants' own: none in DATABASE_URL's own schema or database.
    assert query.record_tables() == {acme, globex}  # type: ignore[attr-defined]
    # Reverting the declaring revision drops a tenant's record with it; it is refused in a
    # tenant whose runner holds the backfill (its next batch would write to what goes).
    with project.imported():
        bind_tenant(Tenant(acme, tenancy))
        try:
            with holding_named_lock(backfill_engine(), backfill_lock_name("notes_title")):
                bind_tenant(None)
                reverted = project.inv(
                    "db.downgrade", "-r", "0003", "--all-tenants", "--json", code=76
                )
        finally:
            bind_tenant(None)
    rows = rows_of(reverted.stdout)
    assert rows[globex]["after"] == "0003", rows[globex]
    assert rows[acme]["after"] == "0005", rows[acme]
    refusal = "reverts revision 0004, whose backfill notes_title is running now ("
    assert refusal in rows[acme]["detail"], rows[acme]
    assert query(globex, "SELECT count(*) FROM alembic_backfills") == [(0,)]
    assert query(acme, "SELECT count(*) FROM alembic_backfills") == [(1,)]


def fan_out_status(tenant) -> object:
    """The tenant's row of `db.status --all-tenants`, read in this process."""
    from alembic_steward.runtime._tenant_runs import run_tenant

    return run_tenant(tenant, "status", "head")


def test_sigterm_stops_the_current_tenant_after_its_batch_and_starts_no_other(
    sqlite_tenants: Tenants,
) -> None:
    project, query, _tenancy, _names = sqlite_tenants
    project.inv("db.upgrade", "--all-tenants")
    for name in NAMES:
        query(name, "INSERT INTO notes (id, body) VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    running = project.start(
        "inv", "db.backfill", "run", "notes_title", "--all-tenants", "--pause", "60"
    )
    deadline = time.monotonic() + 30
    while titled(query, "acme") < 2:
        assert time.monotonic() < deadline, "the first batch never came"
        time.sleep(0.05)
    running.send_signal(signal.SIGTERM)
    out, err = running.communicate(timeout=30)
    assert running.returncode == 143, out + err
    assert "Traceback" not in err
    table = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert " stopped " in table["acme"] and "its cursor saved" in table["acme"], out
    assert " not run " in table["globex"], out
    # It never started: no seconds (0.00 would say it ran), the one stopped its own.
    assert "0.00" not in table["globex"] and "0.00" not in table["acme"], out
    line = one_error_line(err)
    assert line.startswith("error: SIGTERM stopped the backfill of the tenants:"), line
    # What to run for exactly the tenants left, as a fan-out's rows name each tenant's own.
    left = "`inv db.backfill run notes_title --tenants acme,globex` goes on with exactly"
    assert left in line, line
    assert (titled(query, "acme"), titled(query, "globex")) == (2, 0)


def test_a_backfill_command_without_tenant_options_in_a_tenant_service_names_them(
    tmp_path: Path,
) -> None:
    main = tmp_path / "service.db"
    sqlite3.connect(main).close()  # DATABASE_URL's own database, which no tenant run migrates
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}")
    project = with_backfill(make_tenant_project(project, "database", ["acme"]))
    project.inv("db.tenant-create", "acme")
    ran = project.inv("db.backfill", "run", "notes_title", code=1)
    line = one_error_line(ran.stderr)
    assert "this service has tenants (app.tenants:list_tenants lists them)" in line, line
    assert "`inv db.backfill run notes_title --all-tenants`" in line, line
    status = project.inv("db.backfill", "status", "all")
    assert "`inv db.backfill status all --all-tenants`" in status.stdout, status.stdout
    main.unlink()  # no file at all: said so, and where the backfills are
    missing = project.inv("db.backfill", "status", "all", code=1)
    assert "`inv db.backfill status all --all-tenants`" in missing.stderr, missing.stderr
