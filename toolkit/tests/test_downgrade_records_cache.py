"""A downgrade's record of what it left is a hint for `inv db.status`: a cache folder it cannot
write, or a schema it cannot read, never fails the finished downgrade."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

from alembic_steward.runtime import _failed_runs
from alembic_steward.runtime._downgrade_runs import (
    forget_downgrade_leftovers,
    record_downgrade_leftovers,
)

CONNECTION = SimpleNamespace(engine=SimpleNamespace(url=make_url("sqlite:///app.db")))


def test_forgetting_in_a_cache_that_is_a_file_does_not_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cache").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("ALEMBIC_STEWARD_CACHE", str(tmp_path / "cache"))
    forget_downgrade_leftovers(CONNECTION)  # type: ignore[arg-type]


def test_a_schema_that_cannot_be_read_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(_connection: object) -> str:
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setenv("ALEMBIC_STEWARD_CACHE", str(tmp_path))
    monkeypatch.setattr(_failed_runs, "schema_fingerprint", unreadable)
    record_downgrade_leftovers(CONNECTION, ["r1"], ["r2"])  # type: ignore[arg-type]
    assert not list(tmp_path.rglob("*.json"))
