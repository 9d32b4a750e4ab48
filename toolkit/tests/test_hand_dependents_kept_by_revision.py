"""A hand-made object a pending revision must lose is kept the one way that ends clean: a new
revision makes it again after the upgrade. Made again by hand, as the advice once said, it was
a hand change again: status and check exited 9 and `inv db.revision` refused."""

from __future__ import annotations

import re

from project import Project, created_revision
from servers import ServerDatabase
from test_hand_made_dependents import at_first_with
from test_status_sides import inv

KEPT = "CREATE VIEW vhand AS SELECT id FROM t"
WRITE = re.compile(r'`inv (db\.revision --empty -m "[^"]+")`')


def test_a_hand_view_over_a_dropped_column_is_kept_by_the_revision_the_advice_names(
    project: Project, database: ServerDatabase
) -> None:
    at_first_with(project, database, '    op.drop_column("t", "c6")')
    database.query("CREATE VIEW vhand AS SELECT id, c6 FROM t")
    verdict = inv(project, database, "db.status").stdout.splitlines()[-1]
    assert "make it again after the upgrade written" not in verdict, verdict
    commands = WRITE.findall(verdict)
    assert commands, verdict

    database.query("DROP VIEW vhand")  # what the advice says first
    assert inv(project, database, "db.upgrade").returncode == 0
    task, _, message = commands[0].partition(" -m ")
    written = inv(project, database, *task.split(), "-m", message.strip('"'))
    assert written.returncode == 0, written.stdout + written.stderr
    _, path = created_revision(written.stdout)
    revision = project.path / path
    empty = '    """Upgrade schema."""\n    pass'
    source = revision.read_text()
    assert empty in source, source
    revision.write_text(source.replace(empty, f"    op.execute({KEPT!r})", 1))
    assert inv(project, database, "db.upgrade").returncode == 0
    status = inv(project, database, "db.status")
    assert status.returncode != 9, status.stdout + status.stderr
    assert "against its revision rebuilt: same" in status.stdout, status.stdout
