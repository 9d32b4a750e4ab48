"""Exit 8's advice says of each edited file only what git was found to hold of it: `git log -p`
where git has the file, "never committed" where it has none, neither where git could not be
asked; a file that no longer parses is still looked for in git."""

from __future__ import annotations

import subprocess
from pathlib import Path

from alembic_steward.inspection._edits import EditedRevision, edits_advice, read_in_git

REVISION = 'revision = "r1"\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n'


def test_one_file_git_never_had_leaves_the_others_told_to_restore_from_git() -> None:
    advice = edits_advice([EditedRevision("r1", False), EditedRevision("r2", False, in_git=False)])
    assert "restore the file(s) of r1 (see `git log -p` on them)" in advice, advice
    assert "undo the edit of r2 in the file yourself" in advice, advice


def test_a_file_where_git_cannot_be_asked_is_not_said_to_be_never_committed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r1_users.py"  # tmp_path is in no git checkout
    path.write_text(REVISION, encoding="utf-8")
    in_git = read_in_git(path, "0" * 64)[3]
    assert in_git is None
    advice = edits_advice([EditedRevision("r1", False, in_git=in_git)])
    assert "never committed" not in advice, advice


def test_an_edited_file_that_does_not_parse_is_still_found_in_git(tmp_path: Path) -> None:
    path = tmp_path / "r1_users.py"
    path.write_text(REVISION, encoding="utf-8")
    for command in (["init", "-q"], ["add", "."]):
        subprocess.run(["git", *command], cwd=tmp_path, check=True)
    path.write_text(REVISION + "def broken(:\n", encoding="utf-8")
    assert read_in_git(path, "0" * 64)[3] is True
