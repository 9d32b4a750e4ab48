"""The committed schema file of a history kept for years: `db.schema` writes and checks it, and
the tasks that add a revision keep its heads line current.

It is built in a scratch database, never read from the developer's database; adopting a
database (`db.baseline`) is tasks/_adoption.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from invoke import Context, Exit, task

from alembic_steward.tasks._user_errors import exit_on_user_error

if TYPE_CHECKING:
    from alembic_steward.catalog import Catalog

SCHEMA_FILE = "schema.{dialect}.txt"


def schema_path(dialect: str) -> Path:
    """Where the schema file of ``dialect`` lives: beside versions/, one per kind of database."""
    from alembic_steward._wiring import active_steward

    return active_steward().migrations_dir / SCHEMA_FILE.format(dialect=dialect)


def server_url():
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_settings

    return make_url(get_settings().blocking_database_url)


@task(
    help={
        "check": "Write nothing; exit 1 naming what differs when the file is stale (for CI)",
    }
)
@exit_on_user_error
def schema(c: Context, check: bool = False) -> None:
    """Write the schema the migrations build at head to app/migrations/schema.<database>.txt."""
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import shown_path
    from alembic_steward.inspection._schema_build import catalog_at_heads
    from alembic_steward.inspection._schema_file import render_schema
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.tasks._scratch_builds import never_touched, stopped_scratch_build

    path = schema_path(server_url().get_backend_name())
    before = path.read_bytes() if path.is_file() else None

    def file_state() -> str:
        now = path.read_bytes() if path.is_file() else None
        if now == before:
            return f"{shown_path(path)} was not changed; {never_touched('db.schema')}"
        return (
            f"{shown_path(path)} had been rewritten whole when it stopped;"
            f" {never_touched('db.schema')}"
        )

    with stopped_scratch_build("db.schema --check" if check else "db.schema", file_state):
        heads = list(ScriptDirectory.from_config(build_alembic_config()).get_heads())
        catalog = catalog_at_heads(server_url())
        text = render_schema(catalog, heads)
        shown = shown_path(path)
        if check:
            check_schema_file(path, text, catalog, heads)
            print(f"{shown} is current: it describes head {','.join(heads) or 'base'}.")
            return
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            print(
                f"{shown} is already current (head {','.join(heads) or 'base'}); nothing written."
            )
            return
        write_atomically(path, text)
        count = len(catalog.owners())
        print(f"Wrote {shown}: the schema at head {','.join(heads) or 'base'} ({count} objects).")


def refresh_schema_file(catalog, config) -> None:
    """Rewrite the schema file from ``catalog`` (what the migrations now build at head), if the
    project keeps one for this kind of database: the new revision and its file commit together."""
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import shown_path
    from alembic_steward.inspection._schema_file import render_schema

    path = schema_path(catalog.dialect)
    if not path.is_file():
        return
    heads = list(ScriptDirectory.from_config(config).get_heads())
    text = render_schema(catalog, heads)
    if path.read_text(encoding="utf-8") != text:
        write_atomically(path, text)
        print(f"Updated {shown_path(path)}: commit it with the revision.")


def refresh_schema_heads(config) -> None:
    """After a blank revision, which builds nothing: the schema files name the new head."""
    from alembic.script import ScriptDirectory

    heads = list(ScriptDirectory.from_config(config).get_heads())
    for path, catalog, _old_heads in written_schema_files():
        rewrite_heads(
            path,
            catalog,
            heads,
            "a blank revision builds nothing; after you fill it in, `inv db.schema` rewrites it",
        )


def refresh_merged_schema_heads(config, joined: Sequence[str]) -> None:
    """After a merge revision, which builds nothing new (what the ``joined`` heads built
    together): the schema files written at exactly those heads name the merge. One written at
    other heads was stale before; what the merged history builds only a build can tell."""
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import shown_path

    heads = list(ScriptDirectory.from_config(config).get_heads())
    for path, catalog, old_heads in written_schema_files():
        if sorted(old_heads) == sorted(joined):
            rewrite_heads(path, catalog, heads, "a merge revision builds nothing new")
            continue
        was = ",".join(old_heads) or "base"
        print(
            f"warning: {shown_path(path)} was written at head {was}, not at the heads the merge"
            f" joins ({','.join(joined)}): run `inv db.schema`, which builds the merged history,"
            " and commit the file with the merge revision"
        )


def written_schema_files() -> Iterator[tuple[Path, Catalog, list[str]]]:
    """Each schema file `inv db.schema` wrote, with what it describes and the heads it names;
    one it did not write is left alone (`db.schema --check` says what is wrong with it)."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.inspection._schema_file import SchemaFileError, parse_schema

    for path in sorted(active_steward().migrations_dir.glob(SCHEMA_FILE.format(dialect="*"))):
        try:
            catalog, old_heads = parse_schema(path.read_text(encoding="utf-8"))
        except SchemaFileError:
            continue
        yield path, catalog, old_heads


def rewrite_heads(path: Path, catalog: Catalog, heads: list[str], why: str) -> None:
    """Write ``path`` again naming ``heads``, its description kept; ``why`` that is right."""
    from alembic_steward._wiring import shown_path
    from alembic_steward.inspection._schema_file import render_schema

    text = render_schema(catalog, heads)
    if path.read_text(encoding="utf-8") != text:
        write_atomically(path, text)
        print(f"Updated {shown_path(path)} to the new head ({why}).")


def check_schema_file(path: Path, text: str, catalog, heads: list[str]) -> None:
    """Exit 1 unless ``path`` holds ``text``, listing each difference as the migrations see it."""
    from alembic_steward._wiring import shown_path
    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._schema_file import SchemaFileError, parse_schema

    shown = shown_path(path)
    advice = "run `inv db.schema` and commit the file"
    if not path.is_file():
        raise Exit(f"error: {shown} does not exist; {advice}", code=1)
    written = path.read_text(encoding="utf-8")
    if written == text:
        return
    try:
        old, old_heads = parse_schema(written)
    except SchemaFileError as error:
        raise Exit(
            f"error: {shown} was not written by `inv db.schema` ({error}); {advice}", code=1
        ) from None
    differences = compare_catalogs(old, catalog)
    print(f"{shown} is stale:")
    for difference in differences:
        print(f"  {difference.line(shown, 'the migrations at head')}")
    if sorted(old_heads) != sorted(heads):
        was, now = ",".join(old_heads) or "base", ",".join(heads) or "base"
        print(f"  it was written at head {was}; the head is now {now}")
    if not differences and sorted(old_heads) == sorted(heads):
        print("  its text differs from what `inv db.schema` writes (edited by hand?)")
    raise Exit(f"error: {shown} does not describe what the migrations build; {advice}", code=1)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` whole or not at all: an interrupted write leaves the old file."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)  # a signal between the two: no half-written copy
