"""After a stamp back that kept a checksum row over a database that differs (what a half-applied
MySQL/MariaDB run left, a hand change), `inv db.status` names what the upgrade will need: it
reads the upgrade's own refusal (runtime/_already_applied.py ``upgrade_refusal``). It used to
advise "Undo them by hand and then `inv db.upgrade`", and the upgrade after the undo refused to
run the kept revision a second time until the stamp was run again.
"""

from __future__ import annotations

import pytest
from project import Project, one_error_line
from servers import ServerDatabase
from stuck_states import write_revision

R1, R2 = "dddd00000001", "dddd00000002"


@pytest.mark.parametrize("database", ["sqlite", "mysql"], indirect=True)
def test_status_after_a_stamp_back_over_differences_advises_what_the_upgrade_will_need(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(
        project,
        R1,
        None,
        '    op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True))',
    )
    write_revision(project, R2, R1, '    op.add_column("notes", sa.Column("b", sa.Integer))')
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    # What a run that stopped half-way after R2 left: a table of the next migration's.
    database.query("CREATE TABLE tags (id INT PRIMARY KEY)")
    warned = one_error_line(project.inv("db.stamp", "-r", R1, env=env).stdout, "warning: ")
    assert "an upgrade will refuse to run it again" in warned, warned

    advice = project.inv("db.status", code=9, env=env).stdout.splitlines()[-1]

    assert "Undo them by hand and then `inv db.upgrade`" not in advice, advice
    assert f"`inv db.stamp -r {R1}`" in advice, advice
    # Followed: undone by hand, the stamp it names again, and the upgrade runs.
    database.query("DROP TABLE tags")
    database.query("ALTER TABLE notes DROP COLUMN b")
    project.inv("db.stamp", "-r", R1, env=env)
    project.inv("db.upgrade", env=env)
    assert database.revisions() == {R2}
