"""A second Ctrl-C that cuts short the reading of what a stopped run left never lets the line
claim a state: it says what was read (all of it, or nothing), else that the state could not be
read and how to read it (`inv db.status`). It used to fall back to "each finished migration
stays applied: the database is at X" over a half-applied MariaDB migration, a table a PostgreSQL
migration had committed itself, and a stopped downgrade (docs/failures.md)."""

from __future__ import annotations

import pytest
from failures import stopped_after_its_lines, write_revision
from project import Project, revision_source
from servers import ServerDatabase, only_on

# Sends the second SIGINT as the reading after the stop reaches a step (a function of a module
# of runtime/): where a person's second Ctrl-C lands 0.02-0.3 s after the first, without a sleep
# to hope it lands there. A module of the app's, not of the revision file, so that the signal
# is raised outside any revision file, as a person's is.
CUTTING_MODULE = """\
import importlib
import os
import signal


def at_step(module, step):
    reading = importlib.import_module(f"alembic_steward.runtime.{module}")
    function = getattr(reading, step)

    def second_signal(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        return function(*args, **kwargs)

    setattr(reading, step, second_signal)
"""
# Only in the run the test stops: `inv db.status` may run the revision on a scratch database
# too (its trial of the pending revisions), and a signal there is not this test's.
SECOND_SIGNAL_AT = """\
    import os

    from app.cut_reading import at_step

    if "scratch" not in os.path.basename(op.get_bind().engine.url.database):
        at_step("{module}", "{step}")
"""
# Leaves work the rollback cannot undo: MariaDB's DDL commits at once, PostgreSQL's
# autocommit_block() commits itself; SQLite's DDL is rolled back.
LEAVES = {
    "mysql": '    op.add_column("one", sa.Column("half", sa.Integer))',
    "postgresql": (
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("CREATE TABLE committed_itself (id int)")'
    ),
    "sqlite": '    op.add_column("one", sa.Column("half", sa.Integer))',
}
# Sleeps until stopped, but not in the scratch build `inv db.status` runs it in.
SLEEPS = """\
    import os
    import time

    if "scratch" not in os.path.basename(op.get_bind().engine.url.database):
        print("started", flush=True)
        for _ in range(36000):
            time.sleep(0.1)"""
ONE_TABLE = '    op.create_table("one", sa.Column("id", sa.Integer, primary_key=True))'
CUT = "a second SIGINT stopped the reading of what it left, so its state could not be read"


def second_signal_at(step: str, module: str = "_state_after_failure") -> str:
    return SECOND_SIGNAL_AT.format(step=step, module=module)


def stopped_twice(project: Project, database: ServerDatabase, *command: str) -> str:
    """Run ``command``, stop its sleeping migration once it says so (after any line the task
    says before it); the one `error:` line of its end (exit 130)."""
    (project.path / "app" / "cut_reading.py").write_text(CUTTING_MODULE)
    code, stderr = stopped_after_its_lines(project, command, DATABASE_URL=database.url)
    assert code == 130 and "Traceback" not in stderr, stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("error: ")]
    return line


def assert_claims_no_state(line: str) -> None:
    assert "stays applied" not in line and "stay applied" not in line, line
    assert "the database is" not in line and "rolled back" not in line, line
    assert line.endswith("`inv db.status` shows where the database stands"), line


@pytest.mark.parametrize(
    ("database", "step"),
    [
        ("mysql", "mark_left"),
        ("mysql", "compared_schema"),
        ("postgresql", "committed_through_driver"),
        ("postgresql", "compared_schema"),
        ("sqlite", "committed_through_driver"),
    ],
    indirect=["database"],
)
def test_a_second_signal_in_the_reading_after_a_stopped_upgrade_claims_no_state(
    project: Project, database: ServerDatabase, step: str
) -> None:
    write_revision(project, "first", None, ONE_TABLE)
    body = "\n".join([second_signal_at(step), LEAVES[database.kind], SLEEPS])
    write_revision(project, "half", "first", body)
    line = stopped_twice(project, database, "inv", "db.upgrade")
    assert line.startswith(f"error: SIGINT stopped migration half; {CUT}"), line
    assert_claims_no_state(line.replace("; the scratch database was removed", ""))
    # What it advises reads what the run left: MariaDB's half-applied mark, PostgreSQL's table.
    status = project.run("inv", "db.status", env={"DATABASE_URL": database.url})
    said = status.stdout + status.stderr
    expected = {"mysql": 7, "postgresql": 9, "sqlite": 2}[database.kind]
    assert status.returncode == expected, said
    if database.kind == "postgresql":
        assert "committed_itself" in said, said


@only_on("postgresql", why="the state was read in full: PostgreSQL's committed part is in it")
def test_a_second_signal_after_the_state_was_read_says_that_state(
    project: Project, database: ServerDatabase
) -> None:
    # Cut while the stopped run was being remembered for `inv db.status`: what was read is said.
    write_revision(project, "first", None, ONE_TABLE)
    body = "\n".join([second_signal_at("remember_failed_upgrade"), LEAVES["postgresql"], SLEEPS])
    write_revision(project, "half", "first", body)
    line = stopped_twice(project, database, "inv", "db.upgrade")
    assert line.startswith(
        "error: SIGINT stopped migration half; half had committed part of its work itself"
    ), line
    assert "committed_itself" in line, line


# Reverting `emptied` changes nothing; `sleepy`'s downgrade is where the first Ctrl-C lands.
@only_on("postgresql", "mysql", why="SQLite's stopped downgrade is read the same way (above)")
def test_a_second_signal_in_the_reading_after_a_stopped_downgrade_claims_no_state(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "first", None, ONE_TABLE)
    downgrade = "\n".join([second_signal_at("committed_through_driver"), SLEEPS])
    project.write_revision("sleepy.py", revision_source("sleepy", "first", "    pass", downgrade))
    write_revision(project, "emptied", "sleepy", '    op.execute("INSERT INTO one VALUES (1)")')
    project.inv("db.upgrade", env={"DATABASE_URL": database.url})
    line = stopped_twice(project, database, "inv", "db.downgrade", "-r", "first")
    assert line.startswith(f"error: SIGINT stopped migration sleepy's downgrade(); {CUT}"), line
    claimed, _, warned = line.partition("; before the stop this run had reverted emptied")
    assert_claims_no_state(claimed)
    # Its INSERT stays: the next upgrade runs it again, which the line must say.
    assert warned.startswith(" (as it ran): revision emptied's downgrade() is empty"), line
