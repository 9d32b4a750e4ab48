"""Tenants: schema and database tenancy, the fan-out's report, exit code, rerun, shard, lock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from project import Project, one_error_line
from servers import connect_admin, with_database
from tenant_projects import make_tenant_project

from alembic_steward.runtime._tenancy import (
    Tenant,
    TenantError,
    bind_tenant,
    checked_name,
    in_shard,
    parse_shard,
)
from alembic_steward.runtime._tenant_reports import (
    FAILED_TENANTS_EXIT_CODE,
    report_table,
    summary_line,
)
from alembic_steward.runtime._tenant_runs import TenantOutcome

HEAD = "0003"


def report(completed) -> dict[str, dict]:
    """The JSON report of a fan-out run, by tenant."""
    return {row["tenant"]: row for row in json.loads(completed.stdout)}


# --- names, shards, report: no server needed ------------------------------------------------


@pytest.mark.parametrize("name", ["a-b", "1abc", "x" * 64, 'a"; DROP SCHEMA public; --', ""])
def test_a_tenant_name_that_is_no_plain_identifier_is_refused(name: str) -> None:
    with pytest.raises(TenantError, match="is not a plain identifier"):
        checked_name(name, "--tenants")


def test_names_given_with_spaces_are_told_to_use_commas() -> None:
    with pytest.raises(TenantError, match=r"separate names with commas \(`--tenants a,b`\)"):
        checked_name("acme globex", "--tenants")
    with pytest.raises(TenantError) as refused:
        checked_name("a-b", "--tenants")
    assert "commas" not in str(refused.value)


def test_plain_tenant_names_pass() -> None:
    assert checked_name("acme_1", "--tenants") == "acme_1"
    assert checked_name("_x" * 31, "--tenants") == "_x" * 31


def test_shards_split_the_tenants_disjointly_and_completely() -> None:
    names = [f"tenant_{number:03}" for number in range(200)]
    for count in (1, 2, 3, 7):
        shards = [set(in_shard(names, (index, count))) for index in range(count)]
        assert set().union(*shards) == set(names)
        assert sum(len(shard) for shard in shards) == len(names)
        assert all(shards), "every shard gets some of 200 tenants"


def test_shards_differ_in_size_by_one_tenant_at_most() -> None:
    # A README-only tester's 7 tenants went 1/1/5 over 3 shards by a hash of their names.
    names = ["t_a", "t_b", "t_c", "t_d", "t_e", "t_f", "t_g"]
    for count in (2, 3, 4, 7, 9):
        sizes = [len(in_shard(names, (index, count))) for index in range(count)]
        assert max(sizes) - min(sizes) <= 1, (count, sizes)


def test_every_pod_shards_the_same_tenants_alike_whatever_order_it_listed_them_in() -> None:
    names = [f"tenant_{number:03}" for number in range(20)]
    shuffled = names[7:] + names[:7]
    for index in range(3):
        assert set(in_shard(names, (index, 3))) == set(in_shard(shuffled, (index, 3)))


@pytest.mark.parametrize("shard", ["2/2", "-1/3", "a/b", "1", "0/0"])
def test_a_shard_that_is_not_index_over_count_is_refused(shard: str) -> None:
    with pytest.raises(TenantError, match="JOB_COMPLETION_INDEX"):
        parse_shard(shard)


def test_the_report_names_failed_tenants_and_exits_with_its_own_code() -> None:
    outcomes = [
        TenantOutcome("acme", "upgraded", "base", HEAD, 0.5),
        TenantOutcome("globex", "failed", "0001", "0001", 0.2, "migration 0002 failed: boom"),
    ]
    code, line = summary_line(outcomes, "upgrade")
    assert code == FAILED_TENANTS_EXIT_CODE == 76
    assert "1 of 2 tenants failed" in line and "globex" in line
    table = report_table(outcomes).splitlines()
    assert table[0].split() == ["tenant", "outcome", "from", "to", "seconds", "detail"]
    assert table[2].startswith("globex") and table[2].endswith("migration 0002 failed: boom")
    assert summary_line(outcomes[:1], "upgrade") == (0, "1 tenant: 1 upgraded")


@pytest.mark.parametrize(
    ("outcome", "action", "status_code"),
    [("failed", "upgrade", None), ("drift", "check", None), ("not at head", "check", None)]
    + [("pending", "status", 2)],
)
def test_a_summary_names_ten_tenants_and_counts_the_rest(
    outcome: str, action: str, status_code: int | None
) -> None:
    outcomes = [
        TenantOutcome(f"t{n:02}", outcome, "0001", "0001", exit_code=status_code) for n in range(12)
    ]
    code, line = summary_line(outcomes, action)
    assert code == FAILED_TENANTS_EXIT_CODE
    assert "and 2 more" in line and "t09" in line and "t10" not in line, line


def test_each_schema_tenant_has_a_lock_key_of_its_own() -> None:
    from alembic_steward.runtime._lock import POSTGRESQL_LOCK_KEY, postgresql_lock_key

    keys = set()
    try:
        for name in ("acme", "globex"):
            bind_tenant(Tenant(name, "schema"))
            keys.add(postgresql_lock_key())
        bind_tenant(Tenant("acme", "database"))  # a database of its own: the database's key
        assert postgresql_lock_key() == POSTGRESQL_LOCK_KEY
    finally:
        bind_tenant(None)
    assert len(keys | {POSTGRESQL_LOCK_KEY}) == 3


# --- PostgreSQL schemas ---------------------------------------------------------------------


def pg_query(url: str, sql: str) -> list[tuple]:
    connection = connect_admin("postgresql", url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall()) if cursor.description else []
    finally:
        connection.close()


def schema_project(tmp_path: Path, url: str, names: list[str]) -> Project:
    for name in names:
        pg_query(url, f"CREATE SCHEMA {name}")
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=url)
    return make_tenant_project(project, "schema", names)


def test_one_broken_schema_fails_alone_and_a_rerun_touches_only_it(
    tmp_path: Path, postgresql_url: str
) -> None:
    names = [f"t{number:02}" for number in range(20)]
    project = schema_project(tmp_path, postgresql_url, names)
    project.inv("db.upgrade", "--all-tenants", "-r", "0001", "--parallel", "2")
    # Two equal bodies in t07 only: 0002's unique index fails there.
    pg_query(postgresql_url, "INSERT INTO t07.notes (body) VALUES ('same'), ('same')")

    failed = project.inv(
        "db.upgrade", "--all-tenants", "--parallel", "2", "--json", code=FAILED_TENANTS_EXIT_CODE
    )
    rows = report(failed)
    assert rows["t07"]["outcome"] == "failed"
    assert "0002" in rows["t07"]["detail"] and rows["t07"]["after"] == "0001"
    assert "1 of 20 tenants failed" in one_error_line(failed.stderr) and "t07" in failed.stderr
    for name in names:
        (version,) = pg_query(postgresql_url, f"SELECT version_num FROM {name}.alembic_version")
        assert version == (("0001",) if name == "t07" else (HEAD,))
    assert pg_query(postgresql_url, "SELECT count(*) FROM t07.applied") == [(1,)]
    # Nothing landed in the database's own schema: each tenant kept its own bookkeeping.
    assert (
        pg_query(postgresql_url, "SELECT tablename FROM pg_tables WHERE schemaname='public'") == []
    )

    rerun = report(project.inv("db.upgrade", "--all-tenants", "--json", code=76))
    assert {name for name, row in rerun.items() if row["outcome"] != "at head"} == {"t07"}

    pg_query(postgresql_url, "DELETE FROM t07.notes")
    fixed = report(project.inv("db.upgrade", "--all-tenants", "--json"))
    assert fixed["t07"]["outcome"] == "upgraded" and fixed["t07"]["after"] == HEAD
    project.inv("db.status", "--all-tenants")


def test_two_fan_outs_at_once_apply_each_migration_once(
    tmp_path: Path, postgresql_url: str
) -> None:
    names = [f"s{number}" for number in range(6)]
    project = schema_project(tmp_path, postgresql_url, names)
    runs = [
        project.start("inv", "db.upgrade", "--all-tenants", "--parallel", "2", "--json")
        for _ in "ab"
    ]
    reports = []
    for run in runs:
        stdout, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stdout + stderr
        reports.append({row["tenant"]: row["outcome"] for row in json.loads(stdout)})
    # Each tenant is reported upgraded by the run that upgraded it, and at head by the other
    # (which may have waited for its lock, then found nothing to run).
    for name in names:
        assert sorted(report[name] for report in reports) == ["at head", "upgraded"], reports
    for name in names:
        applied = pg_query(
            postgresql_url, f"SELECT revision, count(*) FROM {name}.applied GROUP BY revision"
        )
        assert sorted(applied) == [("0001", 1), ("0002", 1), ("0003", 1)]


def test_a_tenant_waits_only_for_its_own_lock(tmp_path: Path, postgresql_url: str) -> None:
    from alembic_steward.runtime._lock import postgresql_lock_key

    project = schema_project(tmp_path, postgresql_url, ["held", "free"])
    bind_tenant(Tenant("held", "schema"))
    try:
        held_key = postgresql_lock_key()
    finally:
        bind_tenant(None)
    holder = connect_admin("postgresql", postgresql_url)
    try:
        holder.execute(f"SELECT pg_advisory_lock({held_key})")
        env = {"MIGRATION_LOCK_TIMEOUT": "1"}
        project.inv("db.upgrade", "--tenants", "free", env=env)
        blocked = project.inv("db.upgrade", "--tenants", "held", "--json", env=env, code=76)
        assert "holds the migration lock" in report(blocked)["held"]["detail"]
    finally:
        holder.close()


def test_shards_run_disjoint_parts_that_cover_every_tenant(
    tmp_path: Path, postgresql_url: str
) -> None:
    names = [f"h{number}" for number in range(6)]
    project = schema_project(tmp_path, postgresql_url, names)
    upgraded = []
    for index in range(2):
        rows = report(project.inv("db.upgrade", "--all-tenants", f"--shard={index}/2", "--json"))
        assert all(row["outcome"] == "upgraded" for row in rows.values())
        upgraded.append(set(rows))
    assert upgraded[0] | upgraded[1] == set(names) and not upgraded[0] & upgraded[1]


def test_a_failed_canary_leaves_the_other_tenants_unrun(
    tmp_path: Path, postgresql_url: str
) -> None:
    names = ["a1", "a2", "b1", "b2"]
    project = schema_project(tmp_path, postgresql_url, names)
    project.inv("db.upgrade", "--tenants", "a1", "-r", "0001")
    pg_query(postgresql_url, "INSERT INTO a1.notes (body) VALUES ('same'), ('same')")
    rows = report(project.inv("db.upgrade", "--all-tenants", "--canary", "2", "--json", code=76))
    assert rows["a1"]["outcome"] == "failed" and rows["a2"]["outcome"] == "upgraded"
    assert rows["b1"]["outcome"] == rows["b2"]["outcome"] == "not run"
    assert pg_query(postgresql_url, "SELECT count(*) FROM pg_tables WHERE schemaname='b1'") == [
        (0,)
    ]


def test_downgrade_and_status_run_per_tenant(tmp_path: Path, postgresql_url: str) -> None:
    project = schema_project(tmp_path, postgresql_url, ["d1", "d2"])
    project.inv("db.upgrade", "--all-tenants")
    refused = project.inv("db.downgrade", "--all-tenants", code=1)
    assert "-r REV" in one_error_line(refused.stderr)
    rows = report(project.inv("db.downgrade", "--all-tenants", "-r", "0001", "--json"))
    assert {row["after"] for row in rows.values()} == {"0001"}
    behind = project.inv("db.status", "--all-tenants", code=76)
    assert "2 of 2 tenants are not up to date (d1: pending" in one_error_line(behind.stderr)


def protection_project(tmp_path: Path, backend: str, request) -> tuple[Project, list[str]]:
    """A project of two tenants not created yet, on ``backend``: their names."""
    if backend == "postgresql":
        url = request.getfixturevalue("postgresql_url")
        return schema_project(tmp_path, url, []), ["p1", "p2"]
    if backend == "mariadb":
        url, names = request.getfixturevalue("mysql_tenants")
        project = Project.copy_to(tmp_path / "service", DATABASE_URL=url)
        return make_tenant_project(project, "database", []), names[:2]
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{tmp_path}/s.db")
    return make_tenant_project(project, "database", []), ["p1", "p2"]


# CI time: MariaDB's databases per tenant take the SQLite files' path (tenancy "database").
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_downgrade_over_tenants_refuses_each_protected_one_and_skips_those_below(
    tmp_path: Path, backend: str, request
) -> None:
    project, (kept, other) = protection_project(tmp_path, backend, request)
    project.inv("db.tenant-create", kept, env={"APP_ENV": "production"})  # its record says so
    project.inv("db.tenant-create", other)
    project.env["FIXTURE_TENANTS"] = f"{kept},{other}"
    for selection in (("--all-tenants",), ("--tenants", kept)):
        down = project.inv("db.downgrade", "-r", "0002", *selection, "--json", code=76)
        rows = report(down)
        assert rows[kept]["outcome"] == "protected" and rows[kept]["after"] == HEAD, rows
        assert "refusing to downgrade a production database" in rows[kept]["detail"]
    assert rows == {kept: rows[kept]} and report(down)[kept]["before"] == HEAD
    # The other tenant went; one not past the target has nothing to do (not a failure).
    project.inv("db.downgrade", "-r", "0002", "--tenants", other)
    rows = report(project.inv("db.downgrade", "-r", "0003", "--all-tenants", "--json"))
    assert rows[other]["outcome"] == "below target" and rows[other]["after"] == "0002", rows
    assert rows[kept]["outcome"] == "at target", rows
    confirmed = project.inv("db.downgrade", "-r", "0002", "--tenants", kept, "--yes", "--json")
    assert report(confirmed)[kept]["outcome"] == "downgraded"


def test_tenant_create_makes_a_schema_at_head(tmp_path: Path, postgresql_url: str) -> None:
    project = schema_project(tmp_path, postgresql_url, [])
    created = project.run("python", "-m", "app.migrations", "tenant-create", "newco")
    assert created.returncode == 0, created.stderr
    assert "schema newco created; it is at head (0003)" in created.stdout
    assert pg_query(postgresql_url, "SELECT version_num FROM newco.alembic_version") == [(HEAD,)]
    again = project.run("python", "-m", "app.migrations", "tenant-create", "newco")
    assert "already existed" in again.stdout


def test_a_bad_tenant_name_is_refused_in_one_line(tmp_path: Path, postgresql_url: str) -> None:
    project = schema_project(tmp_path, postgresql_url, ["ok"])
    refused = project.inv("db.upgrade", "--tenants", "ok,no-dash", code=1)
    line = one_error_line(refused.stderr)
    assert "'no-dash' (from --tenants on the command line) is not a plain identifier" in line
    # A --tenancy that is not the wiring's is more often a slip than a second kind of tenant:
    # the advice says the way back before offering to create a database beside the schema.
    slip = project.inv("db.upgrade", "--tenants", "ok", "--tenancy", "database", code=76)
    assert (
        "has no database on this server; the wiring's tenancy is schema: if 'ok' is a schema,"
        " leave out `--tenancy database`; else create it with"
        " `inv db.tenant-create ok --tenancy database`"
    ) in slip.stdout, slip.stdout


# --- databases per tenant: MariaDB and SQLite files ------------------------------------------


def test_databases_per_tenant_on_mariadb(tmp_path: Path, mysql_tenants) -> None:
    url, names = mysql_tenants
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=url)
    make_tenant_project(project, "database", names)
    for name in names:
        project.inv("db.tenant-create", name)
    broken = names[1]
    admin = connect_admin("mysql", with_database(url, broken))
    with admin.cursor() as cursor:
        cursor.execute("DELETE FROM alembic_version")
        cursor.execute("INSERT INTO alembic_version VALUES ('0001')")
        cursor.execute("DROP INDEX ix_notes_body ON notes")
        cursor.execute("ALTER TABLE notes DROP COLUMN title")
        cursor.execute("DELETE FROM applied WHERE revision <> '0001'")
        cursor.execute("INSERT INTO notes (body) VALUES ('same'), ('same')")
    admin.close()
    missing = names[0].rsplit("_", 1)[0] + "_missing"
    project.env["FIXTURE_TENANTS"] = ",".join([*names, missing])
    rows = report(project.inv("db.upgrade", "--all-tenants", "--json", code=76))
    assert [name for name, row in rows.items() if row["outcome"] != "at head"] == [
        broken,
        missing,
    ]
    assert rows[broken]["outcome"] == "failed" and rows[broken]["after"] == "0001"
    assert rows[missing]["detail"] == (
        f"the tenant {missing!r} has no database on this server; create it with"
        f" `inv db.tenant-create {missing}`"
    )


def test_sqlite_files_per_tenant(tmp_path: Path) -> None:
    main = tmp_path / "service.db"
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}")
    make_tenant_project(project, "schema", ["north", "south", "east"])
    for name in ("north", "south"):
        created = project.run(
            "python", "-m", "app.migrations", "tenant-create", name, "--tenancy", "database"
        )
        assert created.returncode == 0, created.stderr
    assert (tmp_path / "service_north.db").is_file()
    refused = project.run("python", "-m", "app.migrations", "upgrade", "--all-tenants")
    assert refused.returncode == 1
    assert "schema tenancy needs PostgreSQL" in one_error_line(refused.stderr)
    ran = project.run(
        "python", "-m", "app.migrations", "upgrade", "--all-tenants", "--tenancy", "database"
    )
    assert ran.returncode == 76, ran.stderr
    assert "east" in ran.stderr and "tenant-create east" in ran.stdout
    assert not (tmp_path / "service_east.db").exists()


def test_raw_alembic_migrates_the_tenant_named_with_x(tmp_path: Path, postgresql_url: str) -> None:
    project = schema_project(tmp_path, postgresql_url, ["solo", "other"])
    ran = project.run("alembic", "-x", "tenant=solo", "upgrade", "head")
    assert ran.returncode == 0, ran.stderr
    assert pg_query(postgresql_url, "SELECT version_num FROM solo.alembic_version") == [(HEAD,)]
    assert pg_query(postgresql_url, "SELECT count(*) FROM pg_tables WHERE schemaname='other'") == [
        (0,)
    ]


@pytest.mark.parametrize(
    "command",
    [
        ("inv", "db.upgrade", "--shard", "0/2"),
        ("inv", "db.downgrade", "-r", "base", "--yes", "--canary", "2"),
        ("inv", "db.status", "--parallel", "2"),
        ("inv", "db.check", "--tenancy", "database"),
        ("python", "-m", "app.migrations", "upgrade", "--shard", "1/4"),
    ],
    ids=["upgrade-shard", "downgrade-canary", "status-parallel", "check-tenancy", "module-shard"],
)
def test_a_fan_out_option_without_tenants_is_refused_and_runs_nothing(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    # An Indexed Job whose command lost --all-tenants would otherwise migrate DATABASE_URL's own
    # database from every pod.
    main = tmp_path / "service.db"
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}")
    make_tenant_project(project, "database", ["north"])
    refused = project.run(*command)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    line = one_error_line(refused.stderr)
    assert "only applies to a fan-out, with --all-tenants or --tenants" in line, line
    assert "nothing was run" in line and "Traceback" not in refused.stderr
    assert not main.exists()


def test_a_fan_out_without_declared_tenants_is_refused(project: Project) -> None:
    refused = project.inv("db.upgrade", "--all-tenants", code=1)
    assert "the wiring declares no tenants" in one_error_line(refused.stderr)


def test_a_forked_worker_drops_the_pooled_connections_it_inherited(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from alembic_steward.runtime._tenant_runs import prepare_worker

    engine = create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    with engine.connect():
        pass  # back in the pool: a forked child would share its file handle or socket
    inherited = engine.pool
    prepare_worker("json")
    assert engine.pool is not inherited
    engine.dispose()


def test_sigterm_to_the_parent_alone_stops_the_running_tenant_and_starts_no_other(
    tmp_path: Path, postgresql_url: str
) -> None:
    import signal
    import subprocess
    import time

    from failures import STOP_DEADLINE

    names = [f"q{number}" for number in range(6)]
    project = schema_project(tmp_path, postgresql_url, names)
    first = project.versions / "0001_step.py"
    first.write_text(
        first.read_text().replace(
            "def upgrade() -> None:\n",
            "def upgrade() -> None:\n    op.execute('SELECT pg_sleep(2)')\n",
        )
    )
    running = project.start("inv", "db.upgrade", "--all-tenants", "--parallel", "1", "--json")
    assert running.stderr is not None
    # Read up to the first tenant's end; a run that ended before it fails here, not spins.
    read = []
    for line in running.stderr:
        read.append(line)
        if "tenants: 1/6 done" in line:
            break
    else:
        running.wait(timeout=STOP_DEADLINE)
        pytest.fail(
            f"the run ended (exit {running.returncode}) before its first tenant:\n{''.join(read)}"
        )
    time.sleep(1)  # q1 is in its 2 s migration now
    running.send_signal(signal.SIGTERM)
    stdout, stderr = running.communicate(timeout=STOP_DEADLINE)
    assert running.returncode == 143, stderr
    assert "error: SIGTERM stopped the upgrade of the tenants" in one_error_line(stderr)
    rows = report(subprocess.CompletedProcess([], 143, stdout, stderr))
    assert rows["q0"]["outcome"] == "upgraded" and rows["q5"]["outcome"] == "not run"
    # Sent to the parent alone (`docker stop`), the signal still stops the running tenant
    # where it is, as it does when the whole process group gets it (a terminal's Ctrl-C).
    assert rows["q1"]["outcome"] == "stopped", rows["q1"]
    for name, row in rows.items():
        # Each tenant ended whole, was rolled back, or never started: none is left half-way.
        tables = pg_query(
            postgresql_url, f"SELECT count(*) FROM pg_tables WHERE schemaname='{name}'"
        )
        assert row["outcome"] in ("upgraded", "stopped", "not run")
        assert (tables == [(0,)]) == (row["outcome"] != "upgraded"), (name, row)


def test_a_service_without_tenants_yet_has_nothing_to_migrate(tmp_path: Path) -> None:
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{tmp_path}/a.db")
    make_tenant_project(project, "database", [])
    ran = project.inv("db.upgrade", "--all-tenants")
    assert "there are no tenants; nothing to do" in ran.stdout


def test_a_worker_that_dies_fails_its_tenant_and_the_others_go_on(
    tmp_path: Path, postgresql_url: str
) -> None:
    names = ["k0", "k1", "k2", "k3"]
    project = schema_project(tmp_path, postgresql_url, names)
    second = project.versions / "0002_step.py"
    crash = (
        "def upgrade() -> None:\n"
        "    import os, signal\n"
        "    if op.get_bind().exec_driver_sql('SELECT current_schema()').scalar() == 'k1':\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    second.write_text(second.read_text().replace("def upgrade() -> None:\n", crash))
    rows = report(project.inv("db.upgrade", "--all-tenants", "--parallel", "1", "--json", code=76))
    assert rows["k1"]["outcome"] == "failed" and "worker process died" in rows["k1"]["detail"]
    # Where it began, as its worker read it before dying (it was "?"), and where it was left.
    assert (rows["k1"]["before"], rows["k1"]["after"]) == ("base", "0001"), rows["k1"]
    assert {name for name, row in rows.items() if row["outcome"] == "upgraded"} == {
        "k0",
        "k2",
        "k3",
    }
    assert pg_query(postgresql_url, "SELECT version_num FROM k1.alembic_version") == [("0001",)]


def test_check_compares_each_tenant_with_the_models(tmp_path: Path, postgresql_url: str) -> None:
    project = schema_project(tmp_path, postgresql_url, ["c1", "c2"])
    project.inv("db.upgrade", "--all-tenants")
    project.inv("db.check", "--all-tenants")
    pg_query(postgresql_url, "ALTER TABLE c2.notes ADD COLUMN extra integer")
    drifted = project.inv("db.check", "--all-tenants", "--json", code=76)
    rows = report(drifted)
    # The models match the migrations: the hand change is the tenant's to undo, as
    # `inv db.check` says of one database, not a revision to write.
    assert rows["c1"]["outcome"] == "no drift", rows["c1"]
    assert rows["c2"]["outcome"] == "database differs", rows["c2"]
    assert any("extra" in line for line in rows["c2"]["differences"]), rows["c2"]
    assert "write no revision" in rows["c2"]["detail"]
    line = one_error_line(drifted.stderr)
    assert "1 of 2 tenants is not what its revision builds (c2)" in line, line
    assert "write the revision" not in line
    # A tenant behind head is shown with its state and its repair, and counted.
    pg_query(postgresql_url, "UPDATE c1.alembic_version SET version_num = '0002'")
    rows = report(project.inv("db.check", "--all-tenants", "--json", code=76))
    assert rows["c1"]["outcome"] == "database differs" and rows["c1"]["exit_code"] == 9
