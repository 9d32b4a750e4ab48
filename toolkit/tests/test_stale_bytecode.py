"""A revision runs from its source: never from bytecode the source has outgrown, nor from bytecode
alone.

Python's own loader trusts a cached .pyc whose recorded modification time and size match the
source, so an edit that keeps both (within one second, or a copy that restores times) would run
the old code while `db.status`, reading the source, says all is well.
"""

from __future__ import annotations

import os
import py_compile
from pathlib import Path

import pytest
from project import Project, revision_source
from servers import ServerDatabase, only_on

REVISION = revision_source(
    "a1",
    None,
    '    op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True),'
    ' sa.Column("aaaa", sa.Integer()))',
    '    op.drop_table("t")',
)
# Bytecode writing on, as outside this test environment (it sets PYTHONDONTWRITEBYTECODE).
WRITING_BYTECODE = {"PYTHONDONTWRITEBYTECODE": ""}


def edit_keeping_size_and_time(path: Path, old: str, new: str) -> None:
    """Edit ``path`` as a same-second save, or a copy restoring times (`cp -p`), leaves it."""
    assert len(old) == len(new)
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def compile_as_a_build_does(project: Project) -> None:
    """What `python -m compileall` in a Docker build leaves: bytecode checked by time and size."""
    compiled = project.run(
        "python",
        "-m",
        "compileall",
        "-q",
        "--invalidation-mode",
        "timestamp",
        str(project.versions),
    )
    assert compiled.returncode == 0, compiled.stderr
    assert list((project.versions / "__pycache__").glob("a1.*.pyc"))


@only_on(
    "sqlite",
    "mysql",
    why="revisions load the same way whatever the database; a server's scratch build besides",
)
def test_an_edited_revision_runs_its_source_though_its_bytecode_looks_fresh(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    path = project.write_revision("a1.py", REVISION)
    compile_as_a_build_does(project)
    edit_keeping_size_and_time(path, '"aaaa"', '"bbbb"')

    project.inv("db.upgrade", env=env)
    assert database.columns("t") == {"id", "bbbb"}
    # The rebuilt revision the status compares with ran from the source too: no difference.
    status = project.run("inv", "db.status", env=env)
    assert "database: against its revision rebuilt: same" in status.stdout, status.stdout


@pytest.mark.parametrize(
    "command",
    [["alembic", "upgrade", "head"], ["python", "-m", "app.migrations", "upgrade"]],
    ids=["alembic", "python-m"],
)
def test_raw_alembic_and_the_deploy_command_run_the_source_too(
    project: Project, command: list[str]
) -> None:
    path = project.write_revision("a1.py", REVISION)
    compile_as_a_build_does(project)
    edit_keeping_size_and_time(path, '"aaaa"', '"bbbb"')

    completed = project.run(*command)
    assert completed.returncode == 0, completed.stderr
    columns = project.run(
        "python",
        "-c",
        "import sqlite3; print(sqlite3.connect('fixture_service.db')"
        ".execute('SELECT * FROM t').description)",
    ).stdout
    assert "bbbb" in columns and "aaaa" not in columns


def test_bytecode_cached_for_a_revision_is_checked_against_its_source(project: Project) -> None:
    project.write_revision("a1.py", REVISION)
    project.inv("db.upgrade", env=WRITING_BYTECODE)

    (cached,) = (project.versions / "__pycache__").glob("a1.*.pyc")
    # PEP 552: flags 0b11, a hash of the source that Python checks before using the code.
    assert int.from_bytes(cached.read_bytes()[4:8], "little") == 0b11


def test_a_revision_present_only_as_bytecode_is_refused(project: Project) -> None:
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("[tool.alembic]\n", "[tool.alembic]\nsourceless = true\n")
    )
    source = project.write_revision("a1.py", REVISION)
    py_compile.compile(str(source), cfile=str(project.versions / "a1.pyc"), doraise=True)
    source.unlink()

    for command in (["inv", "db.upgrade"], ["alembic", "upgrade", "head"]):
        completed = project.run(*command)
        assert completed.returncode != 0, completed.stdout + completed.stderr
        assert "Traceback" not in completed.stderr
        lines = [
            line
            for line in (completed.stderr + completed.stdout).splitlines()
            if line.startswith(("error: ", "FAILED: "))
        ]
        assert len(lines) == 1, completed.stderr
        assert "a1.pyc is a revision without its source file" in lines[0]
        assert "nothing was run" in lines[0]
    tables = project.run(
        "python",
        "-c",
        "import sqlite3; print(sqlite3.connect('fixture_service.db')"
        ".execute(\"SELECT name FROM sqlite_master WHERE name = 't'\").fetchall())",
    ).stdout
    assert tables.strip() == "[]"
