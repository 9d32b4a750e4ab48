"""Tasks for a history kept for years: the committed schema file and adopting a database.

Both build in a scratch database and compare catalog descriptions: `db.schema` never reads the
developer's database, and `db.baseline` stamps only on an exact match.
"""

from __future__ import annotations

import sys
from pathlib import Path

from invoke import Context, Exit, task

from alembic_steward.tasks._user_errors import exit_on_user_error

SCHEMA_FILE = "schema.{dialect}.txt"
PROGRESS_EVERY = 25


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

    from alembic_steward._wiring import active_steward, shown_path
    from alembic_steward.inspection._schema_file import (
        SchemaFileError,
        parse_schema,
        render_schema,
    )

    heads = list(ScriptDirectory.from_config(config).get_heads())
    for path in sorted(active_steward().migrations_dir.glob(SCHEMA_FILE.format(dialect="*"))):
        try:
            catalog, _old_heads = parse_schema(path.read_text(encoding="utf-8"))
        except SchemaFileError:
            continue  # `db.schema --check` says what is wrong with it
        text = render_schema(catalog, heads)
        if path.read_text(encoding="utf-8") != text:
            write_atomically(path, text)
            print(
                f"Updated {shown_path(path)} to the new head (a blank revision builds nothing;"
                " after you fill it in, `inv db.schema` rewrites it)."
            )


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


@task
@exit_on_user_error
def baseline(c: Context) -> None:
    """Adopt a database that was never migrated: stamp the revision that builds it exactly."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._baseline import closest_revisions, existing_version_table
    from alembic_steward.inspection._schema_build import describe_built
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.tasks._local_database import refuse_a_missing_sqlite_file
    from alembic_steward.tasks._scratch_builds import stopped_scratch_build

    refuse_a_missing_sqlite_file(
        ", so there is nothing to adopt; fix DATABASE_URL (`inv db.url` shows where it is set);"
        " nothing was stamped, and no file was created"
    )
    config = build_alembic_config()
    script = ScriptDirectory.from_config(config)
    with get_blocking_engine().connect() as connection:
        version_table = existing_version_table(connection)
        if version_table is not None:
            raise Exit(f"error: {version_table}; `inv db.status` says where it stands", code=1)
        live = describe_built(connection)
    if not live.owners():
        raise Exit(
            "error: the database is empty, so there is nothing to adopt; run `inv db.upgrade`"
            " to build it; nothing was stamped",
            code=1,
        )
    if not script.get_heads():
        raise Exit(
            "error: the history has no revision yet, so none can build this database; write an"
            " initial revision that builds this schema, then run `inv db.baseline` again;"
            " nothing was stamped",
            code=1,
        )
    with stopped_scratch_build("db.baseline", unstamped_line):
        match = closest_revisions(script, server_url(), live, progress_line)
    if match.differences:
        print(f"The database against revision {match.revision}, the closest:")
        for difference in match.differences:
            print(f"  {difference.line(f'revision {match.revision}', 'the database')}")
        raise Exit(
            f"error: no revision builds this database exactly; the closest, {match.revision},"
            f" differs in {len(match.differences)} object(s) listed above; make the database"
            " match one (or write a revision that builds it) and run `inv db.baseline` again;"
            " nothing was stamped",
            code=1,
        )
    command.stamp(config, match.revision)
    also = match.identical_later
    print(
        f"Stamped the database at {match.revision}: its schema is exactly what that revision"
        " builds."
        + (
            f" Later revision(s) {', '.join(also)} change no schema; `inv db.upgrade` runs them."
            if also
            else ""
        )
    )


def unstamped_line() -> str:
    """What a baseline stopped before its stamp left: the version table, read again."""
    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._baseline import existing_version_table
    from alembic_steward.runtime._driver_errors import error_reason

    try:
        with get_blocking_engine().connect() as connection:
            version_table = existing_version_table(connection)
    except Exception as error:  # noqa: BLE001 - the line says it could not be read
        return (
            f"nothing was stamped (the database could not be read after it: {error_reason(error)})"
        )
    if version_table is None:
        return "nothing was stamped: the database still has no version table (read after it)"
    return f"{version_table} (read after it)"


def progress_line(done: int, total: int) -> None:
    if total > PROGRESS_EVERY and (done % PROGRESS_EVERY == 0 or done == total):
        print(f"baseline: built and compared {done}/{total} revisions", file=sys.stderr)
