"""A relative step (`-r +1`, `-r -2`) that goes the wrong way or leaves the history is refused
in the toolkit's words: where the database is, read from it, and what to run instead."""

from __future__ import annotations

import pytest
from project import Project, one_error_line
from test_revision_arguments import two_revisions


@pytest.mark.parametrize(
    ("task", "step", "advice"),
    [
        (("db.downgrade", "--yes"), "+1", "run `inv db.upgrade -r +1` to go up"),
        (("db.upgrade",), "-1", "run `inv db.downgrade -r -1` to go down"),
        (("db.downgrade", "--yes"), "-99", "run `inv db.downgrade -r -1` instead"),
        (("db.upgrade",), "+99", "run `inv db.upgrade -r +1` instead"),
    ],
)
def test_a_step_outside_the_history_names_the_revision_and_what_to_run(
    project: Project, task: tuple[str, ...], step: str, advice: str
) -> None:
    two_revisions(project)
    project.inv("db.upgrade", "-r", "r1")
    error = one_error_line(project.inv(*task, "-r", step, code=1).stderr)
    assert "Relative revision" not in error
    assert "the database is at r1, 1 revision(s) below head and 1 above base" in error
    assert advice in error
    assert project.inv("db.current").stdout.split()[0] == "r1"
