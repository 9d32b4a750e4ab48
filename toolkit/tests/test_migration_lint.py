"""`inv db.lint` reviews revisions for operations that lock, rewrite or lose data.

Each rule is tested on every database it concerns with a revision it must flag and one written
the safe way, through the real `inv db.lint` of a baked project.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from baked_project import BakedProject, created_revision
from dev_env import DEV_VENV, venv_executable
from lint_cases import BASE_UPGRADE, CASES, LintCase, accepted, line_of, write_revision
from servers import ServerDatabase


def lint(project: BakedProject, url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    completed = project.run("inv", "db.lint", *arguments, env={"DATABASE_URL": url})
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_rule_flags_the_risky_revision_and_passes_the_safe_one_where_it_applies(
    safety_project: BakedProject, database: ServerDatabase, case: LintCase
) -> None:
    write_revision(safety_project, "l0", None, BASE_UPGRADE)
    risky = write_revision(safety_project, "l1", "l0", case.risky, case.risky_downgrade)
    safe = write_revision(safety_project, "l2", "l1", case.safe)
    line = line_of(safety_project, risky, case.flagged)

    completed = lint(safety_project, database.url)

    if database.kind not in case.databases:
        # A PostgreSQL lock (CREATE INDEX, a foreign key...) is not one on this database.
        assert case.rule not in completed.stdout
        return
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert f"{risky.as_posix()}:{line}: {case.rule}\n" in completed.stdout
    assert f"`# lint: allow {case.rule}`" in completed.stdout
    assert safe.as_posix() not in completed.stdout
    assert "finding(s)" in completed.stderr.splitlines()[-1]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_marker_naming_the_rule_accepts_the_finding(
    safety_project: BakedProject, database: ServerDatabase, case: LintCase
) -> None:
    if database.kind not in case.databases:
        pytest.skip(f"{case.rule} does not concern {database.kind}")
    write_revision(safety_project, "l0", None, BASE_UPGRADE)
    risky = write_revision(safety_project, "l1", "l0", case.risky, case.risky_downgrade)
    path = safety_project.path / risky
    marked = accepted(case.flagged, case.rule)
    path.write_text(path.read_text().replace(case.flagged + "\n", marked + "\n"))

    completed = lint(safety_project, database.url)

    assert f"{risky.as_posix()}:{line_of(safety_project, risky, marked)}: {case.rule}\n" not in (
        completed.stdout
    )


def test_lint_defaults_to_unapplied_revisions_and_all_or_a_range_widen_it(
    safety_project: BakedProject, database: ServerDatabase
) -> None:
    write_revision(safety_project, "l0", None, BASE_UPGRADE, "    pass")  # empty downgrade
    assert (
        safety_project.run("inv", "db.upgrade", env={"DATABASE_URL": database.url}).returncode == 0
    )
    write_revision(safety_project, "l1", "l0", '    op.drop_column("users", "email")')

    unapplied = lint(safety_project, database.url)
    assert unapplied.returncode == 1
    assert "l1.py:" in unapplied.stdout and "l0.py" not in unapplied.stdout

    everything = lint(safety_project, database.url, "--all")
    assert "l0.py:" in everything.stdout and "empty-downgrade" in everything.stdout
    assert "l1.py:" in everything.stdout

    first_only = lint(safety_project, database.url, "-r", "base:l0")
    assert "l0.py:" in first_only.stdout and "l1.py" not in first_only.stdout
    assert "l0.py" not in lint(safety_project, database.url, "-r", "l1").stdout

    assert (
        safety_project.run("inv", "db.upgrade", env={"DATABASE_URL": database.url}).returncode == 0
    )
    at_head = lint(safety_project, database.url)
    assert at_head.returncode == 0
    assert "No revisions to lint" in at_head.stdout


def test_clean_revisions_pass(project: BakedProject) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE, '    op.drop_table("users")')
    completed = project.inv("db.lint")
    assert "No findings in 1 revision(s)." in completed.stdout


def test_an_unknown_rule_in_a_marker_is_one_error_line(project: BakedProject) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE + "  # lint: allow no-such-rule")
    error = project.inv("db.lint", code=1).stderr.strip()
    assert error.startswith("error: app/migrations/versions/l0.py:")
    assert "'no-such-rule'" in error and len(error.splitlines()) == 1


def test_a_revision_that_does_not_import_is_one_error_line(project: BakedProject) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    broken = write_revision(project, "l1", "l0", "    op.add_column(")
    error = project.inv("db.lint", "--all", code=1).stderr.strip()
    assert error.startswith(f"error: {broken.as_posix()}:")
    assert "does not import" in error and len(error.splitlines()) == 1


@pytest.mark.parametrize("rev_range", ["nosuch", "base:nosuch", "l1:l0"])
def test_a_range_that_does_not_exist_is_one_error_line(
    project: BakedProject, rev_range: str
) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    write_revision(project, "l1", "l0", '    op.create_table("t", sa.Column("id", sa.Integer()))')
    error = project.inv("db.lint", "-r", rev_range, code=1).stderr.strip()
    assert error.startswith("error: ") and len(error.splitlines()) == 1


def test_revision_prints_the_lint_findings_for_the_file_it_wrote(project: BakedProject) -> None:
    project.add_user_model()
    project.inv("db.revision", "-m", "Add users")
    project.inv("db.upgrade")
    models = project.path / "app/models.py"
    models.write_text(
        models.read_text() + "    active: Mapped[bool] = mapped_column(default=True)\n"
    )
    output = project.inv("db.revision", "-m", "Add active").stdout
    _, path = created_revision(output)
    # SQLite autogenerates batch mode: the finding points into the `with` block.
    line = line_of(
        project,
        path,
        next(
            text for text in (project.path / path).read_text().splitlines() if "add_column" in text
        ),
    )
    assert f"warning: {path}:{line}: adding-required-field" in output
    assert "SQLite refuses to add a NOT NULL column" in output


def test_postgresql_without_squawk_installed_is_one_error_line(project: BakedProject) -> None:
    if shutil.which("squawk"):
        pytest.skip("a squawk on PATH would be found")
    write_revision(project, "l0", None, BASE_UPGRADE)
    # --all runs offline: a PostgreSQL URL needs neither a server nor its driver here.
    env = {"DATABASE_URL": "postgresql://app@db.invalid/app"}
    stderr = project.inv("db.lint", "--all", code=1, env=env).stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        (
            "error: squawk is not installed, and the lint needs it on PostgreSQL;"
            " install it with `python -m pip install squawk-cli`"
        )
    ]


def test_pre_commit_lints_a_new_revision_and_refuses_the_commit(project: BakedProject) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
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
