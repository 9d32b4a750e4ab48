"""Ctrl-C in a terminal reaches the fan-out's whole process group: its parent and its workers.

Each tenant a worker had started is reported as its database has it afterwards (on MariaDB
half-applied, with that tenant's repair commands; on PostgreSQL rolled back); only the tenants
no worker began are reported as not started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from failures import STOP_DEADLINE
from project import Project, one_error_line
from servers import ServerDatabase, connect_admin, with_database
from tenant_projects import make_tenant_project

# Creates a table, says it started (a file named by its worker's pid), sleeps in the server
# until a signal stops it, then adds a column: stopped, the table stays on MariaDB alone.
SLEEPING_FIRST_STEP = (
    "def upgrade() -> None:\n"
    "    import pathlib\n"
    "    op.create_table('early', sa.Column('id', sa.Integer))\n"
    "    pathlib.Path(os.environ['STARTED_DIR'], str(os.getpid())).touch()\n"
    "    op.execute({sleep!r})\n"
    "    op.add_column('early', sa.Column('late', sa.Integer))\n"
)


def sleeping_project(project: Project, sleep: str) -> Project:
    first = project.versions / "0001_step.py"
    source = first.read_text().replace(
        "import sqlalchemy as sa\n", "import os\n\nimport sqlalchemy as sa\n"
    )
    first.write_text(
        source.replace("def upgrade() -> None:\n", SLEEPING_FIRST_STEP.format(sleep=sleep))
    )
    return project


def sleeping_schema_tenants(
    tmp_path: Path, postgresql_url: str, names: list[str]
) -> tuple[ServerDatabase, Project]:
    """A service whose PostgreSQL tenant schemas ``names`` sleep in their first migration."""
    database = ServerDatabase("postgresql", postgresql_url)
    for name in names:
        database.query(f"CREATE SCHEMA {name}")
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=postgresql_url)
    sleeping_project(make_tenant_project(project, "schema", names), "SELECT pg_sleep(60)")
    return database, project


FAN_OUT = ("inv", "db.upgrade", "--all-tenants", "--parallel", "2", "--json")


def stopped_as_a_group(
    project: Project,
    started: Path,
    signal_number: int,
    command: tuple[str, ...] = FAN_OUT,
    starts: int = 2,
):
    """Run ``command`` (the fan-out: 2 workers, 3 tenants) in a process group of its own, and
    signal the whole group once ``starts`` tenants started, as a terminal's Ctrl-C does; the
    completed run."""
    started.mkdir()
    running = project.popen(
        *command,
        cwd=project.path,
        env=project.environment(STARTED_DIR=str(started)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(list(started.iterdir())) < starts:
            assert running.poll() is None, running.communicate()
            assert time.monotonic() < deadline, "two tenants never started"
            time.sleep(0.05)
        os.killpg(running.pid, signal_number)
        stdout, stderr = running.communicate(timeout=STOP_DEADLINE)
    finally:
        if running.poll() is None:
            os.killpg(running.pid, signal.SIGKILL)
            running.communicate()
    return subprocess.CompletedProcess(command, running.returncode, stdout, stderr)


def rows_of(completed) -> dict[str, dict]:
    import json

    assert "Traceback" not in completed.stderr, completed.stderr
    return {row["tenant"]: row for row in json.loads(completed.stdout)}


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["int", "term"])
def test_a_signal_to_the_group_reports_each_started_mariadb_tenant_half_applied(
    tmp_path: Path, mysql_tenants, signal_number: int
) -> None:
    url, names = mysql_tenants
    admin = connect_admin("mysql", url)
    with admin.cursor() as cursor:
        for name in names:
            cursor.execute(f"CREATE DATABASE {name}")
    admin.close()
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=url)
    sleeping_project(make_tenant_project(project, "database", names), "SELECT SLEEP(60)")

    stopped = stopped_as_a_group(project, tmp_path / "started", signal_number)
    assert stopped.returncode == (130 if signal_number == signal.SIGINT else 143), stopped.stderr
    rows = rows_of(stopped)
    databases = {name: ServerDatabase("mysql", with_database(url, name)) for name in names}
    begun = {name for name in names if "early" in databases[name].tables()}
    assert len(begun) == 2, rows
    for name in begun:
        detail = rows[name]["detail"]
        assert rows[name]["outcome"] == "stopped", rows[name]
        # Its worker stopped the statement on the server before reading what it left.
        sleeping = f"SELECT id FROM information_schema.processlist WHERE db = '{name}'"
        assert not databases[name].query(f"{sleeping} AND info LIKE 'SELECT SLEEP%'"), detail
        assert "alembic_migration_in_progress" in databases[name].tables()
        # The repair that acts on this tenant alone, as the rerun would refuse it until then.
        assert f"inv db.clear-migration-mark --tenants {name}`" in detail, detail
    (unstarted,) = set(names) - begun
    assert rows[unstarted]["outcome"] == "not run"
    assert "before this tenant started" in rows[unstarted]["detail"]
    line = one_error_line(stopped.stderr)
    assert "1 of 3 tenants ended" not in line and "none of the 3 tenants ended" in line, line
    assert "2 stopped part-way" in line and "1 did not start" in line, line


def test_ctrl_c_to_the_group_reports_started_postgresql_tenants_rolled_back(
    tmp_path: Path, postgresql_url: str
) -> None:
    names = ["r1", "r2", "r3"]
    database, project = sleeping_schema_tenants(tmp_path, postgresql_url, names)

    stopped = stopped_as_a_group(project, tmp_path / "started", signal.SIGINT)
    assert stopped.returncode == 130, stopped.stderr
    rows = rows_of(stopped)
    assert [rows[name]["outcome"] for name in names] == ["stopped", "stopped", "not run"], rows
    for name in names[:2]:
        assert "rolled back" in rows[name]["detail"], rows[name]
        assert "before this tenant started" not in rows[name]["detail"]
        # Read, not "?": the revision the worker read before its run (a fresh schema's none).
        assert rows[name]["before"] == rows[name]["after"] == "base", rows[name]
    tables = database.query("SELECT count(*) FROM pg_tables WHERE schemaname LIKE 'r_'")
    assert tables == [(0,)]
    # Rolled back, as read from each schema: nothing is left part-way, nothing to repair.
    line = one_error_line(stopped.stderr)
    assert "2 stopped with nothing left part-way (r1, r2: rolled back" in line, line
    assert "stopped part-way (" not in line and "repair" not in line, line


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie no one reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_workers_of_a_killed_fan_out_stop_their_tenant_and_exit(
    tmp_path: Path, postgresql_url: str
) -> None:
    # SIGKILL to the parent alone: its workers used to finish their tenant and then wait on
    # the pool's pipe for ever, ignoring SIGTERM.
    database, project = sleeping_schema_tenants(tmp_path, postgresql_url, ["k1", "k2", "k3"])
    started = tmp_path / "started"
    started.mkdir()
    running = project.popen(
        "inv",
        "db.upgrade",
        "--all-tenants",
        "--parallel",
        "2",
        cwd=project.path,
        env=project.environment(STARTED_DIR=str(started)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(list(started.iterdir())) < 2:
            assert running.poll() is None and time.monotonic() < deadline, "never started"
            time.sleep(0.05)
        workers = [int(path.name) for path in started.iterdir()]
        os.kill(running.pid, signal.SIGKILL)
        running.wait()
        # A stop cancels pg_sleep at once; the rest is the rollback and the state's reading.
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in workers), "an orphaned worker is still running"
    finally:
        for pid in filter(alive, workers):
            os.kill(pid, signal.SIGKILL)
        if running.poll() is None:
            running.kill()
            running.wait()
    # Each stopped where it was: its transaction rolled back, no table left.
    tables = database.query("SELECT count(*) FROM pg_tables WHERE schemaname LIKE 'k_'")
    assert tables == [(0,)]


def test_ctrl_c_in_a_mariadb_tenant_create_advises_repairs_of_that_tenant(
    tmp_path: Path, mysql_tenants
) -> None:
    url, names = mysql_tenants
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=url)
    sleeping_project(make_tenant_project(project, "database", names), "SELECT SLEEP(60)")
    command = ("inv", "db.tenant-create", names[0])
    stopped = stopped_as_a_group(project, tmp_path / "started", signal.SIGINT, command, 1)
    assert stopped.returncode == 130 and "Traceback" not in stopped.stderr, stopped.stderr
    line = one_error_line(stopped.stderr)
    # Each repair acts on the tenant: without --tenants it would repair DATABASE_URL's own.
    assert f"`inv db.clear-migration-mark --tenants {names[0]}`" in line, line
    carry_on = f"`inv db.tenant-create {names[0]}`"
    assert f"once that is done, {carry_on} again carries it on to head" in line, line
    assert line.count("`inv db.") - 1 == line.count(f"--tenants {names[0]}`"), line


# Says it started (a file named by its worker's pid), then sleeps in Python: a signal raises
# there, and the SQLite tenant's transaction rolls back.
SLEEPING_PYTHON_STEP = (
    "    pathlib.Path(os.environ['STARTED_DIR'], str(os.getpid())).touch()\n    time.sleep(60)"
)

SQLITE_TENANTS = ["s1", "s2", "s3"]


def sqlite_tenants_with_a_sleeping_step(
    tmp_path: Path, upgrade: str, downgrade: str = "    pass"
) -> Project:
    """A service of three SQLite file tenants (s1, s2, s3) at 0003, whose revision 0004 runs
    ``upgrade`` and ``downgrade`` (one of them SLEEPING_PYTHON_STEP)."""
    from project import revision_source

    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{tmp_path}/main.db")
    make_tenant_project(project, "database", SQLITE_TENANTS)
    for name in SQLITE_TENANTS:
        (tmp_path / f"main_{name}.db").touch()  # an empty file is an empty SQLite database
    source = revision_source(
        "0004", "0003", upgrade, downgrade, imports="import os\nimport pathlib\nimport time"
    )
    project.write_revision("0004_sleep.py", source)
    return project


def test_a_stopped_sqlite_upgrade_names_the_tenants_it_left(tmp_path: Path) -> None:
    names = SQLITE_TENANTS
    project = sqlite_tenants_with_a_sleeping_step(tmp_path, SLEEPING_PYTHON_STEP)
    stopped = stopped_as_a_group(project, tmp_path / "started", signal.SIGTERM)
    assert stopped.returncode == 143, stopped.stderr
    rows = rows_of(stopped)
    assert [rows[name]["outcome"] for name in names] == ["stopped", "stopped", "not run"], rows
    line = one_error_line(stopped.stderr)
    # SQLite rolled each back: no repair is asked for, only the rerun.
    assert "; run `inv db.upgrade --tenants s1,s2,s3`: it goes on with exactly" in line, line
    assert "repair" not in line, line


def test_a_stopped_sqlite_downgrade_names_the_tenants_it_left(tmp_path: Path) -> None:
    """As the upgrade above: "run the downgrade again" left the operator to find the tenants."""
    project = sqlite_tenants_with_a_sleeping_step(tmp_path, "    pass", SLEEPING_PYTHON_STEP)
    project.inv("db.upgrade", "--all-tenants")
    downgrade = ("inv", "db.downgrade", "-r", "0003", "--all-tenants", "--parallel", "2")
    stopped = stopped_as_a_group(
        project, tmp_path / "started", signal.SIGTERM, (*downgrade, "--yes", "--json")
    )
    assert stopped.returncode == 143, stopped.stderr
    line = one_error_line(stopped.stderr)
    expected = "; run `inv db.downgrade -r 0003 --tenants s1,s2,s3 --yes`: it goes on with"
    assert expected in line, line
    assert "run the downgrade again" not in line, line


def test_ctrl_c_in_a_tenant_create_says_the_tenant_was_made_and_how_to_carry_on(
    tmp_path: Path,
) -> None:
    """The line was a bare "SIGINT stopped migration 0004; rolled back; ...": no tenant named,
    not said that its database was made, nor how to carry on."""
    from project import revision_source

    project = sqlite_tenants_with_a_sleeping_step(tmp_path, SLEEPING_PYTHON_STEP)
    (tmp_path / "main_s1.db").unlink()
    command = ("inv", "db.tenant-create", "s1")
    stopped = stopped_as_a_group(project, tmp_path / "started", signal.SIGINT, command, 1)
    assert stopped.returncode == 130 and "Traceback" not in stopped.stderr, stopped.stderr
    line = one_error_line(stopped.stderr)
    assert line.startswith("error: tenant database s1 created, but its upgrade was stopped:")
    assert "SIGINT stopped migration 0004" in line, line
    assert line.endswith("`inv db.tenant-create s1` again carries it on to head"), line
    project.write_revision("0004_sleep.py", revision_source("0004", "0003", "    pass", "    pass"))
    carried = project.inv(*command[1:]).stdout
    assert "tenant database s1 already existed; it is at head (0004)" in carried, carried
