"""`inv db.revision` around autogenerate: refuse a difference that is the database's, and check
the written revision by running it.

Before writing, the database's own revision is built in a scratch database: a difference
between that and the live database is a hand-made change or a stamp mistake, and a revision
written from it would record the accident (exit 9 of `inv db.status`). After writing, the new
revision runs on the same scratch database; whatever still differs from the models is what
autogenerate did not write, named with what to add to the file by hand. A file that fails there
is kept too, the failing call named (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.catalog import Catalog
    from alembic_steward.inspection._failing_operation import FailingOperation
    from alembic_steward.inspection._lost_objects import LostObject
    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused


class RevisionNotVerified(Exception):
    """The scratch database could not be built; the text says why. Models the server itself
    refuses are not this but UnbuildableModels: no revision written from them could apply.
    ``history_fails``: the migrations themselves fail on an empty database, not the server's
    condition at the time nor a refused scratch database. ``refused``: the server refused the
    scratch database itself (no right to create one); ``grant`` then says what to grant, when
    that is why (inspection/_scratch_grants.py)."""

    def __init__(
        self, reason: str, *, history_fails: bool = False, refused: bool = False, grant: str = ""
    ) -> None:
        super().__init__(reason)
        self.history_fails = history_fails
        self.refused, self.grant = refused, grant


@dataclass
class RevisionScratch:
    """A scratch database at the live database's revision, and the descriptions around it."""

    # The scratch database, and the live one (whose address keys what is kept).
    connection: Connection
    live_connection: Connection
    models: Catalog
    live: Catalog
    built: Catalog
    schemas: list[str]
    # The live database's revision(s): what ``built`` is the build of.
    current: list[str] = field(default_factory=list)
    # What the migrations build at the heads, once unwritten_after_heads has run them.
    after: Catalog | None = None
    # What still differs from the models there, each with what to write by hand.
    left: list[str] = field(default_factory=list)
    # The triggers and indexes made by hand the new revision loses (SQLite's batch mode).
    lost: list[LostObject] = field(default_factory=list)

    def database_differences(self) -> list[str]:
        """How the live database differs from what its revision builds (one line each)."""
        from alembic_steward.catalog import compare_catalogs
        from alembic_steward.inspection._catalog_drift import DATABASE, OWN_REVISION

        return [d.line(OWN_REVISION, DATABASE) for d in compare_catalogs(self.built, self.live)]

    def database_additions(self) -> list[str]:
        """What the live database has in addition to its revision's build, when that is every
        difference (inspection/_drift_sides.py ``additions_only``)."""
        from alembic_steward.catalog import compare_catalogs
        from alembic_steward.inspection._drift_sides import additions_only

        return additions_only(compare_catalogs(self.built, self.live))

    def database_lacks(self) -> bool:
        """Whether the live database lacks something its revision builds that no restoring
        statement makes again (a stamp explains only that: inspection/_restoring_statements.py)."""
        from alembic_steward.catalog import compare_catalogs
        from alembic_steward.inspection._restoring_statements import lacks_unrestored

        return lacks_unrestored(compare_catalogs(self.built, self.live), self.built)

    def restoring(self) -> list[str]:
        """The statements that undo some of how the live database differs from its revision's
        build (inspection/_restoring_statements.py), as status names them."""
        from alembic_steward.catalog import compare_catalogs
        from alembic_steward.inspection._restoring_statements import restoring_statements

        return restoring_statements(compare_catalogs(self.built, self.live), self.built)

    def enum_values_alone(self) -> list[str]:
        """The values the live database's enum types have in addition to its revision's build
        (`mood 'meh'`), when they are every difference; else []."""
        from alembic_steward.catalog import compare_catalogs
        from alembic_steward.inspection._enum_values import enum_values_added, enum_values_only

        differences = compare_catalogs(self.built, self.live)
        return enum_values_added(differences) if enum_values_only(differences) else []

    def never_written(self) -> list[str]:
        """The changes the models need that autogenerate never writes (a schema, a sequence),
        each with what to add by hand: true whatever the written file did on the scratch
        database, as they are read from the build before it."""
        from alembic_steward.catalog import compare_catalogs
        from alembic_steward.inspection._by_hand import NEVER_WRITTEN, by_hand_line
        from alembic_steward.inspection._catalog_drift import imported_metadata

        metadata = imported_metadata()
        return [
            by_hand_line(difference, metadata, dialect=self.connection.dialect.name)
            for difference in compare_catalogs(self.models, self.built, floors=True)
            if difference.kind in NEVER_WRITTEN and difference.change == "missing"
        ]

    def identity_change(self, operation: FailingOperation) -> str | None:
        """How to write the identity change of the column a failing `alter_column` names,
        read from the build before it (None when its column's identity is not what differs)."""
        from alembic_steward.catalog import compare_catalogs
        from alembic_steward.inspection._by_hand import identity_hint

        if not operation.call.startswith("op.alter_column(") or len(operation.names) < 2:
            return None
        subject = ".".join(operation.names[:2])
        for difference in compare_catalogs(self.models, self.built, floors=True):
            if difference.kind == "column" and difference.subject == subject:
                return identity_hint(difference)
        return None

    def unwritten_after_heads(self) -> list[str]:
        """Upgrade the scratch database to the heads (the new revision with them); return what
        still differs from the models, each with what to write by hand.

        Raises CommandError or SQLAlchemyError when the revision fails on it.
        """
        from alembic_steward.catalog import compare_with_models
        from alembic_steward.inspection._by_hand import by_hand_line
        from alembic_steward.inspection._catalog_drift import imported_metadata, live_catalog
        from alembic_steward.inspection._kept_builds import keep_build
        from alembic_steward.inspection._lost_objects import lost_objects, statements_sent
        from alembic_steward.inspection._scratch_database import upgrade_scratch

        with statements_sent(self.connection) as statements:
            upgrade_scratch(self.connection, "heads")
        self.after = live_catalog(self.connection, self.schemas)
        self.lost = lost_objects(self.built, self.after, statements)
        # What the database will be once upgraded: its first check reuses this.
        keep_build(self.live_connection, heads(), self.schemas, self.after)
        # And what it was before, kept again now that the new file is among the files that key
        # it: a downgrade back to it is compared with this (tasks/_downgrade_result.py).
        if self.current:
            keep_build(self.live_connection, self.current, self.schemas, self.built)
        metadata = imported_metadata()
        dialect = self.connection.dialect.name
        self.left = [
            by_hand_line(d, metadata, dialect=dialect)
            for d in compare_with_models(self.models, self.after)
        ]
        return self.left

    def downgrade_check(self, names: str) -> str | None:
        """Run the new revision's downgrade back to ``current`` and print what it leaves or
        loses of ``built``, one warning each; return what is wrong with it, or None
        (inspection/_written_downgrades.py). Once unwritten_after_heads has run."""
        from alembic_steward.inspection._written_downgrades import written_downgrade_check

        lines, wrong = written_downgrade_check(
            self.connection, self.current, self.built, self.schemas, names
        )
        for line in lines:
            print(f"warning: {line}")
        return wrong

    def models_match(self) -> bool:
        """Whether the live database holds what the models need (what the models leave to the
        revisions aside: `database_differences` judges that)."""
        from alembic_steward.catalog import compare_with_models

        return not compare_with_models(self.models, self.live)


def heads() -> list[str]:
    """The history's heads, read from the revision files (the new one among them)."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    return list(ScriptDirectory.from_config(build_alembic_config()).get_heads())


def scratch_refused(refused: ScratchDatabaseRefused) -> RevisionNotVerified:
    """The scratch database's refusal, as `inv db.revision` refuses to write for it."""
    reason = f"cannot create a scratch database ({refused})"
    return RevisionNotVerified(reason, refused=True, grant=refused.grant)


@contextmanager
def revision_scratch(connection: Connection, current: list[str]) -> Iterator[RevisionScratch]:
    """Yield a RevisionScratch for ``connection`` (at ``current``), or raise RevisionNotVerified
    when the models or the revision cannot be built in a scratch database; UnbuildableModels
    (`db.status`'s line, exit 14 there) when this server refuses the models' own statements."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import active_steward
    from alembic_steward.inspection._catalog_drift import ignored_tables, live_catalog
    from alembic_steward.inspection._drift_sides import blocking_url
    from alembic_steward.inspection._kept_builds import keep_build
    from alembic_steward.inspection._models_catalog import (
        ModelsNotDescribable,
        model_schemas,
        models_catalog,
    )
    from alembic_steward.inspection._revision_comparison import failing_build
    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused, revision_built
    from alembic_steward.inspection._unbuildable_defaults import UnbuildableModels, refused_models
    from alembic_steward.runtime._model_modules import import_model_modules

    import_model_modules()
    metadata = active_steward().get_metadata()
    schemas = model_schemas(metadata)
    with ExitStack() as stack:
        try:
            models = models_catalog(connection, metadata, ignored_tables())
            live = live_catalog(connection, schemas)
            scratch = stack.enter_context(revision_built(blocking_url(connection), current))
            built = live_catalog(scratch, schemas)
            keep_build(connection, current, schemas, built)
        except ModelsNotDescribable as reason:
            if reason.server_refuses:  # a revision written from them fails here too
                dialect = connection.dialect
                raise refused_models(reason.table, reason.server_said, dialect) from None
            if reason.scratch_refused is not None:
                raise scratch_refused(reason.scratch_refused) from None
            raise RevisionNotVerified(str(reason)) from None
        except ScratchDatabaseRefused as refused:
            raise scratch_refused(refused) from None
        except UnbuildableModels:
            raise  # autogenerate could not render them either: its own line says why
        except (CommandError, SQLAlchemyError) as error:
            from alembic_steward.inspection._unbuilt_revisions import unbuilt

            sides = unbuilt(error)
            reason = sides.skipped or failing_build(error)
            raise RevisionNotVerified(reason, history_fails=sides.history_fails) from None
        # Outside the try: what the caller's block raises is the caller's.
        yield RevisionScratch(scratch, connection, models, live, built, schemas, list(current))
