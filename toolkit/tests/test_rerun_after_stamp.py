"""A version table moved back behind the toolkit's back (raw `alembic stamp` one revision too
low) never makes an upgrade run again a revision whose upgrade() already ran here: every way
of upgrading refuses before running anything, in one line naming the stamp that mends it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from project import Project, one_error_line
from servers import ServerDatabase, only_on, scratch_databases
from stuck_states import write_revision
from tenant_projects import make_tenant_project

CREATE = (
    '    op.create_table("customers", sa.Column("id", sa.Integer, primary_key=True),'
    ' sa.Column("price", sa.Integer))\n'
    '    op.execute("INSERT INTO customers (id, price) VALUES (1, 150)")'
)
# A data step: running it twice multiplies the prices twice.
IN_CENTS = '    op.execute("UPDATE customers SET price = price * 100")'
TABLE = '    op.create_table("invoices", sa.Column("id", sa.Integer, primary_key=True))'
UPGRADES = {
    "ffff00000001": (None, CREATE),
    "ffff00000002": ("ffff00000001", IN_CENTS),
    "ffff00000003": ("ffff00000002", TABLE),
}
INV_STAMP = "`inv db.stamp -r ffff00000003`"
START_SERVICE = "import app; app.start_service(); print('started')"
# The deploy command advises its own forms, even from a checkout.
WAYS = {
    "inv": (["inv", "db.upgrade"], 9, "error: ", INV_STAMP),
    "deploy": (
        ["python", "-m", "app.migrations", "upgrade"],
        9,
        "error: ",
        "`python -m app.migrations stamp ffff00000003 --yes`",
    ),
    "alembic": (["alembic", "upgrade", "head"], 255, "FAILED: ", INV_STAMP),
}


def stamped_one_too_low(project: Project, database: ServerDatabase) -> dict[str, str]:
    for revision, (parent, upgrade) in UPGRADES.items():
        write_revision(project, revision, parent, upgrade)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    stamped = project.run("alembic", "stamp", "ffff00000001", env=env)
    assert stamped.returncode == 0, stamped.stderr
    return env


# Every way reads the database through the same refusal, so `inv` once (PostgreSQL); the others,
# whose difference is their wording and advice, on SQLite and MariaDB (whose DDL commits
# mid-run, so its state read is the one that differs).
WAY_RUNS = [
    pytest.param(kind, way, id=f"{kind}-{way}")
    for way in sorted(WAYS)
    for kind in (("postgresql",) if way == "inv" else ("sqlite", "mysql"))
]


@pytest.mark.parametrize(("database", "way"), WAY_RUNS, indirect=["database"])
def test_an_upgrade_after_a_stamp_too_low_refuses_before_running_anything(
    project: Project, database: ServerDatabase, way: str
) -> None:
    env = stamped_one_too_low(project, database)
    command, code, prefix, stamp = WAYS[way]

    refused = project.run(*command, env=env)

    assert refused.returncode == code, refused.stdout + refused.stderr
    # Raw `alembic` prints its FAILED line on stdout.
    line = one_error_line(refused.stdout + refused.stderr, prefix)
    assert "the version table says the database is at ffff00000001" in line, line
    assert "ffff00000002, ffff00000003 are recorded as applied here" in line, line
    assert stamp in line, line
    assert "nothing was run" in line, line
    assert "which drops those checksum rows (bookkeeping, none of your data)" in line, line
    assert database.query("SELECT price FROM customers") == [(15000,)]
    assert database.revisions() == {"ffff00000001"}


# On each database one state, every way out in turn (the suite's budget): a new revision is refused
# with the stamp's advice; a stamp still too low through `inv` warns and keeps the upgrade
# refused; the stamp every refusal names lets the upgrade run again; and, stamped too low once
# more, the work undone by hand, the recorded revision's own stamp does.
def test_after_a_stamp_too_low_each_way_out_is_refused_or_runs_as_its_line_says(
    project: Project, database: ServerDatabase
) -> None:
    env = stamped_one_too_low(project, database)

    refused = project.inv("db.revision", "-m", "Next", code=1, env=env)

    line = one_error_line(refused.stderr)
    assert "holds exactly what revision ffff00000003 builds" in line, line
    assert "`inv db.stamp -r ffff00000003`" in line, line
    assert "inv db.upgrade" not in line, line

    # A stamp too low through `inv`: it warns, and the upgrade stays refused.
    stamped = project.inv("db.stamp", "-r", "ffff00000002", env=env).stdout

    assert "warning: the database differs from what ffff00000002 builds by: " in stamped
    assert "holds exactly what revision ffff00000003 builds" in stamped
    assert "`inv db.stamp -r ffff00000003`" in stamped
    # Status and check read the same: the stamp of the revision it holds, not an upgrade that
    # would fail, nor undoing "leftovers" by hand, which would throw the work away.
    holds = "the database holds exactly what revision ffff00000003 builds: it was probably stamped"
    stamp = f"record that with {INV_STAMP}"
    verdict = project.inv("db.status", code=9, env=env).stdout.splitlines()[-1]
    assert holds in verdict and stamp in verdict, verdict
    assert "inv db.upgrade" not in verdict, verdict
    error = one_error_line(project.inv("db.check", code=9, env=env).stderr)
    assert holds in error and stamp in error, error
    assert "inv db.upgrade" not in error, error
    assert scratch_databases(database) == set()
    refused = one_error_line(project.inv("db.upgrade", code=9, env=env).stderr)
    assert "ffff00000003 is recorded as applied here" in refused, refused
    assert "nothing was run" in refused and INV_STAMP in refused, refused
    assert database.revisions() == {"ffff00000002"}
    if database.kind == "mysql":  # refused before its first change, the run left no mark
        cleared = project.inv("db.clear-migration-mark", env=env)
        assert "nothing to clear" in cleared.stdout, cleared.stdout

    # The stamp the refusal names lets the upgrade run again.
    project.inv("db.stamp", "-r", "ffff00000003", env=env)

    assert "No pending" not in project.inv("db.upgrade", env=env).stderr
    assert database.query("SELECT price FROM customers") == [(15000,)]
    assert database.revisions() == {"ffff00000003"}

    # Stamped too low again, as at the start: once the work is undone by hand, the recorded
    # revision's stamp lets it run again.
    stamped_again = project.run("alembic", "stamp", "ffff00000001", env=env)
    assert stamped_again.returncode == 0, stamped_again.stderr
    database.query("UPDATE customers SET price = 150")
    database.query("DROP TABLE invoices")

    stamped = project.inv("db.stamp", "-r", "ffff00000001", env=env).stdout
    assert "warning" not in stamped, stamped
    project.inv("db.upgrade", env=env)

    assert database.query("SELECT price FROM customers") == [(15000,)]
    assert database.revisions() == {"ffff00000003"}


@only_on("sqlite", why="the checksum rows are read by the same query on every database")
def test_current_check_and_start_up_after_a_stamp_too_low_advise_the_stamp_not_the_upgrade(
    project: Project, database: ServerDatabase
) -> None:
    env = stamped_one_too_low(project, database)

    checked = project.inv("db.current", "--check", code=9, env=env)

    line = one_error_line(checked.stderr)
    assert line.startswith("error: the database is not at head, and the version table"), line
    assert "ffff00000002, ffff00000003 are recorded as applied here" in line, line
    assert INV_STAMP in line and "inv db.upgrade" not in line, line
    started = project.run("python", "-c", START_SERVICE, env=env)
    assert started.returncode == 1 and "started" not in started.stdout, started.stderr
    refused = started.stderr.strip().splitlines()[-1]
    assert refused.startswith("alembic_steward.DatabaseNotUpToDate: the database is at"), refused
    assert INV_STAMP in refused and "inv db.upgrade" not in refused, refused
    project.inv("db.stamp", "-r", "ffff00000003", env=env)
    assert project.inv("db.current", "--check", env=env).stdout.startswith("ffff00000003")


def test_a_fan_out_refuses_the_tenant_stamped_too_low_and_upgrades_the_others(
    tmp_path: Path,
) -> None:
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{tmp_path}/main.db"),
        "database",
        ["east", "west"],
    )
    for name in ("east", "west"):
        project.inv("db.tenant-create", name)
    project.inv("db.downgrade", "-r", "0002", "--tenants", "east", "--yes")
    stamped = project.run("alembic", "-x", "tenant=west", "stamp", "0002")
    assert stamped.returncode == 0, stamped.stdout + stamped.stderr

    refused = project.run("inv", "db.upgrade", "--all-tenants", "--json")

    assert refused.returncode == 76, refused.stdout + refused.stderr
    rows = {row["tenant"]: row for row in json.loads(refused.stdout)}
    assert rows["east"]["after"] == "0003", rows
    assert rows["west"]["after"] == "0002", rows
    assert "0003 is recorded as applied here" in json.dumps(rows["west"]), rows
    assert "`inv db.stamp -r 0003 --tenants west`" in json.dumps(rows["west"]), rows


def test_the_plan_after_a_stamp_too_low_says_the_upgrade_s_refusal(
    project: Project, database: ServerDatabase
) -> None:
    # It printed the SQL that runs ffff00000002's UPDATE a second time, and exited 0.
    env = stamped_one_too_low(project, database)

    planned = project.run("inv", "db.plan", env=env)

    assert planned.returncode == 9, planned.stdout + planned.stderr
    assert "UPDATE" not in planned.stdout, planned.stdout
    refused = project.inv("db.upgrade", code=9, env=env)
    assert one_error_line(planned.stderr) == one_error_line(refused.stderr)
