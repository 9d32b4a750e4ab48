"""A database whose schema several revisions build, not all in one stretch (a data migration,
then a column added and dropped again around another), is advised the stamp of the last of them
the checksum rows record as run; the rows a stamp back kept keep refusing the upgrade after any
later stamp below them; a stamp ahead over a data migration that never ran says so.

One history for the first two: R1 a table and two rows, R2 a column, R3 data only, R4 a column
and a data step, R5 the drop of that column: R2, R3 and R5 build the same schema.
"""

from __future__ import annotations

from migration_faults import MODELS_HEADER
from project import Project, one_error_line
from servers import ServerDatabase, only_on
from stuck_states import write_revision

R1, R2, R3, R4, R5 = (f"dddd0000000{n}" for n in range(1, 6))
UPGRADES = {
    R1: (
        None,
        '    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True),'
        ' sa.Column("n", sa.Integer))\n'
        '    op.execute("INSERT INTO t (id, n) VALUES (1, 0), (2, 0)")',
    ),
    R2: (R1, '    op.add_column("t", sa.Column("a", sa.Integer))'),
    # Data only: run twice, n counts it twice.
    R3: (R2, '    op.execute("UPDATE t SET n = n + 1")'),
    R4: (
        R3,
        '    op.add_column("t", sa.Column("tmp", sa.Integer))\n'
        '    op.execute("UPDATE t SET n = n + 10")',
    ),
    R5: (R4, '    op.drop_column("t", "tmp")'),
}
T_MODEL = """

class T(Base):
    __tablename__ = "t"

    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int | None]
    a: Mapped[int | None]
"""
# What every row's n is once each revision ran once.
RAN_ONCE = [(11,), (11,)]


def upgraded(project: Project, database: ServerDatabase) -> dict[str, str]:
    for revision, (parent, upgrade) in UPGRADES.items():
        write_revision(project, revision, parent, upgrade)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    return env


@only_on("sqlite", "postgresql", "mysql", why="scratch builds compared with a live database")
def at_r2_with_r3_pending(project: Project, database: ServerDatabase) -> dict[str, str]:
    """R1 and R2 upgraded, R3 (data only) written and pending; the environment for `inv`."""
    env = {"DATABASE_URL": database.url}
    for revision in (R1, R2):
        write_revision(project, revision, *UPGRADES[revision])
    project.inv("db.upgrade", env=env)
    write_revision(project, R3, *UPGRADES[R3])
    return env


def test_a_stamp_back_advises_the_last_alike_build_that_ran_past_a_schema_change(
    project: Project, database: ServerDatabase
) -> None:
    env = upgraded(project, database)

    stamped = project.inv("db.stamp", "-r", R1, env=env).stdout

    warning = one_error_line(stamped, "warning: ")
    assert f"holds exactly what revision {R5} builds" in warning, warning
    assert f"record that with `inv db.stamp -r {R5}`" in warning, warning
    assert f"{R5} is the last of {R2}, {R3}, {R5}, each of which builds" in warning, warning
    assert "changing only data" not in warning, warning
    assert f"`inv db.stamp -r {R3}`" not in warning, warning
    status = project.inv("db.status", code=9, env=env).stdout.splitlines()[-1]
    assert f"`inv db.stamp -r {R5}`" in status, status
    project.inv("db.stamp", "-r", R5, env=env)
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT n FROM t ORDER BY id") == RAN_ONCE
    assert database.revisions() == {R5}


@only_on("sqlite", "postgresql", "mysql", why="the rows are kept and read by the same queries")
def test_the_rows_a_stamp_back_kept_refuse_the_upgrade_after_a_stamp_forward_below_them(
    project: Project, database: ServerDatabase
) -> None:
    env = upgraded(project, database)
    claimed = project.inv("db.stamp", "-r", R1, env=env).stdout
    assert f"{R4}, {R5}, recorded as applied here, were kept" in claimed, claimed

    # The stamp the advice used to name: forward, below the revisions that ran after it.
    project.inv("db.stamp", "-r", R3, env=env)

    refused = one_error_line(project.inv("db.upgrade", code=9, env=env).stderr)
    assert f"{R4}, {R5} are recorded as applied here" in refused, refused
    # The stamp that recorded R3 moved the version table forward, not back.
    assert f"the stamp that recorded {R3} left the version table behind them" in refused, refused
    assert f"record that with `inv db.stamp -r {R5}`" in refused, refused
    assert database.query("SELECT n FROM t ORDER BY id") == RAN_ONCE
    assert database.revisions() == {R3}
    # The way out the refusal names when the work was undone by hand drops them: R3 again.
    database.query("UPDATE t SET n = 1")
    project.inv("db.stamp", "-r", R3, env=env)
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT n FROM t ORDER BY id") == RAN_ONCE


@only_on("sqlite", "mysql", why="the statements are watched as each server's driver sends them")
def test_a_stamp_ahead_over_a_data_migration_that_never_ran_is_named_while_the_stamp_stands(
    project: Project, database: ServerDatabase
) -> None:
    env = at_r2_with_r3_pending(project, database)

    stamped = project.inv("db.stamp", "-r", "head", env=env).stdout

    warning = one_error_line(stamped, "warning: ")
    assert f"{R3} was recorded without running" in warning, warning
    assert f"{R3} runs UPDATE on t" in warning, warning
    assert R1 not in warning and R2 not in warning, warning
    # Its rows are not read: a database that holds them another way is not told they lack.
    assert "the rows were not read" in warning and "not in the database" not in warning, warning

    # Status and check name the data step the stamp skipped for as long as it stands (they
    # warned once, then said up to date for ever).
    skipped = (
        f"{R3} was stamped, not run, so its data step never ran here ({R3} runs UPDATE on t):"
        " make those rows by hand if the database needs them, then record them as made with"
        f" `inv db.stamp -r {R3} --accept-differences`; or let the upgrade run it:"
        f" `inv db.stamp -r {R2}`, then `inv db.upgrade`"
    )
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + MODELS_HEADER + T_MODEL)
    status = project.inv("db.status", env=env).stdout.splitlines()
    assert f"note:    {skipped}" in status, status
    assert status[-1] == "status:  at head, but a data step it records never ran (see the note)"
    checked = project.inv("db.check", env=env)
    assert f"note: {skipped}" in checked.stderr, checked.stderr

    project.inv("db.stamp", "-r", R2, env=env)
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT n FROM t ORDER BY id") == [(1,), (1,)]
    status = project.inv("db.status", env=env).stdout.splitlines()
    assert status[-1] == "status:  up to date" and "note:" not in "".join(status), status

    # A stamp ahead over a schema-only revision that never ran says nothing of data.
    write_revision(project, R4, R3, '    op.add_column("t", sa.Column("tmp", sa.Integer))')
    database.query("ALTER TABLE t ADD COLUMN tmp INTEGER")
    stamped = project.inv("db.stamp", "-r", "head", env=env).stdout
    assert "warning" not in stamped, stamped


@only_on(
    "sqlite",
    "mysql",
    why="the same write forgets the list on each; MariaDB's runs keep a mark beside it",
)
def test_a_downgrade_forgets_the_rows_a_stamp_ahead_wrote_so_a_later_run_s_row_is_kept(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    for revision in (R1, R2, R3):
        write_revision(project, revision, *UPGRADES[revision])
    project.inv("db.upgrade", "-r", R2, env=env)
    project.inv("db.stamp", "-r", R3, env=env)
    # R3's downgrade() runs (it changes nothing), then its upgrade(): R3 has now run here.
    project.inv("db.downgrade", "-r", R2, env=env)
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT n FROM t ORDER BY id") == [(1,), (1,)]

    project.inv("db.stamp", "-r", R2, env=env)

    refused = one_error_line(project.inv("db.upgrade", code=9, env=env).stderr)
    assert f"{R3} is recorded as applied here" in refused, refused
    assert database.query("SELECT n FROM t ORDER BY id") == [(1,), (1,)]
