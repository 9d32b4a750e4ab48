"""Options a task does not take are refused, never dropped: `-r` after a task without one is
invoke's own `--search-root`, which it would read and ignore once the tasks are loaded."""

from __future__ import annotations

import pytest
from project import Project, one_error_line


@pytest.mark.parametrize("task", ["db.status", "db.check", "db.current"])
@pytest.mark.parametrize("flag", ["-r", "--search-root"])
def test_a_revision_flag_a_task_lacks_is_refused(project: Project, task: str, flag: str) -> None:
    completed = project.inv(task, flag, "foo", code=1)
    error = one_error_line(completed.stderr)
    assert f"{task} takes no {flag}" in error, error
    assert "nothing was run" in error, error


@pytest.mark.parametrize("task", ["db.show", "db.upgrade", "db.history"])
def test_a_revision_given_without_its_flag_is_refused_naming_the_flag(
    project: Project, task: str
) -> None:
    # invoke reads the word as a task's name: "No idea what 'nosuch' is!" named neither.
    completed = project.inv(task, "nosuch", code=1)
    assert one_error_line(completed.stderr) == (
        f"error: {task} takes a revision as -r, as in `inv {task} -r nosuch`; 'nosuch' is no task"
    )
    assert "No idea" not in completed.stderr


def test_an_unknown_flag_after_a_task_that_takes_a_revision_is_not_called_one(
    project: Project,
) -> None:
    completed = project.inv("db.show", "--nosuch", code=1)
    assert "takes a revision" not in completed.stderr
    assert "--nosuch" in completed.stderr
