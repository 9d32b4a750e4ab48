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


@pytest.mark.parametrize(
    ("task", "step", "said"),
    [
        (("db.upgrade",), "head-5", "-r head-5 steps past the end of the history"),
        (("db.upgrade",), "r1+2", "-r r1+2 steps past the end of the history"),
        (("db.downgrade", "--yes"), "r1-2", "-r r1-2 steps past the end of the history"),
        (("db.downgrade", "--yes"), "heads-5", "-r heads-5 steps past the end of the history"),
        (("db.upgrade",), "r1-1", "db.upgrade only goes up, and -r r1-1 is base"),
        (("db.downgrade", "--yes"), "r1+1", "db.downgrade only goes down, and -r r1+1 is r2"),
    ],
)
def test_a_step_counted_from_a_named_revision_is_refused_in_the_same_words(
    project: Project, task: tuple[str, ...], step: str, said: str
) -> None:
    # Alembic fails these with a bare AssertionError, "Walked too far", or its own message,
    # or (`db.upgrade -r r1-1` at r1) runs nothing and exits 0.
    two_revisions(project)
    project.inv("db.upgrade", "-r", "r1")
    error = one_error_line(project.inv(*task, "-r", step, code=1).stderr)
    assert said in error and "the database is at r1" in error and "nothing was run" in error
    assert "AssertionError" not in error and "Walked" not in error and "Destination" not in error
    assert project.inv("db.current").stdout.split()[0] == "r1"


@pytest.mark.parametrize(
    ("step", "room"),
    [
        ("head+5", "the history has only 0 revision(s) above head (r2)"),
        ("r1+2", "the history has only 1 revision(s) above r1"),
        ("head-5", "the history has only 2 revision(s) below head (r2)"),
        ("base-1", "the history has only 0 revision(s) below base"),
    ],
)
def test_a_step_past_the_end_says_how_far_the_history_goes_that_way(
    project: Project, step: str, room: str
) -> None:
    two_revisions(project)
    project.inv("db.upgrade", "-r", "r1")
    error = one_error_line(project.inv("db.upgrade", "-r", step, code=1).stderr)
    assert room in error, error
    assert "above base and" not in error, error
