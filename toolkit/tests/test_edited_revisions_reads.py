"""Reading which applied revisions were edited uses the heads its caller read already: the
version table is not read again on every status, check, revision and accept-edit."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from alembic_steward.runtime import _revision_checksums, _state_after_failure


def test_the_callers_heads_spare_reading_the_version_table_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def read_again(_connection: object) -> tuple[str, ...]:
        raise AssertionError("the version table was read again")

    recorded = {"r1": ("checksum", "r1.py"), "r2": ("checksum", "r2.py")}
    monkeypatch.setattr(_state_after_failure, "version_heads", read_again)
    monkeypatch.setattr(_revision_checksums, "recorded_checksums", lambda *_a: recorded)
    monkeypatch.setattr(_revision_checksums, "matches_file", lambda *_a: False)
    monkeypatch.setattr(
        _revision_checksums, "kept_checksums", lambda: SimpleNamespace(save=lambda: None)
    )
    downs = {"r1": None, "r2": "r1"}
    script = SimpleNamespace(get_revision=lambda r: SimpleNamespace(down_revision=downs[r]))
    edited = _revision_checksums.edited_revisions(None, script, ["r1"])  # type: ignore[arg-type]
    assert edited == ["r1"]  # r2 is pending here: its edit is no edit of this database
