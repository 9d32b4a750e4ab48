"""The checksum rows a stamp writes (raw `alembic stamp` or `inv db.stamp`) record revisions as
applied, never as run: status's and the stamp's own advice stamp the last revision that ran,
so following it lets the upgrade run the data migration the stamp skipped; raw `alembic stamp`
over a data migration that never ran says so, as `inv db.stamp` does.

R1 a table, R2 data only (an INSERT), R3 a column, R4 data in that column: R1 and R2 build the
same schema, R3 and R4 another.
"""

from __future__ import annotations

import pytest
from project import Project, one_error_line
from servers import DATABASE_KINDS, ServerDatabase, scratch_databases
from stuck_states import write_revision

R1, R2, R3, R4 = (f"ffff0000000{n}" for n in range(1, 5))
UPGRADES = {
    R1: (None, '    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))'),
    R2: (R1, '    op.execute("INSERT INTO t (id) VALUES (1)")'),
    R3: (R2, '    op.add_column("t", sa.Column("a", sa.Integer))'),
    R4: (R3, '    op.execute("UPDATE t SET a = id")'),
}
STAMPS = {"alembic": ("alembic", "stamp"), "inv": ("inv", "db.stamp", "-r")}
# Each database and each way once, raw `alembic` (the env.py hook's way in) on SQLite and MariaDB,
# whose state read differs; raw `alembic stamp` on every database is the test below's.
WAY_RUNS = [
    pytest.param(kind, way, id=f"{kind}-{way}")
    for kind, way in (("sqlite", "alembic"), ("postgresql", "inv"), ("mysql", "alembic"))
]


def at_r1_with(project: Project, database: ServerDatabase, *later: str) -> dict[str, str]:
    """R1 upgraded by raw alembic, ``later`` written; the environment for the commands."""
    env = {"DATABASE_URL": database.url}
    write_revision(project, R1, *UPGRADES[R1])
    upgraded = project.run("alembic", "upgrade", R1, env=env)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    for revision in later:
        write_revision(project, revision, *UPGRADES[revision])
    return env


def stamped(project: Project, way: str, revision: str, env: dict[str, str]) -> str:
    completed = project.run(*STAMPS[way], revision, env=env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed.stdout


@pytest.mark.parametrize(("database", "way"), WAY_RUNS, indirect=["database"])
def test_the_advice_after_a_stamp_ahead_names_the_last_revision_that_ran_not_one_it_stamped(
    project: Project, database: ServerDatabase, way: str
) -> None:
    # A stamp ahead (`inv db.stamp -r head` or raw `alembic stamp head`) on a database at R1:
    # the missing column is no hand change to undo, and the upgrade it invites fails.
    env = at_r1_with(project, database, R2, R3, R4)
    holds = f"the database holds exactly what revision {R1} builds, an earlier revision"
    advice = f"record that with `inv db.stamp -r {R1}`, then run `inv db.upgrade`"

    warning = one_error_line(stamped(project, way, "head", env), "warning: ")

    assert f"record that with `inv db.stamp -r {R1}`" in warning, warning
    assert f"`inv db.stamp -r {R2}`" not in warning, warning
    status = project.inv("db.status", code=9, env=env)
    check = project.inv("db.check", code=9, env=env)
    for said, verdict in (
        (status.stdout + status.stderr, status.stdout.splitlines()[-1]),
        (check.stdout + check.stderr, one_error_line(check.stderr)),
    ):
        assert holds in verdict and advice in verdict and "undo" not in verdict, verdict
        assert f"`inv db.stamp -r {R2}`" not in said, said
    # Stamped between, the pending data migration would run into the missing column: the stamp
    # found it missing, so the upgrade refuses before running it.
    stamped(project, "inv", R3, env)
    verdict = project.inv("db.status", code=9, env=env).stdout.splitlines()[-1]
    assert holds in verdict and advice in verdict, verdict
    refused = one_error_line(project.inv("db.upgrade", code=9, env=env).stderr)
    assert refused.startswith(f"error: nothing was run: this upgrade would run {R4}"), refused
    assert holds in refused and advice in refused and "undo" not in refused, refused
    # The advice holds: stamped at the revision it holds, the upgrade runs to head.
    project.inv("db.stamp", "-r", R1, env=env)
    project.inv("db.upgrade", env=env)
    assert database.revisions() == {R4}
    assert database.query("SELECT id, a FROM t") == [(1, 1)]
    project.inv("db.current", "--check", env=env)
    assert scratch_databases(database) == set()


@pytest.mark.parametrize("database", DATABASE_KINDS, indirect=True)
def test_raw_stamp_over_a_data_migration_that_never_ran_names_it_as_inv_db_stamp_does(
    project: Project, database: ServerDatabase
) -> None:
    env = at_r1_with(project, database, R2)

    warning = one_error_line(stamped(project, "alembic", "head", env), "warning: ")

    assert f"{R2} was recorded without running" in warning, warning
    assert f"{R2} runs INSERT on t" in warning, warning
    assert R1 not in warning, warning
    # Its row is the stamp's: a stamp back drops it, and the upgrade then runs R2.
    project.inv("db.stamp", "-r", R1, env=env)
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT id FROM t") == [(1,)]


# Each database and each order once, raw `alembic` writing the last stamp's rows on SQLite and
# MariaDB, whose state read differs.
@pytest.mark.parametrize(
    ("database", "first", "then"),
    [
        pytest.param(kind, first, then, id=f"{kind}-{first}-then-{then}")
        for kind, first, then in (
            ("sqlite", "inv", "alembic"),
            ("postgresql", "alembic", "inv"),
            ("mysql", "inv", "alembic"),
        )
    ],
    indirect=["database"],
)
def test_the_rows_an_earlier_stamp_wrote_are_still_no_runs_after_the_next_stamp(
    project: Project, database: ServerDatabase, first: str, then: str
) -> None:
    env = at_r1_with(project, database, R2, R3)
    stamped(project, first, R2, env)

    stamped(project, then, "head", env)

    advice = project.inv("db.status", code=9, env=env).stdout.splitlines()[-1]
    assert f"`inv db.stamp -r {R1}`, then run `inv db.upgrade`" in advice, advice
    project.inv("db.stamp", "-r", R1, env=env)
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT id, a FROM t") == [(1, None)]
