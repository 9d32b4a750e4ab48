"""A SQLite URL whose folder is missing: every task names the folder, `db.status` as
`db.upgrade` does (it said only `check inv db.url`)."""

from __future__ import annotations

from pathlib import Path

from project import Project, one_error_line

UNREACHABLE = 5


def test_status_names_the_missing_folder_as_upgrade_does(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "no_such_folder"
    env = {"DATABASE_URL": f"sqlite:///{folder}/app.db"}
    tasks = [("db.status", UNREACHABLE), ("db.check", UNREACHABLE), ("db.upgrade", 1)]
    for task, code in [*tasks, ("db.current", 1)]:
        error = one_error_line(project.inv(task, code=code, env=env).stderr)
        assert f"folder {folder}" in error and "does not exist" in error, (task, error)
    assert not folder.exists()
