"""Exit 8's advice for an edited applied revision names only what can be done: git is asked
whether it has the file before "restore the files" is said, and `db.revision` reads the edit as
`db.status` does (an accepted edit undone in the file is recorded again, not restored again).
The advice is no dialect's: SQLite's is enough."""

from __future__ import annotations

from project import Project, commit_everything, git
from test_accepting_edits import (
    EDITED_REVISION,
    add_to_upgrade,
    migrated_users_revision,
    one_error_line,
    status_line,
)


def test_revision_says_to_record_again_an_accepted_edit_undone_in_the_file(
    project: Project,
) -> None:
    revision, path = migrated_users_revision(project, {})
    commit_everything(project, "users")
    # An edit that changes no schema: accept-edit refuses one the database lacks.
    add_to_upgrade(path, 'op.execute("SELECT 1")')
    project.inv("db.accept-edit", "-r", revision)
    git(project, "checkout", "--", str(path))

    status = status_line(project.inv("db.status", code=EDITED_REVISION))
    refused = project.inv("db.revision", "-m", "x", code=EDITED_REVISION)
    line = one_error_line(refused.stderr)
    assert "restore the files" not in line, line
    assert f"record them again with `inv db.accept-edit -r {revision}`" in line, line
    assert line.removeprefix("error: ").startswith(status.removeprefix("status:").strip())


def test_an_edited_revision_git_never_had_is_not_told_to_be_restored_from_git(
    project: Project,
) -> None:
    revision, path = migrated_users_revision(project, {})
    git(project, "init", "--quiet")  # a checkout, but the revision was never added
    source = path.read_text(encoding="utf-8")
    path.write_text(source.replace("length=255", "length=300"))

    line = status_line(project.inv("db.status", code=EDITED_REVISION))
    assert "git log -p" not in line and "restore the files" not in line, line
    assert "git has no version of its file" in line, line
    assert f"`inv db.accept-edit -r {revision}`" in line, line
    refused = one_error_line(project.inv("db.revision", "-m", "x", code=EDITED_REVISION).stderr)
    assert "git log -p" not in refused and "git has no version of its file" in refused


def test_an_unrun_edit_git_has_no_text_of_is_not_told_to_be_restored_from_git(
    project: Project,
) -> None:
    from test_edits_behind_head import edited_after_it_ran

    edited_after_it_ran(project, {}, committed=False)

    line = status_line(project.inv("db.status", code=EDITED_REVISION))
    assert "git log -p" not in line and "restore the file" not in line, line
    assert "git has no text of it that ran" in line, line
    assert "inv db.accept-edit -r r1" in line, line
