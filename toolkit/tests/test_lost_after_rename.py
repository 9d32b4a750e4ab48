"""SQLite: a hand-made trigger on a table a revision renames, then batch-alters, is advised to
be made again with its statement as it stood when the batch dropped it (`ON patrons`, as
SQLite's RENAME rewrote it), not as it was read before the run (`ON t`): the advised revision
must run where it is advised, after the run (`lost:`) or after the batch operation (status)."""

from __future__ import annotations

import ast
import re

import pytest
from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_drift_detection import inv
from test_pending_trial_past_differences import HAND_TRIGGER, TABLE

RENAME = '    op.rename_table("t", "patrons")'
BATCH = """    with op.batch_alter_table("patrons") as batch:
        batch.alter_column("email", type_=sa.String(200), existing_type=sa.String(50))"""
ADVISED = re.compile(r"op\.execute\(('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\)")
# Where the pending revisions rename t: in the batch's own revision, or an earlier one.
PENDING = {
    "same": [("r2", "r1", f"{RENAME}\n{BATCH}")],
    "earlier": [("r2", "r1", RENAME), ("r3", "r2", BATCH)],
}


def behind_rename(project: Project, database: ServerDatabase, where: str) -> str:
    """The database at r1 with HAND_TRIGGER made by hand; the ``where`` revisions pending;
    the last of them."""
    project.write_revision("r1_t.py", revision_source("r1", None, TABLE))
    inv(project, database, "db.upgrade")
    database.query(HAND_TRIGGER)
    for revision, down, body in PENDING[where]:
        project.write_revision(f"{revision}_p.py", revision_source(revision, down, body))
    return PENDING[where][-1][0]


def advised_statement(line: str) -> str:
    found = ADVISED.search(line)
    assert found, line
    return ast.literal_eval(found.group(1))


def kept_by_revision(project: Project, database: ServerDatabase, statement: str, down: str):
    """Follow the `lost:` advice literally: a new revision running ``statement``, upgraded."""
    remade = f"    op.execute({statement!r})"
    dropped = '    op.execute("DROP TRIGGER thand")'
    project.write_revision("r9_keep.py", revision_source("r9", down, remade, dropped))
    kept_on_patrons(project, database)


def kept_on_patrons(project: Project, database: ServerDatabase) -> None:
    """The upgrade loses nothing, the trigger is on patrons, and status names it no more (the
    fixture's models lack the table: exit 3)."""
    upgraded = inv(project, database, "db.upgrade")
    assert "lost:" not in upgraded, upgraded
    assert database.query("SELECT tbl_name FROM sqlite_master WHERE name = 'thand'") == [
        ("patrons",)
    ]
    assert "thand" not in inv(project, database, "db.status", code=3)


@pytest.fixture(params=sorted(PENDING))
def pending(request, project: Project, database: ServerDatabase) -> tuple[str, str, str]:
    """The last pending revision (id, down revision, body), the database behind it."""
    behind_rename(project, database, request.param)
    return PENDING[request.param][-1]


@only_on("sqlite", why="only SQLite's batch mode copies a table without its triggers")
def test_the_lost_line_advises_the_trigger_as_the_rename_left_it(
    project: Project, database: ServerDatabase, pending: tuple[str, str, str]
) -> None:
    last = pending[0]
    upgraded = inv(project, database, "db.upgrade")
    lost = [line for line in upgraded.splitlines() if line.startswith("lost:")]
    assert len(lost) == 1, upgraded
    assert lost[0].startswith("lost:    trigger patrons.thand, made by hand"), lost
    statement = advised_statement(lost[0])
    assert "patrons" in statement, statement
    kept_by_revision(project, database, statement, last)


@only_on("sqlite", why="only SQLite's batch mode copies a table without its triggers")
def test_status_advises_the_trigger_as_the_rename_left_it(
    project: Project, database: ServerDatabase, pending: tuple[str, str, str]
) -> None:
    revision, down, body = pending
    verdict = inv(project, database, "db.status", code=9).strip().splitlines()[-1]
    assert f"pass, but revision {revision} drops trigger patrons.thand" in verdict, verdict
    assert "to that revision after its batch operation" in verdict, verdict
    statement = advised_statement(verdict)
    # As advised: the statement added to that (pending) revision after its batch operation.
    added = f"{body}\n    op.execute({statement!r})"
    project.write_revision(f"{revision}_p.py", revision_source(revision, down, added))
    kept_on_patrons(project, database)


@only_on("sqlite", why="only SQLite's batch mode copies a table without its triggers")
@pytest.mark.parametrize(
    "command",
    [("alembic", "upgrade", "head"), ("python", "-m", "app.migrations", "upgrade")],
    ids=["raw-alembic", "deploy"],
)
def test_raw_and_deploy_upgrades_advise_the_trigger_as_the_rename_left_it(
    project: Project, database: ServerDatabase, command: tuple[str, ...]
) -> None:
    last = behind_rename(project, database, "same")
    upgrade = project.run(*command, env={"DATABASE_URL": database.url})
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    lost = [line for line in upgrade.stderr.splitlines() if line.startswith("lost:")]
    assert len(lost) == 1, upgrade.stderr
    kept_by_revision(project, database, advised_statement(lost[0]), last)
