"""Print the SQL of an offline run: Alembic's rendering on a server, a captured run on SQLite.

`inv db.upgrade --sql`, `inv db.downgrade --sql` and `inv db.plan` print here. On SQLite the
statements come from a run on a private copy (inspection/_captured_sql.py), so a batch table
rebuild prints the SQL a real run executes, and the script applies as printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

    from alembic_steward.inspection._migration_plan import MigrationPlan


def print_range_sql(config: Config, direction: str, revision_range: str) -> None:
    """Print the SQL of ``direction`` over ``revision_range``: `FROM:TO`, or `TO` from base.

    As Alembic's `--sql`, the range is the history's, not the database's: on SQLite it runs on
    a copy built by the migrations up to FROM, so the script applies to any database at FROM.
    """
    from alembic import command

    from alembic_steward.inspection._captured_sql import build_to, private_copy
    from alembic_steward.runtime._offline_runs import live_sqlite_file
    from alembic_steward.tasks._upgrade_targets import require_known_range

    require_known_range(config, revision_range)
    start, colon, target = revision_range.rpartition(":")
    if direction == "downgrade" and colon:
        from alembic.script import ScriptDirectory

        from alembic_steward.runtime._irreversible_plans import refuse_irreversible_script

        # Before the first line: what was printed stays in a redirected file.
        refuse_irreversible_script(ScriptDirectory.from_config(config), start, target)
    # A downgrade with no FROM is Alembic's to refuse, in its own words.
    if live_sqlite_file() is None or (direction == "downgrade" and not colon):
        getattr(command, direction)(config, revision_range, sql=True)
        return
    with private_copy(None) as copy:
        build_to(copy, start or "base")
        print_captured(copy, direction, target)


def print_captured(copy: Path, direction: str, target: str) -> None:
    """Run ``direction`` to ``target`` on ``copy`` and print its statements as a SQL script."""
    from alembic_steward.inspection._captured_sql import captured_sql

    for line in captured_sql(copy, direction, target):
        print(line if line.startswith("--") else f"{line};\n")


def plan_rendered(config: Config, script: ScriptDirectory, revision: str) -> None:
    """`db.plan` on a server: read the database's revision, then have Alembic render the SQL."""
    from alembic import command

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._database_state import require_movable_state
    from alembic_steward.runtime._offline_runs import offline_run

    # A refused connection or a blocked state (read from the database) is refused in its own
    # line before anything runs; the offline run is what follows.
    with get_blocking_engine().connect() as connection:
        current = require_movable_state(script, connection).current
        planned = planned_as_the_upgrade(connection, script, current, revision)
    with offline_run("db.plan"):
        if print_heading(planned, revision):
            getattr(command, planned.direction)(config, planned.revision_range, sql=True)


def plan_on_copy(script: ScriptDirectory, live_file: Path, revision: str) -> None:
    """`db.plan` on SQLite: the SQL a run from ``live_file``'s revision executes, on its copy."""
    from alembic_steward.inspection._captured_sql import copy_engine, private_copy
    from alembic_steward.inspection._database_state import require_movable_state
    from alembic_steward.runtime._offline_runs import offline_run

    if not live_file.exists() and not live_file.parent.is_dir():
        # A run could not create the file either: fail as its connection would, in the
        # driver's words (a missing folder is all SQLite would touch, and it creates none).
        from alembic_steward._wiring import get_blocking_engine

        get_blocking_engine().connect().close()
    with private_copy(live_file) as copy:
        with copy_engine(copy) as engine, engine.connect() as connection:
            current = require_movable_state(script, connection).current
            planned = planned_as_the_upgrade(connection, script, current, revision)
        with offline_run("db.plan"):
            if not print_heading(planned, revision):
                return
            target = planned.revision_range.rpartition(":")[2]
            print_captured(copy, planned.direction, target)


def planned_as_the_upgrade(
    connection: Connection, script: ScriptDirectory, current: list[str], revision: str
) -> MigrationPlan:
    """The plan from ``current`` to ``revision``, refused where the upgrade would refuse it
    (tasks/_plan_refusals.py), before its first line is printed."""
    from alembic_steward.inspection._migration_plan import plan_migration
    from alembic_steward.runtime._offline_runs import offline_run
    from alembic_steward.tasks._plan_refusals import refuse_as_the_upgrade

    with offline_run("db.plan"):
        planned = plan_migration(script, current, revision)
    # Outside the offline run: the upgrade's own line, as the upgrade says it.
    refuse_as_the_upgrade(connection, script, current, planned)
    return planned


def print_heading(planned: MigrationPlan, revision: str) -> bool:
    """Print the plan's first line; tell whether there is anything to run."""
    if planned.direction == "none":
        print(f"-- Nothing to run: the database is already at {revision}.")
        return False
    print(f"-- Plan: {planned.direction} {planned.revision_range}")
    return True
