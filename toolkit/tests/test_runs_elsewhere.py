"""Objects the database has in addition are blamed on a run of another branch's revision only
when a run here wrote its checksum row and no revision of this history, squash included, is it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from alembic_steward.inspection import _runs_elsewhere


@pytest.fixture
def history(monkeypatch: pytest.MonkeyPatch):
    """A history of r3 (the squash of r1 and r2) and r4; rows of r1, r2, r3, r4, x9 and s5, of
    which the stamp that recorded the version table wrote s5's."""
    from alembic.script import ScriptDirectory

    from alembic_steward.inspection import _database_state
    from alembic_steward.runtime import _config, _revision_checksums, _stamp_differences

    rows = {"r1": "", "r2": "", "r3": "", "r4": "", "x9": "", "s5": ""}
    revisions = [SimpleNamespace(revision=name) for name in ("r3", "r4")]
    script = SimpleNamespace(walk_revisions=lambda: iter(revisions))
    monkeypatch.setattr(_config, "build_alembic_config", lambda **_k: None)
    monkeypatch.setattr(ScriptDirectory, "from_config", lambda *_a, **_k: script)
    monkeypatch.setattr(_revision_checksums, "recorded_values", lambda _c: rows)
    monkeypatch.setattr(_stamp_differences, "rows_of_runs", lambda _c: set(rows) - {"s5"})
    monkeypatch.setattr(
        _database_state,
        "squashed_into",
        lambda revisions: {r: "r3" for r in revisions if r in ("r1", "r2")},
    )


def test_a_squashed_revisions_row_and_a_stamps_row_are_no_run_of_another_branch(
    history: None,
) -> None:
    assert _runs_elsewhere.runs_outside_history(None) == ("x9",)  # type: ignore[arg-type]
