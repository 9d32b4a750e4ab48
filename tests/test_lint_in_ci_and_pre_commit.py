"""The bake runs `inv db.lint` where a team meets it: in the CI job of the chosen database and
in the pre-commit hook. The lint itself is tested beside it, in toolkit/tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

from baked_project import BakedProject, revision_source
from dev_env import DEV_VENV, venv_executable

CREATE_USERS = """\
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(50), nullable=True),
    )"""
NOT_REVERSIBLE = '    raise NotImplementedError("a test revision")'


def write_revision(project: BakedProject, revision: str, down: str | None, upgrade: str) -> Path:
    """Write a hand-made revision; return its path relative to the project."""
    relative = Path("app/migrations/versions") / f"{revision}.py"
    source = revision_source(revision, down, upgrade, NOT_REVERSIBLE)
    (project.path / relative).write_text(source)
    return relative


def test_pre_commit_lints_a_new_revision_and_refuses_the_commit(project: BakedProject) -> None:
    write_revision(project, "l0", None, CREATE_USERS)
    risky = write_revision(project, "l1", "l0", '    op.drop_column("users", "email")')
    pre_commit = venv_executable(DEV_VENV, "pre-commit")
    completed = subprocess.run(
        [pre_commit, "run", "migration-lint", "--files", str(risky)],
        cwd=project.path,
        env=project.environment(),
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert f"{risky.as_posix()}:" in completed.stdout and "ban-drop-column" in completed.stdout


def test_generated_ci_lints_the_revisions_for_the_chosen_database(cookies) -> None:
    for database in ("sqlite", "postgresql", "mysql"):
        result = cookies.bake(extra_context={"database": database})
        workflow = (Path(result.project_path) / ".github/workflows/ci.yml").read_text()
        assert workflow.count("run: inv db.lint --all") == 1
        # Linted where DATABASE_URL names the chosen database: the rules depend on it.
        job = "test-sqlite:" if database == "sqlite" else f"test-{database}:"
        later_job = workflow.find("\n  test-", workflow.index(job) + 1)
        section = workflow[workflow.index(job) : later_job if later_job > 0 else None]
        assert "inv db.lint --all" in section


def test_a_fresh_bake_ships_a_current_schema_file(project: BakedProject) -> None:
    completed = project.inv("db.schema", "--check")
    assert "app/migrations/schema.sqlite.txt is current" in completed.stdout
    write_revision(project, "s0", None, CREATE_USERS)
    stale = project.run("inv", "db.schema", "--check")
    assert stale.returncode == 1 and "table users is in the migrations" in stale.stdout


def test_generated_ci_and_pre_commit_check_the_schema_file(cookies) -> None:
    for database in ("sqlite", "postgresql", "mysql"):
        result = cookies.bake(extra_context={"database": database})
        baked = Path(result.project_path)
        workflow = (baked / ".github/workflows/ci.yml").read_text()
        assert workflow.count("run: inv db.schema --check") == 1
        assert "db.schema --check" in (baked / ".pre-commit-config.yaml").read_text()
        header = (baked / f"app/migrations/schema.{database}.txt").read_text()
        assert header.startswith(f"# The schema the migrations build at head base, on {database}:")
