"""`inv db.accept-edit` weighs only what the edit changes: a hand change elsewhere in the
database neither refuses the edit nor is blamed on it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from alembic_steward.catalog import Difference
from alembic_steward.inspection import _revision_comparison, _unrun_edits
from alembic_steward.inspection._unrun_edits import EditedNames
from alembic_steward.tasks._checksums import refuse_what_the_database_lacks

# The edit added column t.c7 where the text that ran had t.c6.
EDIT = EditedNames(frozenset({"t", "c7"}), frozenset({"t", "c6"}), upgrade_changed=True)
HAND_DROP = Difference("column", "users.phone", "missing")
HAND_ADD = Difference("index", "ix_hand", "unexpected")
EDIT_ADDS = Difference("column", "t.c7", "missing")
EDIT_REMOVES = Difference("column", "t.c6", "unexpected")


def refused_or_left(monkeypatch: pytest.MonkeyPatch, found: list[Difference]) -> object:
    compared = SimpleNamespace(found=found)
    monkeypatch.setattr(_revision_comparison, "compare_with_revision", lambda *_a, **_k: compared)
    monkeypatch.setattr(_unrun_edits, "edits_names", lambda *_a: {"r1": EDIT}, raising=False)
    connection = SimpleNamespace(rollback=lambda: None)
    return refuse_what_the_database_lacks(connection, ["r1"], ["r1"])  # type: ignore[arg-type]


def test_a_hand_change_elsewhere_neither_refuses_the_edit_nor_is_blamed_on_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    left = refused_or_left(monkeypatch, [HAND_DROP, HAND_ADD, EDIT_REMOVES])
    assert left == (["column t.c6"], True)


def test_what_the_edit_adds_and_the_database_lacks_still_refuses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from alembic.util import CommandError

    with pytest.raises(CommandError, match="t.c7"):
        refused_or_left(monkeypatch, [HAND_DROP, EDIT_ADDS])
