"""A service installed from its wheel migrates its database without a project checkout.

The wheel is built and installed into a fresh virtualenv, then both ways the baked README gives
for migrating an installed service run from a folder outside the project: the start-up code
(`command.upgrade(steward.alembic_config(), "head")`) and `python -m app.migrations`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from baked_project import BakedProject, created_revision, revision_source
from servers import ServerDatabase

UV = [sys.executable, "-m", "uv"]


def uv(*arguments: str | Path, cwd: Path) -> None:
    completed = subprocess.run([*UV, *arguments], cwd=cwd, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def startup_code_from_readme(project: BakedProject) -> str:
    """The README's Python block that migrates at start-up, exactly as a user would copy it."""
    readme = (project.path / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    (startup,) = [block for block in blocks if "steward.alembic_config()" in block]
    return startup


def install_wheel(project: BakedProject, target: Path) -> Path:
    """Build the project's wheel and install it, with its server drivers, into a new venv."""
    uv("build", "--quiet", "--wheel", "--out-dir", target / "dist", project.path, cwd=target)
    (wheel,) = (target / "dist").glob("*.whl")
    venv = target / "venv"
    uv("venv", "--quiet", "--python", sys.executable, venv, cwd=target)
    python = venv / "bin" / "python"
    drivers = ["psycopg[binary]>=3.2", "pymysql>=1.1"]
    uv("pip", "install", "--quiet", "--python", python, wheel, *drivers, cwd=target)
    return python


def run_installed(python: Path, cwd: Path, url: str, *arguments: str) -> str:
    environment = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    completed = subprocess.run(
        [python, *arguments], cwd=cwd, env=environment, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr
    return completed.stdout + completed.stderr


@dataclass
class InstalledWheel:
    """The service's wheel, with two revisions, installed into a venv of its own."""

    python: Path
    first: str
    second: str
    startup: str


@pytest.fixture(scope="module")
def installed_wheel(
    safety_installed_project: BakedProject, tmp_path_factory: pytest.TempPathFactory
) -> InstalledWheel:
    """Built and installed once for the module: each database's test, and the log's, runs the
    same installed service from a folder of its own (the wheel is what differs, never them)."""
    project, target = safety_installed_project, tmp_path_factory.mktemp("wheel")
    scratch = {"DATABASE_URL": f"sqlite:///{(target / 'scratch.db').as_posix()}"}
    try:
        project.add_user_model()
        first, _ = created_revision(
            project.inv("db.revision", "-m", "Add users", env=scratch).stdout
        )
        project.inv("db.upgrade", env=scratch)
        project.add_user_name_column()
        second, _ = created_revision(project.inv("db.revision", "-m", "Name", env=scratch).stdout)
        python = install_wheel(project, target)
        startup = startup_code_from_readme(project)
    finally:
        project.restore_snapshot()
    return InstalledWheel(python, first, second, startup)


def test_installed_wheel_migrates_with_the_startup_code_and_python_m_app_migrations(
    installed_wheel: InstalledWheel, database: ServerDatabase, tmp_path: Path
) -> None:
    python, first, second = installed_wheel.python, installed_wheel.first, installed_wheel.second
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    run_installed(python, elsewhere, database.url, "-m", "app.migrations", "upgrade", first)
    assert database.revisions() == {first}
    assert database.columns("users") == {"id", "email"}

    run_installed(python, elsewhere, database.url, "-c", installed_wheel.startup)
    assert database.revisions() == {second}
    assert database.columns("users") == {"id", "email", "name"}

    current = run_installed(python, elsewhere, database.url, "-m", "app.migrations", "current")
    assert second in current


def test_installed_wheel_logs_each_migration_it_runs(
    installed_wheel: InstalledWheel, tmp_path: Path
) -> None:
    url = f"sqlite:///{(tmp_path / 'deployed.db').as_posix()}"
    output = run_installed(installed_wheel.python, tmp_path, url, "-m", "app.migrations", "upgrade")
    assert f"Running upgrade  -> {installed_wheel.first}" in output
    assert f"Running upgrade {installed_wheel.first} -> {installed_wheel.second}" in output


def docker_build_context(project: Path, target: Path) -> Path:
    """What the Dockerfile's build stage copies from ``project`` (its COPY lines), in ``target``."""
    ignored = shutil.ignore_patterns("__pycache__")
    target.mkdir()
    for line in (project / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            for source in line.split()[1:-1]:
                if (project / source).is_dir():
                    shutil.copytree(project / source, target / source, ignore=ignored)
                else:
                    shutil.copy2(project / source, target / source)
    return target


def test_the_wheel_the_dockerfile_builds_ships_every_migration(
    default_bake: Path, tmp_path: Path
) -> None:
    revision = revision_source(
        "a1b2c3d4e5f6", None, "    op.create_table('t', sa.Column('id', sa.Integer))"
    )
    context = docker_build_context(default_bake, tmp_path / "context")
    (context / "app/migrations/versions/a1b2c3d4e5f6_t.py").write_text(revision)
    uv("build", "--quiet", "--wheel", "--out-dir", tmp_path / "dist", context, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("my_service-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    expected = {"env.py", "__main__.py", "script.py.mako", "versions/a1b2c3d4e5f6_t.py"}
    assert {f"app/migrations/{name}" for name in expected} <= shipped
    assert not {name for name in shipped if name.startswith(("tests/", "tasks/"))}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://app:S3c@ret@localhost/app", "write @ as %40"),
        ("mongodb://app:S3cret@localhost/app", "mongodb"),
        ("postgresql+nosuchdriver://app:S3cret@localhost/app", "nosuchdriver"),
    ],
    ids=["unencoded-at", "unknown-scheme", "unknown-driver"],
)
def test_python_m_app_migrations_reports_a_bad_url_in_one_line_without_the_password(
    safety_project: BakedProject, url: str, expected: str
) -> None:
    completed = safety_project.run(
        "python", "-m", "app.migrations", "current", env={"DATABASE_URL": url}
    )
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    last_line = completed.stderr.strip().splitlines()[-1]
    assert last_line.startswith("error: current failed") and expected in last_line, last_line
    assert "S3c" not in completed.stdout + completed.stderr


def test_python_m_app_migrations_reports_an_unknown_revision_in_one_line(
    safety_project: BakedProject, database: ServerDatabase
) -> None:
    completed = safety_project.run(
        "python", "-m", "app.migrations", "upgrade", "nosuchrev", env={"DATABASE_URL": database.url}
    )
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    # Alembic's own INFO lines (logging from alembic.ini) may come first; the error is one line.
    last_line = completed.stderr.strip().splitlines()[-1]
    assert last_line.startswith("error: upgrade failed"), completed.stderr
    assert "nosuchrev" in last_line


def test_inv_refuses_to_run_on_a_non_editable_install_of_the_checkout(
    safety_project: BakedProject, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    uv("venv", "--quiet", "--python", sys.executable, venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    uv("pip", "install", "--quiet", "--python", python, safety_project.path, cwd=tmp_path)
    completed = subprocess.run(
        [venv / "bin" / "inv", "db.status"],
        cwd=safety_project.path,
        env=safety_project.environment(PATH=f"{venv / 'bin'}:/usr/bin:/bin"),
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert "site-packages" in completed.stderr and "pip install -e" in completed.stderr
