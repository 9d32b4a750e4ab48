"""A rebase or merge that rewrote and staged the history stands when its schema file cannot be
rebuilt, whatever stops the build: one warning says so and how to rebuild it."""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_steward import _wiring
from alembic_steward.tasks import _history, _schema_conflicts


@pytest.fixture
def schema_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "schema.sqlite.txt"
    path.write_text("<<<<<<< HEAD\n", encoding="utf-8")
    monkeypatch.setattr(_schema_conflicts, "schema_file_paths", lambda: [path])
    monkeypatch.setattr(_schema_conflicts, "unmerged_in_git", lambda _paths: set())
    monkeypatch.setattr(_wiring, "project_root", lambda: tmp_path)
    return path


def without_database_url() -> None:
    from alembic_steward.urls import DatabaseUrlError

    raise DatabaseUrlError("DATABASE_URL is not set")


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(lambda: without_database_url(), id="no DATABASE_URL"),
        pytest.param(lambda: __import__("app_models_missing"), id="models not importable"),
    ],
)
def test_a_schema_file_that_cannot_be_rebuilt_is_a_warning_after_the_rewritten_history(
    schema_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, stop
) -> None:
    monkeypatch.setattr(_history, "server_url", stop)
    _schema_conflicts.rebuild_schema_files(True, True, "generated")
    out = capsys.readouterr().out
    assert "warning: schema.sqlite.txt (generated) could not be rebuilt" in out, out
    assert "run `inv db.schema`, then `git add schema.sqlite.txt`" in out, out


def test_a_revision_that_fails_to_build_is_a_warning_too(
    schema_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from sqlalchemy import make_url

    def failing(_path: Path) -> str:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(_history, "server_url", lambda: make_url("sqlite://"))
    monkeypatch.setattr(_history, "schema_path", lambda _backend: schema_file)
    monkeypatch.setattr(_schema_conflicts, "write_schema_file", failing)
    _schema_conflicts.rebuild_schema_files(True, True, "generated")
    assert "could not be rebuilt (ZeroDivisionError" in capsys.readouterr().out
