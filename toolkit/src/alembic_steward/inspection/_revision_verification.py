"""`inv db.revision` around autogenerate: refuse a difference that is the database's, and check
the written revision by running it.

Before writing, the database's own revision is built in a scratch database: a difference
between that and the live database is a hand-made change or a stamp mistake, and a revision
written from it would record the accident (exit 9 of `inv db.status`). After writing, the new
revision runs on the same scratch database; whatever still differs from the models is what
autogenerate did not write, and such a revision is removed again, every change the models need
named with what to write by hand (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.catalog import Catalog


class RevisionNotVerified(Exception):
    """The scratch database could not be built; the text says why. ``models_refused``: it was
    the models' own CREATE statements the server refused (ModelsNotDescribable)."""

    models_refused = False


@dataclass
class RevisionScratch:
    """A scratch database at the live database's revision, and the descriptions around it."""

    connection: Connection
    models: Catalog
    live: Catalog
    built: Catalog
    schemas: list[str]
    # What the migrations build at the heads, once unwritten_after_heads has run them.
    after: Catalog | None = None

    def database_differences(self) -> list[str]:
        """How the live database differs from what its revision builds (one line each)."""
        from alembic_steward.catalog import compare_catalogs
        from alembic_steward.inspection._catalog_drift import DATABASE, OWN_REVISION

        return [d.line(OWN_REVISION, DATABASE) for d in compare_catalogs(self.built, self.live)]

    def needed_by_hand(self) -> list[str]:
        """Every change the models need on top of the database's revision, each with what to
        write by hand (when what autogenerate wrote was removed)."""
        from alembic_steward.catalog import compare_catalogs
        from alembic_steward.inspection._by_hand import by_hand_line

        return [by_hand_line(d) for d in compare_catalogs(self.models, self.built)]

    def unwritten_after_heads(self) -> list[str]:
        """Upgrade the scratch database to the heads (the new revision with them); return what
        still differs from the models, each with what to write by hand.

        Raises CommandError or SQLAlchemyError when the revision fails on it.
        """
        from alembic_steward.catalog import compare_with_models
        from alembic_steward.inspection._by_hand import by_hand_line
        from alembic_steward.inspection._catalog_drift import live_catalog
        from alembic_steward.inspection._scratch_database import upgrade_scratch

        upgrade_scratch(self.connection, "heads")
        self.after = live_catalog(self.connection, self.schemas)
        return [by_hand_line(d) for d in compare_with_models(self.models, self.after)]

    def models_match(self) -> bool:
        """Whether the live database holds what the models need (what the models leave to the
        revisions aside: `database_differences` judges that)."""
        from alembic_steward.catalog import compare_with_models

        return not compare_with_models(self.models, self.live)


@contextmanager
def revision_scratch(connection: Connection, current: list[str]) -> Iterator[RevisionScratch]:
    """Yield a RevisionScratch for ``connection`` (at ``current``), or raise RevisionNotVerified
    when the models or the revision cannot be built in a scratch database."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import active_steward
    from alembic_steward.inspection._catalog_drift import ignored_tables, live_catalog
    from alembic_steward.inspection._drift_sides import blocking_url
    from alembic_steward.inspection._models_catalog import (
        ModelsNotDescribable,
        model_schemas,
        models_catalog,
    )
    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused, revision_built
    from alembic_steward.runtime._driver_errors import error_reason
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
        except ModelsNotDescribable as reason:
            not_verified = RevisionNotVerified(str(reason))
            not_verified.models_refused = reason.server_refuses
            raise not_verified from None
        except ScratchDatabaseRefused as refused:
            raise RevisionNotVerified(f"cannot create a scratch database ({refused})") from None
        except (CommandError, SQLAlchemyError) as error:
            reason = f"the migrations fail on an empty scratch database ({error_reason(error)})"
            raise RevisionNotVerified(reason) from None
        # Outside the try: what the caller's block raises is the caller's.
        yield RevisionScratch(scratch, models, live, built, schemas)
