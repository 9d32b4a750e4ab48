"""Raw `alembic upgrade` and `alembic downgrade` (the project's env.py runs through the toolkit)
print the warnings `inv db.upgrade` and `inv db.downgrade` print: the objects an upgrade left
failing, a hand-made object it dropped (SQLite), and a reverted revision whose downgrade() is
empty; with Alembic's exit code."""

from __future__ import annotations

import pytest
from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_broken_routines import TABLES, trigger
from test_pending_trial_past_differences import BATCH_WIDEN, HAND_TRIGGER, TABLE

FIRST, SECOND, THIRD = "bbbe00000001", "bbbe00000002", "bbbe00000003"


def raw(project: Project, database: ServerDatabase, *arguments: str):
    return project.run("alembic", *arguments, env={"DATABASE_URL": database.url})


@only_on("postgresql", "mysql", why="SQLite refuses the drop: nothing is left broken")
def test_raw_alembic_upgrade_warns_of_what_it_left_failing(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, TABLES))
    assert raw(project, database, "upgrade", "head").returncode == 0
    for statement in trigger(database, "thand", "c6"):
        database.query(statement)
    dropping = revision_source(SECOND, FIRST, '    op.drop_column("t", "c6")')
    project.write_revision(f"{SECOND}_drop.py", dropping)
    upgrade = raw(project, database, "upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    warnings = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, upgrade.stderr
    assert "trigger thand on t names NEW.c6, which t no longer has" in warnings[0], warnings


def test_raw_alembic_downgrade_warns_of_an_empty_downgrade(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, TABLES))
    data = revision_source(SECOND, FIRST, '    op.execute("UPDATE t SET c6 = 1")')
    project.write_revision(f"{SECOND}_data.py", data)
    assert raw(project, database, "upgrade", "head").returncode == 0
    downgrade = raw(project, database, "downgrade", FIRST)
    assert downgrade.returncode == 0, downgrade.stdout + downgrade.stderr
    assert f"warning: revision {SECOND}'s downgrade() is empty" in downgrade.stderr, (
        downgrade.stderr
    )


# The release job's `python -m app.migrations upgrade` says the same line as raw `alembic`.
UPGRADES = {
    "alembic": ("alembic", "upgrade", "head"),
    "deploy": ("python", "-m", "app.migrations", "upgrade"),
}


@only_on("sqlite", why="only SQLite's batch mode copies a table without its triggers")
@pytest.mark.parametrize("command", UPGRADES)
def test_raw_alembic_upgrade_names_a_hand_made_trigger_its_batch_mode_dropped(
    project: Project, database: ServerDatabase, command: str
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, TABLE))
    assert raw(project, database, "upgrade", "head").returncode == 0
    database.query(HAND_TRIGGER)
    project.write_revision(f"{SECOND}_widen.py", revision_source(SECOND, FIRST, BATCH_WIDEN))
    upgrade = project.run(*UPGRADES[command], env={"DATABASE_URL": database.url})
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    lost = [line for line in upgrade.stderr.splitlines() if line.startswith("lost:")]
    assert len(lost) == 1, upgrade.stderr
    assert lost[0].startswith("lost:    trigger t.thand, made by hand"), lost
    assert f"upgrade() runs `op.execute({HAND_TRIGGER!r})`" in lost[0], lost
