"""The seed's workflow, driven through the baked project's real `inv` and `alembic` commands."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from baked_project import BakedProject, created_revision

DATED_REVISION_FILE = re.compile(r"app/migrations/versions/\d{8}_\d{6}_(\w{12})_(\w+)\.py")


def succeed(project: BakedProject, *command: str, cwd: Path | None = None) -> str:
    completed = project.run(*command, cwd=cwd)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def fail_in_one_line(project: BakedProject, *command: str, **env: str) -> str:
    """Run a command that must fail cleanly; return its one error line."""
    completed = project.run(*command, env=env)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr
    errors = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, completed.stderr
    return errors[0]


def schema(database: Path) -> tuple[set[str], dict[str, set[str]]]:
    """Return (revisions in alembic_version, {table: column names}) of a SQLite file."""
    with sqlite3.connect(database) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
        columns = {
            table: {row[1] for row in connection.execute(f"PRAGMA table_info('{table}')")}
            for table in tables
            if not table.startswith("sqlite_")
        }
        versions = set()
        if "alembic_version" in columns:
            versions = {row[0] for row in connection.execute("SELECT * FROM alembic_version")}
    columns.pop("alembic_version", None)
    # Bookkeeping of the protected-environment guard and of applied checksums, not the app's.
    columns.pop("alembic_environment", None)
    columns.pop("alembic_revision_checksums", None)
    columns.pop("alembic_revision_upgrade_checksums", None)
    columns.pop("alembic_revision_phases", None)
    return versions, columns


def database_file(project: BakedProject) -> Path:
    return project.path / f"{project.path.name}.db"


def revision_files(project: BakedProject) -> list[Path]:
    return sorted((project.path / "app/migrations/versions").glob("*.py"))


def test_inv_list_shows_each_db_task_with_its_summary(project: BakedProject) -> None:
    listing = succeed(project, "inv", "--list")
    for task in ("db.revision", "db.upgrade", "db.downgrade"):
        assert re.search(rf"^\s+{re.escape(task)}\s+\w", listing, re.MULTILINE), listing


@pytest.mark.parametrize(
    "task, flags",
    [
        ("db.revision", ["-m STRING, --message=STRING", "-e, --empty"]),
        ("db.upgrade", ["-r STRING, --revision=STRING", "default: head"]),
        ("db.downgrade", ["-r STRING, --revision=STRING", "default: -1"]),
    ],
)
def test_every_flag_has_help_text(project: BakedProject, task: str, flags: list[str]) -> None:
    help_text = succeed(project, "inv", "--help", task)
    for flag in flags:
        assert flag in help_text


def test_revision_autogenerates_a_dated_formatted_file_from_the_models(
    project: BakedProject,
) -> None:
    project.add_user_model()
    revision, path = created_revision(
        succeed(project, "inv", "db.revision", "-m", "Initial migration")
    )
    match = DATED_REVISION_FILE.fullmatch(path)
    assert match and match.groups() == (revision, "initial_migration")
    source = (project.path / path).read_text()
    assert 'op.create_table(\n        "users",' in source
    assert 'op.drop_table("users")' in source
    succeed(project, "ruff", "format", "--check", path)
    succeed(project, "ruff", "check", ".")


def test_revision_writes_no_file_when_the_models_are_unchanged(project: BakedProject) -> None:
    output = succeed(project, "inv", "db.revision", "-m", "Nothing to do")
    assert "No changes detected" in output
    assert revision_files(project) == []


def test_empty_revision_is_written_for_hand_editing(project: BakedProject) -> None:
    revision, path = created_revision(
        succeed(project, "inv", "db.revision", "-m", "Data fix", "--empty")
    )
    assert f'revision: str = "{revision}"' in (project.path / path).read_text()
    succeed(project, "ruff", "check", path)


def test_upgrade_and_downgrade_walk_the_history_from_any_folder(project: BakedProject) -> None:
    project.add_user_model()
    first, _ = created_revision(succeed(project, "inv", "db.revision", "-m", "Initial migration"))
    succeed(project, "inv", "db.upgrade")
    project.add_user_name_column()
    second, path = created_revision(succeed(project, "inv", "db.revision", "-m", "Add user name"))
    # SQLite cannot ALTER most things: env.py renders batch operations that rebuild the table.
    assert 'with op.batch_alter_table("users"' in (project.path / path).read_text()
    database = database_file(project)

    succeed(project, "inv", "db.upgrade")
    assert schema(database) == ({second}, {"users": {"id", "email", "name"}})

    succeed(project, "inv", "db.downgrade")
    assert schema(database) == ({first}, {"users": {"id", "email"}})

    succeed(project, "inv", "db.downgrade", "-r", "base")
    assert schema(database) == (set(), {})

    succeed(project, "inv", "db.upgrade", "-r", first)
    assert schema(database)[0] == {first}

    subfolder = project.path / "app" / "migrations"
    succeed(project, "inv", "db.upgrade", cwd=subfolder)
    assert schema(database)[0] == {second}
    succeed(project, "inv", "db.downgrade", cwd=subfolder)
    assert schema(database)[0] == {first}
    assert sorted(project.path.rglob("*.db")) == [database]


def test_seed_raw_alembic_commands_work_verbatim_from_the_project_root(
    project: BakedProject,
) -> None:
    project.add_user_model()
    succeed(project, "alembic", "revision", "--autogenerate", "-m", "Initial migration")
    (first_file,) = revision_files(project)
    first = DATED_REVISION_FILE.search(first_file.as_posix()).group(1)
    succeed(project, "alembic", "upgrade", "head")
    project.add_user_name_column()
    succeed(project, "alembic", "revision", "--autogenerate", "-m", "Add user name")
    database = database_file(project)

    succeed(project, "alembic", "upgrade", first)
    assert schema(database) == ({first}, {"users": {"id", "email"}})
    succeed(project, "alembic", "upgrade", "head")
    assert schema(database)[1] == {"users": {"id", "email", "name"}}
    succeed(project, "alembic", "downgrade", "-1")
    assert schema(database)[0] == {first}


# That the baked suite passes on real autogenerated revisions (13 passed) is checked by
# tests/test_walkthrough.py: the walk runs it on two, one of them a batch ALTER.


def test_baked_test_suite_catches_a_model_changed_without_a_revision(
    project: BakedProject,
) -> None:
    project.add_user_model()
    succeed(project, "inv", "db.revision", "-m", "Initial migration")
    project.add_user_name_column()
    completed = project.run("pytest", "-q")
    assert completed.returncode == 1
    assert "FAILED tests/test_migrations.py::test_models_match_migrations" in completed.stdout


def test_revision_on_an_outdated_database_says_to_upgrade_first(project: BakedProject) -> None:
    project.add_user_model()
    succeed(project, "inv", "db.revision", "-m", "Initial migration")
    error = fail_in_one_line(project, "inv", "db.revision", "-m", "Second")
    assert "not up to date" in error and "inv db.upgrade" in error


def test_unknown_revision_fails_in_one_line(project: BakedProject) -> None:
    error = fail_in_one_line(project, "inv", "db.upgrade", "-r", "deadbeef0000")
    assert "deadbeef0000" in error


def test_unparseable_database_url_fails_in_one_line(project: BakedProject) -> None:
    error = fail_in_one_line(project, "inv", "db.upgrade", DATABASE_URL="not a url")
    assert "DATABASE_URL" in error


@pytest.mark.parametrize("task", ["db.upgrade", "db.current", "db.status"])
def test_database_url_with_a_port_that_is_not_a_number_fails_in_one_line(
    project: BakedProject, task: str
) -> None:
    url = "postgresql://app:Sup3r-Secret@127.0.0.1:abc/app"
    error = fail_in_one_line(project, "inv", task, DATABASE_URL=url)
    assert "port 'abc' is not a number" in error and "write the port as digits" in error
    assert "Sup3r-Secret" not in error


def test_url_task_refuses_a_url_it_cannot_parse_in_one_line(project: BakedProject) -> None:
    # It once printed "<unparseable database URL>" and exited 0, while the other tasks'
    # lines sent users to it.
    url = "postgresql://app:Sup3r-Secret@127.0.0.1:abc/app"
    error = fail_in_one_line(project, "inv", "db.url", DATABASE_URL=url)
    assert "port 'abc' is not a number" in error and "comes from environment" in error
    assert "inv db.url" not in error and "Sup3r-Secret" not in error


def test_dollar_sign_in_a_dotenv_password_is_taken_literally(project: BakedProject) -> None:
    (project.path / ".env").write_text("DATABASE_URL=postgresql://app:pa${USER}ss@db/app\n")
    python = "from app.settings import get_settings; print(get_settings().database.value)"
    completed = project.run("python", "-c", python)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "postgresql://app:pa${USER}ss@db/app"


def test_missing_driver_fails_in_one_line_without_the_password(project: BakedProject) -> None:
    url = "mysql+pymysql://app:Sup3r-Secret@127.0.0.1:1/app"
    error = fail_in_one_line(project, "inv", "db.upgrade", DATABASE_URL=url)
    assert "'pymysql'" in error and "pip install" in error
    assert "Sup3r-Secret" not in error


def test_database_url_comes_from_dotenv_and_the_environment_wins(project: BakedProject) -> None:
    project.add_user_model()
    succeed(project, "inv", "db.revision", "-m", "Initial migration")
    (project.path / ".env").write_text("DATABASE_URL=sqlite:///from_dotenv.db\n")

    succeed(project, "inv", "db.upgrade", cwd=project.path / "app")
    assert schema(project.path / "from_dotenv.db")[1] == {"users": {"id", "email"}}

    completed = project.run("inv", "db.upgrade", env={"DATABASE_URL": "sqlite:///from_env.db"})
    assert completed.returncode == 0, completed.stderr
    assert schema(project.path / "from_env.db")[1] == {"users": {"id", "email"}}


def test_dotenv_in_a_parent_folder_is_ignored(project: BakedProject) -> None:
    project.add_user_model()
    succeed(project, "inv", "db.revision", "-m", "Initial migration")
    stray = project.path.parent / ".env"
    stray.write_text("DATABASE_URL=sqlite:///stray.db\n")
    try:
        succeed(project, "inv", "db.upgrade")
    finally:
        stray.unlink()
    assert database_file(project).exists()
    assert not list(project.path.parent.rglob("stray.db"))
