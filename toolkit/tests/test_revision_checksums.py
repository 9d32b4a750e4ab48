"""Revision checksums: the same under every supported Python, blind to layout, alert to code.

The sample revisions in revision_samples/ cover the syntax whose tree changed between Python
versions (f-strings, decorators, async code, type hints, walrus, match, docstrings, comments).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, select

from alembic_steward._checksum_format import CHECKSUM_LENGTH, FORMAT_TAG, code_checksum
from alembic_steward.runtime._revision_checksums import (
    ACCEPT_TASK,
    ChecksumRecorder,
    checksum_table,
    edited_revisions,
    file_checksum,
    prune_checksums,
    restamp_first_format,
    unverifiable_line,
    unverifiable_revisions,
)

SAMPLES = Path(__file__).parent / "revision_samples"
TOOLKIT_SOURCE = Path(__file__).parents[1] / "src"
SUPPORTED_PYTHONS = ["3.10.13", "3.11.7", "3.12.1", "3.13.0"]
# Run by each interpreter. SQLAlchemy and Alembic are blocked, so a checksum that needed them
# would fail here even where they happen to be installed.
CHECKSUM_SCRIPT = """
import json, sys
from pathlib import Path

sys.modules["sqlalchemy"] = sys.modules["alembic"] = None
from alembic_steward._checksum_format import code_checksum

paths = sorted(Path(sys.argv[1]).glob("*.py"))
print(json.dumps({path.name: code_checksum(path.read_text(encoding="utf-8")) for path in paths}))
"""
# What a checksum recorded under another Python looks like here: 64 hex digits of another text.
OTHER_PYTHONS_CHECKSUM = hashlib.sha256(b"ast.dump as another Python writes it").hexdigest()


def sample_checksums() -> dict[str, str]:
    paths = sorted(SAMPLES.glob("*.py"))
    return {path.name: code_checksum(path.read_text(encoding="utf-8")) for path in paths}


def checksum_as_first_written(path: Path) -> str:
    """The first format exactly as the toolkit computed it before the format tag existed."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    documented = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in ast.walk(tree):
        if isinstance(node, documented) and ast.get_docstring(node, clean=False) is not None:
            node.body = node.body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()


@pytest.mark.parametrize("version", SUPPORTED_PYTHONS)
def test_every_sample_has_the_same_checksum_under_each_supported_python(version: str) -> None:
    python = Path.home() / ".pyenv" / "versions" / version / "bin" / "python"
    if not python.exists():
        pytest.skip(f"Python {version} is not installed at {python}, so it cannot be compared")
    completed = subprocess.run(
        [python, "-c", CHECKSUM_SCRIPT, SAMPLES],
        env={**os.environ, "PYTHONPATH": str(TOOLKIT_SOURCE)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    expected = sample_checksums()
    assert len(expected) >= 5
    assert json.loads(completed.stdout) == expected


def test_a_checksum_is_tagged_and_fits_the_sha256_column() -> None:
    for checksum in sample_checksums().values():
        assert checksum.startswith(FORMAT_TAG) and len(checksum) == CHECKSUM_LENGTH == 64
        int(checksum.removeprefix(FORMAT_TAG), 16)


def test_the_current_format_gives_the_values_it_has_always_given() -> None:
    # Databases keep these values: a change here would make every applied revision look
    # edited. A new serialisation needs a new tag, read beside this one.
    assert sample_checksums() == {
        "a1_create_users.py": "v2:308b8a46d16deda00028faef6ed4240ef7b23f207b1cb2228c2c245f866db",
        "b2_fstrings_and_constants.py": (
            "v2:25f848f23aa336b9bb4d9b2d5020fd23e8f48fa8a2fe073b14b57de42c95b"
        ),
        "c3_async_decorators_types.py": (
            "v2:f5118a1bea10971d2b7b710c26e98db7e69eddc8ea3296d91a50fd44391a9"
        ),
        "d4_walrus_match.py": "v2:a1f6333efc566ffc7ed59df38c2943f97d9d922423e0a38bdf74d3d4c74f6",
        "e5_docstrings_only.py": "v2:791a58879b4d306795eed61834b93bddda2fae21906605172510f066e6151",
    }


# (sample, text, replacement): what `ruff format`, a comment or a reworded docstring changes.
UNCHANGED_CODE = {
    "comment added": (
        "a1_create_users.py",
        '    op.drop_table("users")',
        '    # ok\n    op.drop_table("users")',
    ),
    "call reformatted": (
        "a1_create_users.py",
        'op.drop_table("users")',
        "op.drop_table(\n        'users',\n    )",
    ),
    "docstring reworded": ("a1_create_users.py", '"""Upgrade schema."""', '"""Add users."""'),
    "docstring-only body written as pass": (
        "e5_docstrings_only.py",
        '    """Nothing to do."""',
        "    pass",
    ),
    "type comment changed": ("e5_docstrings_only.py", "# type: list[int]", "# type: list[str]"),
    "implicit concatenation": (
        "b2_fstrings_and_constants.py",
        'f"prefix {name} suffix{{literal}}"',
        '"prefix " f"{name}" " suffix" f"{{literal}}"',
    ),
    "u prefix": ("b2_fstrings_and_constants.py", '"legacy prefix"', 'u"legacy prefix"'),
    "redundant parentheses": (
        "c3_async_decorators_types.py",
        "return min(value, ceiling)",
        "return (min(value, ceiling))",
    ),
}
# (sample, text, replacement): each changes what the revision does.
CHANGED_CODE = {
    "string literal": ("a1_create_users.py", 'op.drop_table("users")', 'op.drop_table("people")'),
    "int to float": ("b2_fstrings_and_constants.py", "LIMITS = (0,", "LIMITS = (0.0,"),
    "True to 1": ("b2_fstrings_and_constants.py", "True, None)", "1, None)"),
    "bytes to str": ("b2_fstrings_and_constants.py", 'b"\\x00raw"', '"\\x00raw"'),
    "f-string conversion": (
        "b2_fstrings_and_constants.py",
        "{name!r} {name!s}",
        "{name!s} {name!s}",
    ),
    "f-string format spec": ("b2_fstrings_and_constants.py", "{score:.3f}", "{score:.2f}"),
    "f-string nested spec": ("b2_fstrings_and_constants.py", "{score:{spec}}", "{score:{spec}.}"),
    "f-string debug text": ("b2_fstrings_and_constants.py", "{score = }", "{score=}"),
    "decorator removed": ("c3_async_decorators_types.py", "@logged\ndef upgrade", "def upgrade"),
    "await removed": ("c3_async_decorators_types.py", "await stack.aclose()", "stack.aclose()"),
    "type hint": ("c3_async_decorators_types.py", "size: int = 100", "size: float = 100"),
    "walrus": ("d4_walrus_match.py", "(half := n // 2)", "(half := n // 3)"),
    "match guard": ("d4_walrus_match.py", "if number > 10:", "if number >= 10:"),
    "statement after a docstring": (
        "e5_docstrings_only.py",
        '    """Nothing to do."""',
        '    """Nothing to do."""\n    print("done")',
    ),
}


def edited_sample(sample: str, text: str, replacement: str) -> tuple[str, str]:
    source = (SAMPLES / sample).read_text(encoding="utf-8")
    assert source.count(text) == 1, f"{text!r} must occur once in {sample}"
    return source, source.replace(text, replacement)


@pytest.mark.parametrize(
    ("sample", "text", "replacement"), UNCHANGED_CODE.values(), ids=UNCHANGED_CODE
)
def test_layout_comments_and_docstrings_do_not_change_the_checksum(
    sample: str, text: str, replacement: str
) -> None:
    source, edited = edited_sample(sample, text, replacement)
    assert code_checksum(edited) == code_checksum(source)


@pytest.mark.parametrize(("sample", "text", "replacement"), CHANGED_CODE.values(), ids=CHANGED_CODE)
def test_an_edit_to_code_changes_the_checksum(sample: str, text: str, replacement: str) -> None:
    source, edited = edited_sample(sample, text, replacement)
    assert code_checksum(edited) != code_checksum(source)


@pytest.fixture
def script(tmp_path: Path) -> ScriptDirectory:
    """A history of the sample revisions, a1 to e5, in a folder of its own."""
    shutil.copytree(SAMPLES, tmp_path / "versions", ignore=shutil.ignore_patterns("__pycache__"))
    return ScriptDirectory(tmp_path)


@pytest.fixture
def connection() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        checksum_table().create(connection)
        yield connection


def record(connection: Connection, revision: str, checksum: str) -> None:
    connection.execute(checksum_table().insert().values(revision=revision, sha256=checksum))
    at_version(connection, revision)


def at_version(connection: Connection, revision: str) -> None:
    """Put the version table at ``revision`` (these samples are one line, recorded in order): an
    edit counts for applied revisions only."""
    from sqlalchemy import text

    connection.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num TEXT)"))
    connection.execute(text("DELETE FROM alembic_version"))
    connection.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})


def recorded(connection: Connection, revision: str) -> str:
    table = checksum_table()
    return connection.execute(select(table.c.sha256).where(table.c.revision == revision)).scalar()


def apply(connection: Connection, recorder: ChecksumRecorder, revision: str) -> None:
    """Call ``recorder`` as Alembic does once it has applied ``revision``."""
    step = SimpleNamespace(up_revision_ids=(revision,), is_upgrade=True, is_stamp=False)
    recorder(ctx=SimpleNamespace(as_sql=False, connection=connection), step=step)
    at_version(connection, revision)


def path_of(script: ScriptDirectory, revision: str) -> Path:
    return Path(script.get_revision(revision).path)


def rewrite(path: Path, text: str, replacement: str) -> None:
    """Edit ``path`` as an editor saving a second later would (a new modification time)."""
    before = path.stat().st_mtime_ns
    path.write_text(path.read_text(encoding="utf-8").replace(text, replacement), encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


def test_a_revision_is_reported_after_an_edit_to_its_code_and_not_after_a_comment(
    script: ScriptDirectory, connection: Connection
) -> None:
    recorder = ChecksumRecorder(script)
    for revision in ["a1", "b2", "c3", "d4", "e5"]:
        apply(connection, recorder, revision)
    assert recorded(connection, "a1").startswith(FORMAT_TAG)
    assert edited_revisions(connection, script) == []

    rewrite(
        path_of(script, "a1"), '    op.drop_table("users")', '    # ok\n    op.drop_table("users")'
    )
    assert edited_revisions(connection, script) == []
    rewrite(path_of(script, "a1"), 'op.drop_table("users")', 'op.drop_table("people")')
    assert edited_revisions(connection, script) == ["a1"]
    # A current-format checksum is exact: an edit is an edit, not a doubt.
    assert unverifiable_revisions(connection, ["a1"]) == []


def test_a_first_format_row_this_python_reproduces_is_trusted_then_restamped_by_a_run(
    script: ScriptDirectory, connection: Connection
) -> None:
    first_written = checksum_as_first_written(path_of(script, "a1"))
    record(connection, "a1", first_written)

    assert edited_revisions(connection, script) == []
    # Status only reads: the row keeps its first format until a migration run.
    assert recorded(connection, "a1") == first_written

    apply(connection, ChecksumRecorder(script), "b2")
    restamped = recorded(connection, "a1")
    assert restamped == code_checksum(path_of(script, "a1").read_text(encoding="utf-8"))
    assert edited_revisions(connection, script) == []


def test_a_first_format_row_of_an_edited_file_is_reported_after_the_run_too(
    script: ScriptDirectory, connection: Connection
) -> None:
    record(connection, "a1", checksum_as_first_written(path_of(script, "a1")))
    rewrite(path_of(script, "a1"), 'op.drop_table("users")', 'op.drop_table("people")')

    apply(connection, ChecksumRecorder(script), "b2")
    assert edited_revisions(connection, script) == ["a1"]


def test_reading_checksums_needs_no_right_to_write(script: ScriptDirectory, tmp_path: Path) -> None:
    database = tmp_path / "app.db"
    with create_engine(f"sqlite:///{database}").begin() as connection:
        checksum_table().create(connection)
        record(connection, "a1", checksum_as_first_written(path_of(script, "a1")))
        record(connection, "b2", OTHER_PYTHONS_CHECKSUM)

    read_only = create_engine(f"sqlite:///file:{database}?mode=ro&uri=true")
    with read_only.connect() as connection:
        assert edited_revisions(connection, script) == ["b2"]
        assert unverifiable_revisions(connection, ["b2"]) == ["b2"]


def test_a_first_format_row_this_python_cannot_reproduce_is_reported_until_accepted(
    script: ScriptDirectory, connection: Connection
) -> None:
    record(connection, "a1", OTHER_PYTHONS_CHECKSUM)

    assert edited_revisions(connection, script) == ["a1"]
    assert unverifiable_revisions(connection, ["a1"]) == ["a1"]
    line = unverifiable_line(["a1"])
    assert "a1" in line and "older format" in line and "git log -p" in line and ACCEPT_TASK in line
    # A run cannot tell an edit from a Python upgrade either, so it leaves the row alone.
    apply(connection, ChecksumRecorder(script), "b2")
    assert recorded(connection, "a1") == OTHER_PYTHONS_CHECKSUM

    # What `inv db.accept-checksums` does once the user has checked the file's history.
    assert restamp_first_format(connection, script, trust_files=True) == ["a1"]
    assert recorded(connection, "a1").startswith(FORMAT_TAG)
    assert edited_revisions(connection, script) == []


def test_a_kept_checksum_answers_only_for_the_very_text_it_was_computed_from(
    tmp_path: Path, monkeypatch
) -> None:
    from alembic_steward import _checksum_format
    from alembic_steward.runtime._kept_checksums import KeptChecksums

    source = (SAMPLES / "a1_create_users.py").read_text(encoding="utf-8")
    edited = source.replace('op.drop_table("users")', 'op.drop_table("people")')
    assert edited != source
    first = KeptChecksums(tmp_path / "checksums.json")
    value = first.checksum(source)
    first.save()

    def parsed(text: str) -> str:
        raise AssertionError("a kept text was parsed again")

    later = KeptChecksums(tmp_path / "checksums.json")
    with monkeypatch.context() as patched:
        patched.setattr(_checksum_format, "code_checksum", parsed)
        assert later.checksum(source) == value
    assert value == code_checksum(source)
    # An edit is a text never seen: parsed, never answered with the old file's value.
    assert later.checksum(edited) == code_checksum(edited) != value


def stamp(connection: Connection, script: ScriptDirectory, revision: str) -> None:
    """Stamp ``revision`` as `inv db.stamp` does: Alembic's stamp steps, with the callbacks."""
    from alembic.runtime.migration import MigrationContext

    recorder = ChecksumRecorder(script)
    opts = {"fn": lambda heads, _: script._stamp_revs(revision, heads), "script": script}
    context = MigrationContext.configure(connection, opts={**opts, "on_version_apply": [recorder]})
    context.run_migrations()


def test_a_stamp_records_the_checksums_of_the_revisions_it_marks_applied(
    script: ScriptDirectory, connection: Connection
) -> None:
    # A stamp says the database holds what those files build: a later edit to one of them is
    # then an edit to an applied revision, as after an upgrade.
    stamp(connection, script, "c3")
    assert recorded(connection, "a1") == file_checksum(path_of(script, "a1"))
    assert recorded(connection, "c3") == file_checksum(path_of(script, "c3"))
    rewrite(path_of(script, "b2"), "LIMITS = (0,", "LIMITS = (0.0,")
    assert edited_revisions(connection, script) == ["b2"]

    # Stamped back, the revisions it no longer counts applied keep their rows: no downgrade()
    # ran, so an upgrade must not run them again (runtime/_already_applied.py); `inv db.stamp`
    # drops them once it has compared the schema (prune_checksums). A row that was there
    # before the stamp (what ran) is kept, not overwritten with the file as it is now.
    stamp(connection, script, "a1")
    assert recorded(connection, "b2") is not None and recorded(connection, "c3") is not None
    prune_checksums(connection, script)
    assert recorded(connection, "b2") is None and recorded(connection, "c3") is None
    rewrite(path_of(script, "a1"), 'op.drop_table("users")', 'op.drop_table("people")')
    stamp(connection, script, "b2")
    assert edited_revisions(connection, script) == ["a1"]
