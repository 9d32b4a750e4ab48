"""INV_TRACEBACK is a boolean as a shell user writes one: `INV_TRACEBACK=0` (or `false`) keeps
the one-line errors; it used to turn tracebacks on, as any text that was not empty did."""

from __future__ import annotations

from pathlib import Path

import pytest
from project import Project, revision_source

from alembic_steward.runtime._traceback_switch import read_switch, tracebacks_wanted


@pytest.mark.parametrize(
    ("value", "wanted"),
    [
        (None, False),
        ("", False),
        ("0", False),
        ("false", False),
        ("No", False),
        (" off ", False),
        ("1", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
    ],
)
def test_the_variable_reads_as_on_or_off(
    monkeypatch: pytest.MonkeyPatch, value: str | None, wanted: bool
) -> None:
    if value is None:
        monkeypatch.delenv("INV_TRACEBACK", raising=False)
    else:
        monkeypatch.setenv("INV_TRACEBACK", value)
    assert tracebacks_wanted() is wanted


def test_a_value_neither_on_nor_off_is_off_with_one_warning_naming_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    read_switch.cache_clear()
    assert read_switch("verbose") is False and read_switch("verbose") is False
    warned = capsys.readouterr().err.splitlines()
    assert len(warned) == 1 and warned[0].startswith("warning: INV_TRACEBACK='verbose' is"), warned


def test_inv_traceback_false_keeps_a_failed_migration_to_its_lines(tmp_path: Path) -> None:
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{tmp_path}/s.db")
    project.write_revision(
        "0001_fails.py", revision_source("0001", None, "    op.execute('SELECT * FROM nowhere')")
    )
    failed = project.run("inv", "db.upgrade", env={"INV_TRACEBACK": "false"})
    assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
    assert "\nerror: migration 0001 (0001) failed in upgrade()" in failed.stderr
