"""A stamp back over the checksum rows a stamp ahead wrote: those rows say applied, never ran.

R1 two tables, R2 data only (an INSERT), R3 a column, R4 data only (an UPDATE). Upgraded to R1,
stamped ahead to R4 (raw `alembic stamp`), then stamped back to R2: R2 never ran, as when the
stamp goes from R1 up to R2, so the stamp warns of its INSERT and no row says it ran. Once the
upgrade ran them, a stamp back keeps their rows.
"""

from __future__ import annotations

import pytest
from project import Project, one_error_line
from servers import ServerDatabase
from stuck_states import write_revision

R1, R2, R3, R4 = (f"eeee0000000{n}" for n in range(1, 5))
UPGRADES = {
    R1: (
        None,
        '    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.create_table("posts", sa.Column("id", sa.Integer, primary_key=True))',
    ),
    R2: (R1, '    op.execute("INSERT INTO users (id) VALUES (1000)")'),
    R3: (R2, '    op.add_column("users", sa.Column("name", sa.String(50)))'),
    R4: (R3, "    op.execute(\"UPDATE users SET name = 'x'\")"),
}


def at_r1(project: Project, database: ServerDatabase) -> dict[str, str]:
    env = {"DATABASE_URL": database.url}
    for revision, (down, upgrade) in UPGRADES.items():
        write_revision(project, revision, down, upgrade)
    project.inv("db.upgrade", "-r", R1, env=env)
    return env


STAMPS = {"alembic": ("alembic", "stamp"), "inv": ("inv", "db.stamp", "-r")}


def stamp_warning(project: Project, way: str, revision: str, env: dict[str, str]) -> str:
    stamped = project.run(*STAMPS[way], revision, env=env)
    said = stamped.stdout + stamped.stderr
    assert stamped.returncode == 0, said
    return one_error_line(said, "warning: ")


# Each database and each way once, raw `alembic` on SQLite and MariaDB, whose state read differs;
# `inv db.stamp` up from what ran, the warning to match, on every database.
@pytest.mark.parametrize(
    ("database", "way"),
    [
        pytest.param(kind, way, id=f"{kind}-{way}")
        for kind, way in (("sqlite", "alembic"), ("postgresql", "inv"), ("mysql", "alembic"))
    ],
    indirect=["database"],
)
def test_a_stamp_back_over_rows_a_stamp_ahead_wrote_warns_as_a_stamp_up_from_what_ran(
    project: Project, database: ServerDatabase, way: str
) -> None:
    env = at_r1(project, database)
    # The stamp up from what ran, then back: the warning the stamp back below must match.
    up = stamp_warning(project, "inv", R2, env)
    assert f"{R2} was recorded without running" in up, up
    assert f"{R2} runs INSERT on users" in up, up
    # The stamp up undone: R2's row was the stamp's, not a run's.
    back = project.inv("db.stamp", "-r", R1, env=env).stdout
    assert "warning" not in back, back
    ahead = project.run("alembic", "stamp", R4, env=env)
    assert f"`inv db.stamp -r {R1}`" in ahead.stdout + ahead.stderr, ahead.stdout + ahead.stderr

    warning = stamp_warning(project, way, R2, env)

    assert f"{R2} was recorded without running" in warning, warning
    assert f"{R2} runs INSERT on users" in warning, warning
    assert R4 not in warning, warning
    # R2's row is the stamp's, not a run's: a stamp back to R1 drops it, and the upgrade runs R2.
    project.inv("db.stamp", "-r", R1, env=env)
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT id, name FROM users") == [(1000, "x")]
    project.inv("db.current", "--check", env=env)
    # Now that R4 ran, a stamp back over it keeps its row: the upgrade refuses to run it again.
    project.inv("db.stamp", "-r", R3, env=env)
    refused = one_error_line(project.inv("db.upgrade", code=9, env=env).stderr)
    assert f"{R4} is recorded as applied here" in refused, refused
    assert database.query("SELECT id, name FROM users") == [(1000, "x")]
