"""`inv db.previous-release-check` runs the previous tag's tests on a database upgraded with this
checkout's `--phase expand`: a drop labelled expand fails it, a real expand passes, a drop
labelled contract waits for after the rollout, and with no tag there is nothing to check."""

from __future__ import annotations

import subprocess
from pathlib import Path

from project import Project, git, one_error_line, revision_source
from servers import ServerDatabase

# Release v1's own test: its code writes and reads users.name.
RELEASE_TEST = """from sqlalchemy import text


def test_a_user_keeps_the_name_it_was_given(db_session) -> None:
    db_session.execute(text("INSERT INTO users (id, name) VALUES (1, 'Ann')"))
    assert db_session.execute(text("SELECT name FROM users")).scalar_one() == "Ann"
"""
CREATE_USERS = """    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100)),
    )"""
DROP_NAME = """    with op.batch_alter_table("users") as batch:
        batch.drop_column("name")"""
ADD_NICKNAME = '    op.add_column("users", sa.Column("nickname", sa.String(100), nullable=True))'


def labelled(source: str, phase: str) -> str:
    """A revision's text with the phase line script.py.mako writes."""
    return source.replace("depends_on = None\n", f'depends_on = None\nphase = "{phase}"\n')


def commit(project: Project, message: str) -> None:
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", message)


def release_v1(project: Project) -> None:
    """Commit and tag v1: the users table with a name, and a test that uses the name."""
    git(project, "init", "--quiet")
    (project.path / ".gitignore").write_text("__pycache__/\n*.db\n")
    source = revision_source("aaaa00000001", None, CREATE_USERS, '    op.drop_table("users")')
    project.write_revision("aaaa00000001_users.py", labelled(source, "expand"))
    (project.path / "tests" / "test_users.py").write_text(RELEASE_TEST)
    commit(project, "v1")
    git(project, "tag", "v1")


def write_change(project: Project, upgrade: str, phase: str) -> None:
    """Write v2's revision after v1's: ``upgrade``, labelled ``phase``."""
    source = revision_source("bbbb00000002", "aaaa00000001", upgrade)
    project.write_revision("bbbb00000002_change.py", labelled(source, phase))


def check_release(project: Project, code: int) -> subprocess.CompletedProcess[str]:
    """Run the check, expecting v1's test to fail (``code`` 1) or pass on the expanded
    database, and the release's worktree gone after it."""
    completed = project.inv("db.previous-release-check", code=code)
    if code:
        line = one_error_line(completed.stderr)
        assert line.startswith("error: the tests of v1 fail on a database upgraded"), line
        assert "FAILED tests/test_users.py::test_a_user_keeps_the_name_it_was_given" in (
            completed.stdout
        )
    else:
        assert "The tests of v1 pass" in completed.stdout
        assert "1 passed" in completed.stdout
        assert "skipped" in completed.stdout  # v1's migration checks
    listed = subprocess.run(
        ["git", "worktree", "list"], cwd=project.path, capture_output=True, text=True
    )
    assert len(listed.stdout.splitlines()) == 1  # the release's worktree is gone
    return completed


# One repository walks the cases in turn (a project and a release each would pay the same
# set-up four times): v2's revision uncommitted on v1, then committed as each change.
def test_previous_release_tests_run_on_the_expanded_database(project: Project) -> None:
    release_v1(project)  # v1 is HEAD; the new revision is not committed yet
    write_change(project, DROP_NAME, "expand")
    # Uncommitted revisions are checked against the tag on HEAD.
    completed = check_release(project, code=1)
    assert "changes git has not committed; they are the code under test" in completed.stderr
    for upgrade, phase, code in (
        (DROP_NAME, "expand", 1),  # a drop labelled expand fails
        (ADD_NICKNAME, "expand", 0),  # a nullable column passes
        (DROP_NAME, "contract", 0),  # a drop labelled contract waits
    ):
        write_change(project, upgrade, phase)
        commit(project, f"v2 {phase}")
        completed = check_release(project, code)
        assert "not committed" not in completed.stderr, (upgrade, phase)


def test_without_a_release_tag_the_check_is_skipped_saying_so(project: Project) -> None:
    release_v1(project)
    git(project, "tag", "--delete", "v1")
    completed = project.inv("db.previous-release-check")
    assert "Skipped: no release tag before this commit" in completed.stdout


def test_a_tag_on_the_commit_itself_is_the_release_under_test_not_the_previous(
    project: Project,
) -> None:
    release_v1(project)  # v1 is HEAD, and it has no tag before it
    completed = project.inv("db.previous-release-check")
    assert "Skipped: no release tag before this commit" in completed.stdout


def test_a_shallow_checkout_is_refused_in_one_line(project: Project, tmp_path: Path) -> None:
    release_v1(project)
    commit_two = project.path / "app" / "note.txt"
    commit_two.write_text("v2")
    commit(project, "v2")
    shallow = Project(tmp_path / "shallow", project.env)
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", f"file://{project.path}", shallow.path],
        check=True,
        capture_output=True,
    )
    completed = shallow.inv("db.previous-release-check", code=1)
    line = one_error_line(completed.stderr)
    assert "shallow" in line and "fetch-depth: 0" in line


def leftover_scratch_databases(database: ServerDatabase) -> list[tuple]:
    name = database.url.rsplit("/", 1)[-1]
    if database.kind == "postgresql":
        return database.query(f"SELECT datname FROM pg_database WHERE datname LIKE '{name}_%'")
    return database.query(f"SHOW DATABASES LIKE '{name}\\_%'")


def test_on_each_database_the_check_uses_a_scratch_database_and_leaves_database_url_alone(
    project: Project, database: ServerDatabase
) -> None:
    release_v1(project)
    source = revision_source("bbbb00000002", "aaaa00000001", DROP_NAME)
    project.write_revision("bbbb00000002_change.py", labelled(source, "expand"))
    commit(project, "v2")

    completed = project.inv("db.previous-release-check", code=1, env={"DATABASE_URL": database.url})

    assert "FAILED tests/test_users.py::test_a_user_keeps_the_name_it_was_given" in (
        completed.stdout
    )
    if database.kind == "sqlite":
        assert not Path(database.url.removeprefix("sqlite:///")).exists()
    else:
        assert database.tables() == set()
        assert leftover_scratch_databases(database) == []


def test_outside_a_git_checkout_the_check_says_so_in_one_line(project: Project) -> None:
    completed = project.inv("db.previous-release-check", code=1)
    assert "is not in a git checkout" in one_error_line(completed.stderr)
