"""`db.plan -r -1` shows what `inv db.downgrade` (whose default step is -1) would run, and
`-r +1` what one more upgrade would: the steps the migrations take are the plan's too."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on
from stuck_states import write_revision

FIRST, SECOND = "abab00000001", "abab00000002"
TABLE = '    op.create_table("planned", sa.Column("id", sa.Integer, primary_key=True))'


@only_on(
    "sqlite",
    "mysql",
    why="relative steps count from the version table alike; MySQL/MariaDB's mark read besides",
)
def test_plan_takes_the_relative_steps_the_migrations_take(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, FIRST, None, "    pass")
    source = revision_source(SECOND, FIRST, TABLE, '    op.drop_table("planned")')
    project.write_revision(f"{SECOND}_planned.py", source)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    back = project.inv("db.plan", "-r", "-1", env=env).stdout
    assert f"-- Plan: downgrade {SECOND}:{FIRST}" in back, back
    assert "DROP TABLE planned" in back, back
    assert database.revisions() == {SECOND}  # only planned
    project.inv("db.downgrade", env=env)
    forward = project.inv("db.plan", "-r", "+1", env=env).stdout
    assert f"-- Plan: upgrade {FIRST}:{SECOND}" in forward, forward
    assert "CREATE TABLE planned" in forward, forward


@only_on(
    "sqlite",
    "mysql",
    why="the advice is the same on every database; MySQL/MariaDB's mark is read besides",
)
def test_a_pending_blank_revision_is_advised_the_plain_upgrade_too(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    write_revision(project, FIRST, None, "    pass")
    project.inv("db.upgrade", env=env)
    # A blank revision is labelled contract: no expand phase need have run for it to pend.
    project.inv("db.revision", "--empty", "-m", "blank", env=env)
    status = project.inv("db.status", code=2, env=env)
    verdict = status.stdout.splitlines()[-1]
    # On a development database (nothing protected), whatever its phase: the plain upgrade.
    advice, _, why = verdict.partition(" (")
    assert advice.endswith("run `inv db.upgrade`"), verdict
    # The phase is named only to say why no rolling deploy's phases apply here.
    assert "no rolling deploy serves a development database" in why, verdict
