"""`inv db.lint` reviews revisions for operations that lock, rewrite or lose data.

Each rule is tested for every database kind with a revision it must flag and one written the
safe way, by the lint task called in-process on the fixture service: offline, as
`inv db.lint --all` runs, for that kind's dialect. What a shell sees (exit codes, the default to
the revisions a live database lacks, one-line errors) goes through the service's real `inv`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from lint_cases import (
    BASE_UPGRADE,
    CASES,
    LintCase,
    accepted,
    line_of,
    lint_in_process,
    write_revision,
)
from project import BIN, Project, created_revision
from servers import DATABASE_KINDS, ServerDatabase, only_on


def lint(project: Project, url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    completed = project.run("inv", "db.lint", *arguments, env={"DATABASE_URL": url})
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


@pytest.mark.parametrize("kind", DATABASE_KINDS)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_rule_flags_the_risky_revision_and_passes_the_safe_one_where_it_applies(
    project: Project, kind: str, case: LintCase, capsys: pytest.CaptureFixture[str]
) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    risky = write_revision(project, "l1", "l0", case.risky, case.risky_downgrade)
    safe = write_revision(project, "l2", "l1", case.safe)
    line = line_of(project, risky, case.flagged)

    linted = lint_in_process(project, kind, capsys)

    if kind not in case.databases:
        # A PostgreSQL lock (CREATE INDEX, a foreign key...) is not one on this database.
        assert case.rule not in linted.stdout
        return
    assert linted.code == 1, linted
    assert f"{risky.as_posix()}:{line}: {case.rule}\n" in linted.stdout
    assert f"`# lint: allow {case.rule}`" in linted.stdout
    assert safe.as_posix() not in linted.stdout
    assert "finding(s)" in linted.error


# Only the kinds each rule concerns: elsewhere there is no finding to accept.
@pytest.mark.parametrize(
    ("case", "kind"),
    [pytest.param(case, kind, id=f"{case}-{kind}") for case in CASES for kind in case.databases],
)
def test_a_marker_naming_the_rule_accepts_the_finding(
    project: Project, kind: str, case: LintCase, capsys: pytest.CaptureFixture[str]
) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    risky = write_revision(project, "l1", "l0", case.risky, case.risky_downgrade)
    path = project.path / risky
    marked = accepted(case.flagged, case.rule)
    path.write_text(path.read_text().replace(case.flagged + "\n", marked + "\n"))

    linted = lint_in_process(project, kind, capsys)

    assert f"{risky.as_posix()}:{line_of(project, risky, marked)}: {case.rule}\n" not in (
        linted.stdout
    )


@only_on(
    "sqlite", "mysql", why="the applied revisions are read by the same query on every database"
)
def test_lint_defaults_to_unapplied_revisions_and_all_or_a_range_widen_it(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE, "    pass")  # empty downgrade
    assert project.run("inv", "db.upgrade", env={"DATABASE_URL": database.url}).returncode == 0
    write_revision(project, "l1", "l0", '    op.drop_column("users", "email")')

    unapplied = lint(project, database.url)
    assert unapplied.returncode == 1
    assert "l1.py:" in unapplied.stdout and "l0.py" not in unapplied.stdout
    assert "finding(s)" in unapplied.stderr.splitlines()[-1]

    everything = lint(project, database.url, "--all")
    assert "l0.py:" in everything.stdout and "empty-downgrade" in everything.stdout
    assert "l1.py:" in everything.stdout

    first_only = lint(project, database.url, "-r", "base:l0")
    assert "l0.py:" in first_only.stdout and "l1.py" not in first_only.stdout
    assert "l0.py" not in lint(project, database.url, "-r", "l1").stdout

    assert project.run("inv", "db.upgrade", env={"DATABASE_URL": database.url}).returncode == 0
    at_head = lint(project, database.url)
    assert at_head.returncode == 0
    assert "No revisions to lint" in at_head.stdout


def test_clean_revisions_pass(project: Project) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE, '    op.drop_table("users")')
    completed = project.inv("db.lint")
    assert "No findings in 1 revision(s)." in completed.stdout


def test_an_unknown_rule_in_a_marker_is_one_error_line(project: Project) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE + "  # lint: allow no-such-rule")
    error = project.inv("db.lint", code=1).stderr.strip()
    assert error.startswith("error: app/migrations/versions/l0.py:")
    assert "'no-such-rule'" in error and len(error.splitlines()) == 1


def test_a_revision_that_does_not_import_is_one_error_line(project: Project) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    broken = write_revision(project, "l1", "l0", "    op.add_column(")
    error = project.inv("db.lint", "--all", code=1).stderr.strip()
    assert error.startswith(f"error: {broken.as_posix()}:")
    assert "does not import" in error and len(error.splitlines()) == 1


@pytest.mark.parametrize("rev_range", ["nosuch", "base:nosuch", "l1:l0"])
def test_a_range_that_does_not_exist_is_one_error_line(project: Project, rev_range: str) -> None:
    write_revision(project, "l0", None, BASE_UPGRADE)
    write_revision(project, "l1", "l0", '    op.create_table("t", sa.Column("id", sa.Integer()))')
    error = project.inv("db.lint", "-r", rev_range, code=1).stderr.strip()
    assert error.startswith("error: ") and len(error.splitlines()) == 1


def test_revision_prints_the_lint_findings_for_the_file_it_wrote(project: Project) -> None:
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


@pytest.fixture(scope="module")
def python_without_squawk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python with everything this one has but the squawk that squawk-cli puts beside it."""
    venv = tmp_path_factory.mktemp("without-squawk") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    site_packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # addsitedir reads this environment's own .pth files too: the editable toolkit is one.
    these_packages = sysconfig.get_path("purelib")
    (Path(site_packages) / "this_environment.pth").write_text(
        f"import site; site.addsitedir({these_packages!r})\n"
    )
    return python


def test_postgresql_without_squawk_installed_is_one_error_line(
    project: Project, python_without_squawk: Path
) -> None:
    path = os.pathsep.join(
        folder for folder in os.environ.get("PATH", "").split(os.pathsep) if Path(folder) != BIN
    )
    if shutil.which("squawk", path=path):
        pytest.skip("a squawk on PATH would be found")
    write_revision(project, "l0", None, BASE_UPGRADE)
    # --all runs offline: a PostgreSQL URL needs neither a server nor its driver here.
    env = {"DATABASE_URL": "postgresql://app@db.invalid/app", "PATH": path}
    completed = subprocess.run(
        [python_without_squawk, "-m", "invoke", "db.lint", "--all"],
        cwd=project.path,
        env=project.environment(**env),
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr, completed.stderr
    errors = [line for line in completed.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        (
            "error: squawk is not installed, and the lint needs it on PostgreSQL;"
            " install it with `python -m pip install squawk-cli`"
        )
    ]


REQUIRE_EMAIL = """\
    with op.batch_alter_table("users") as batch:
        batch.alter_column("email", existing_type=sa.String(50), nullable=False)"""
BACKFILL_EMAIL = "    op.execute(\"UPDATE users SET email = '' WHERE email IS NULL\")\n"


@pytest.mark.parametrize("kind", ["sqlite", "mysql"])
def test_not_null_on_an_existing_column_is_flagged_unless_the_revision_backfills_it_first(
    project: Project, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The upgrade fails on the rows holding NULL (SQLite, strict MySQL/MariaDB) or turns them
    # into 0 or '' (MySQL/MariaDB otherwise); an empty scratch database never shows either.
    # On PostgreSQL squawk's rule of the same name flags SET NOT NULL, for its table scan.
    write_revision(project, "l0", None, BASE_UPGRADE)
    risky = write_revision(project, "l1", "l0", REQUIRE_EMAIL)
    backfilled = write_revision(project, "l2", "l1", BACKFILL_EMAIL + REQUIRE_EMAIL)

    linted = lint_in_process(project, kind, capsys)

    line = line_of(project, risky, REQUIRE_EMAIL.splitlines()[-1])
    assert f"{risky.as_posix()}:{line}: adding-not-nullable-field\n" in linted.stdout
    assert "makes column users.email NOT NULL" in linted.stdout
    assert backfilled.as_posix() not in linted.stdout
