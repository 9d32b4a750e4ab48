"""`inv db.lint` keeps squawk's timeout rules, which the migrations' lock timeout satisfies.

Each migration's offline SQL carries its `SET LOCAL lock_timeout` (runtime/_lock_waits.py), so
squawk's require-lock-timeout passes because the setting is there, and flags a revision a
project (or the revision itself) runs without one.
"""

from __future__ import annotations

import subprocess

from lint_cases import OFFLINE_URLS
from project import Project, revision_source

ADD_NOTE = '    op.add_column("accounts", sa.Column("note", sa.Text()))'
CREATE_ACCOUNTS = (
    '    op.create_table("accounts", sa.Column("id", sa.BigInteger(), primary_key=True))'
)
# Where revision_source puts the first line of the upgrade's body.
ADD_NOTE_LINE = 13
DROP_ACCOUNTS = '    op.drop_table("accounts")'


def write_history(project: Project, second_extra: str = "") -> None:
    project.write_revision("t1.py", revision_source("t1", None, CREATE_ACCOUNTS, DROP_ACCOUNTS))
    second = revision_source("t2", "t1", ADD_NOTE, '    op.drop_column("accounts", "note")')
    project.write_revision("t2.py", second + second_extra)


def lint(project: Project, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"DATABASE_URL": OFFLINE_URLS["postgresql"], **env}
    completed = project.run("inv", "db.lint", "--all", env=environment)
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


def test_revisions_under_the_lock_timeout_pass_squawk_s_timeout_rules(project: Project) -> None:
    write_history(project)
    completed = lint(project)
    assert "require-lock-timeout" not in completed.stdout
    assert "require-statement-timeout" not in completed.stdout
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_a_project_without_a_lock_timeout_is_told_by_the_lint(project: Project) -> None:
    write_history(project)
    completed = lint(project, DDL_LOCK_TIMEOUT="off")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "app/migrations/versions/t2.py:" in completed.stdout
    assert ": require-lock-timeout" in completed.stdout


def test_a_revision_that_turns_its_lock_timeout_off_is_flagged(project: Project) -> None:
    write_history(project, second_extra="\n\nddl_lock_timeout = None\n")
    completed = lint(project)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    findings = [line for line in completed.stdout.splitlines() if line.startswith("app/")]
    assert findings == [f"app/migrations/versions/t2.py:{ADD_NOTE_LINE}: require-lock-timeout"]
    assert "keep the migrations' lock timeout on" in completed.stdout


def test_a_project_with_a_statement_timeout_has_squawk_check_it(project: Project) -> None:
    write_history(project)
    completed = lint(project, DDL_STATEMENT_TIMEOUT="600")
    assert completed.returncode == 0, completed.stdout + completed.stderr
