"""`inv db.lint --released REF` (issue 22): a revision file a release had is never edited or
deleted afterwards, a squash aside."""

from __future__ import annotations

from project import Project, created_revision, git
from test_drift_detection import KEPT, set_models

from alembic_steward.lint._released import squashed_ids


def released_project(project: Project) -> tuple[str, str]:
    """A project with one revision, committed and tagged v1; returns (revision, path)."""
    set_models(project, KEPT)
    revision, path = created_revision(project.inv("db.revision", "-m", "kept").stdout)
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "v1")
    git(project, "tag", "v1")
    return revision, path


def test_an_edited_or_deleted_released_revision_fails_the_lint(project: Project) -> None:
    revision, path = released_project(project)
    assert "No findings" in project.inv("db.lint", "--all", "--released", "v1").stdout
    file = project.path / path
    file.write_text(file.read_text().replace("def downgrade", "# tweaked\ndef downgrade"))
    edited = project.inv("db.lint", "--all", "--released", "v1", code=1)
    assert f"{path}: revision {revision} was released in v1 and has been edited" in edited.stdout
    assert f"git checkout v1 -- {path}" in edited.stdout
    assert "1 revision file(s) released in v1 changed" in edited.stderr
    assert "No findings" in project.inv("db.lint", "--all").stdout  # only with --released
    file.unlink()
    deleted = project.inv("db.lint", "--all", "--released", "v1", code=1)
    assert f"revision {revision} was released in v1 and has been deleted" in deleted.stdout


def test_a_squash_may_replace_released_revisions(project: Project) -> None:
    revision, path = released_project(project)
    file = project.path / path
    file.write_text(file.read_text() + f'\nsquashes = ("0ld", "{revision}")\n')
    assert "No findings" in project.inv("db.lint", "--all", "--released", "v1").stdout


def test_an_unknown_ref_is_one_line_and_lints_nothing(project: Project) -> None:
    released_project(project)
    failed = project.inv("db.lint", "--all", "--released", "v9", code=1)
    assert failed.stderr.strip().splitlines() == [
        "error: cannot check --released v9: git knows no commit or tag 'v9' (`git tag` lists"
        " the tags); nothing was linted"
    ]


def test_squashes_names_read_from_tuple_or_list() -> None:
    assert squashed_ids('squashes = ("a1", "b2")\n') == {"a1", "b2"}
    assert squashed_ids("squashes: tuple[str, ...] = ['c3']\n") == {"c3"}
    assert squashed_ids("revision = 'x'\n") == set()
