"""`db.lint` flags a revision labelled expand that contracts, and a label that is neither."""

from __future__ import annotations

import pytest
from lint_cases import BASE_UPGRADE, DROP_EMAIL, line_of, lint_in_process, write_revision
from project import Project
from servers import DATABASE_KINDS

ADD_NICKNAME = '    op.add_column("users", sa.Column("nickname", sa.String(40), nullable=True))'


def labelled(project: Project, revision: str, down: str, upgrade: str, phase: str):
    relative = write_revision(project, revision, down, upgrade)
    path = project.path / relative
    path.write_text(path.read_text() + f'phase: str = "{phase}"\n')
    return relative


@pytest.mark.parametrize("kind", DATABASE_KINDS)
def test_a_drop_in_a_revision_labelled_expand_is_flagged(
    project: Project, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_revision(project, "p0", None, BASE_UPGRADE)
    risky = labelled(project, "p1", "p0", f"{ADD_NICKNAME}\n{DROP_EMAIL}", "expand")
    safe = labelled(project, "p2", "p1", ADD_NICKNAME.replace("nickname", "alias"), "expand")
    contract = labelled(project, "p3", "p2", '    op.drop_column("users", "alias")', "contract")

    linted = lint_in_process(project, kind, capsys)

    line = line_of(project, risky, DROP_EMAIL)
    assert f"{risky.as_posix()}:{line}: contract-operation-in-expand\n" in linted.stdout
    assert "DropColumnOp in a revision labelled expand" in linted.stdout
    assert linted.code == 1
    # Not the added column, nor the other revisions.
    assert linted.stdout.count(": contract-operation-in-expand\n") == 1
    assert f"{safe.as_posix()}:" not in linted.stdout
    assert f"{contract.as_posix()}:" in linted.stdout  # only for ban-drop-column


def test_a_label_that_is_neither_phase_is_flagged(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    relative = labelled(project, "p0", None, BASE_UPGRADE, "expnad")
    linted = lint_in_process(project, "sqlite", capsys)
    line = line_of(project, relative, 'phase: str = "expnad"')
    assert f"{relative.as_posix()}:{line}: unknown-phase\n" in linted.stdout


def test_a_revision_that_only_adds_but_is_labelled_contract_is_flagged(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    write_revision(project, "p0", None, BASE_UPGRADE)
    adds = labelled(project, "p1", "p0", ADD_NICKNAME, "contract")
    drops = labelled(project, "p2", "p1", '    op.drop_column("users", "nickname")', "contract")
    blank = labelled(project, "p3", "p2", "    pass", "contract")
    linted = lint_in_process(project, "sqlite", capsys)
    line = line_of(project, adds, 'phase: str = "contract"')
    assert f"{adds.as_posix()}:{line}: expand-only-in-contract\n" in linted.stdout
    assert linted.stdout.count(": expand-only-in-contract\n") == 1
    assert f"{blank.as_posix()}:" not in linted.stdout and drops != adds
