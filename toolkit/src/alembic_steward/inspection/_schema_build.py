"""What the migrations build, read from a scratch database: never the developer's own database,
whose leftovers (a table made by hand, an index from an abandoned branch) would leak in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import URL, Connection

    from alembic_steward.catalog import Catalog


def schema_scope() -> list[str]:
    """The schemas besides the default one that descriptions cover: those the models name."""
    from alembic_steward.runtime._bookkeeping import model_schemas

    return sorted(model_schemas())


def describe_built(connection: Connection) -> Catalog:
    """The description of a scratch database, less Alembic's and the toolkit's own tables."""
    from alembic_steward.inspection._catalog_drift import live_catalog

    return live_catalog(connection, schema_scope())


def catalog_at_heads(server: URL) -> Catalog:
    """Migrate a scratch database beside ``server`` to every head and describe it.

    Raises ScratchDatabaseRefused, or CommandError / SQLAlchemyError when a migration fails.
    """
    from alembic_steward.inspection._scratch_database import revision_built

    with revision_built(server, ["heads"], label="schema") as connection:
        return describe_built(connection)


def linear_revisions(script: ScriptDirectory) -> list[str]:
    """Every revision, each after all it depends on (base first)."""
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def whole_prefixes(script: ScriptDirectory, revisions: list[str]) -> set[str]:
    """The revisions in ``revisions`` (base first) after which exactly they and their ancestors
    are applied: on a branched history, a scratch database migrated along that order holds
    half of another branch at the others, so it is not what a database at them would be."""
    applied: set[str] = set()
    whole = set()
    for revision in revisions:
        applied.add(revision)
        ancestors = {each.revision for each in script.iterate_revisions(revision, "base")}
        if ancestors == applied:
            whole.add(revision)
    return whole


def each_revision_built(
    server: URL, revisions: list[str], progress: Callable[[int], None]
) -> Iterator[tuple[str, Catalog]]:
    """Migrate one scratch database one revision at a time, yielding each revision's description.

    ``progress`` is called with the count done after each step. Raises as catalog_at_heads.
    """
    from alembic_steward.inspection._scratch_database import revision_built, upgrade_scratch

    with revision_built(server, [], label="schema") as connection:
        for done, revision in enumerate(revisions, start=1):
            upgrade_scratch(connection, revision)
            yield revision, describe_built(connection)
            progress(done)
