"""Descriptions of what the migrations build at a revision, kept between runs.

`inv db.check` and `inv db.status` compare the live database with what its own revision builds
even when the models match it: a column added by hand *and* to the models matches them, yet no
revision builds it, and every fresh database lacks it. Building 300 revisions takes seconds, so
each build's description is kept, keyed by everything that decides what the build is: the
revision files' bytes (every file in versions/, so a new or edited one is a new key), the
project's env.py, the wiring's Alembic options, the revisions built to, the schemas described,
and the server (its address, database and version, as for the models' description, and on
MySQL/MariaDB the database's character set, which a scratch database takes). Every
scratch build of a revision keeps one: status and check, and `inv db.revision` (before and
after its new file), so the first check after a new revision is applied usually reuses the
build `inv db.revision` already made.

A revision whose upgrade reads something outside these (the models' code, an environment
variable, the data) is kept as it was built: docs/decisions.md, "Drift: which side is wrong".
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_steward._cache import keep, keyed_path

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.catalog import Catalog

FOLDER = "revision-builds"
# Enough for a few databases and branches; each file is one description (tens of kB at 300
# tables).
KEPT_BUILDS = 20


def build_path(connection: Connection, revisions: list[str], schemas: list[str]) -> Path | None:
    """Where the description of ``revisions`` built beside ``connection``'s database is kept;
    None when the project's files cannot be read (nothing is kept then)."""
    from alembic_steward._version import __version__
    from alembic_steward.inspection._catalog_drift import ignored_tables
    from alembic_steward.inspection._models_catalog import CATALOG_FORMAT

    try:
        files = project_files_digest()
    except OSError:
        return None
    url = connection.engine.url
    keyed = keyed_path(
        FOLDER,
        [
            CATALOG_FORMAT,
            __version__,
            # Never the password: the key names a file.
            [url.get_backend_name(), url.host, url.port, url.database],
            repr(connection.dialect.server_version_info),
            # MySQL/MariaDB build in the live database's character set and collation.
            read_character_set(connection),
            sorted(revisions),
            sorted(schemas),
            sorted(ignored_tables()),
            files,
        ],
    )
    # A common prefix, so `keep` can tell the oldest of them apart and remove them.
    return keyed.with_name(f"build-{keyed.name}")


def read_character_set(connection: Connection) -> str:
    """The CHARACTER SET clause a scratch database beside ``connection``'s takes ("" off
    MySQL/MariaDB), read without leaving a transaction open that was not open before."""
    from alembic_steward.runtime._server_databases import character_set

    if connection.dialect.name != "mysql":
        return ""
    outside = not connection.in_transaction()
    clause = character_set(connection)
    if outside and connection.in_transaction():
        connection.commit()
    return clause


def project_files_digest() -> str:
    """One hash of every revision file, env.py and the wiring's Alembic options.

    Raises OSError when a file cannot be read.
    """
    from alembic_steward._wiring import active_steward

    steward = active_steward()
    digest = hashlib.sha256()
    paths = sorted(steward.versions_dir.rglob("*.py"))
    for path in [steward.migrations_dir / "env.py", *paths]:
        digest.update(str(path.relative_to(steward.migrations_dir)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes() if path.exists() else b"<none>")
        digest.update(b"\0")
    # Callables (include_object, process_revision_directives) by name: their repr holds an address.
    options = json.dumps(steward.context_options, sort_keys=True, default=qualified_name)
    digest.update(options.encode())
    return digest.hexdigest()


def qualified_name(value: object) -> str:
    module = getattr(value, "__module__", "")
    return f"{module}.{getattr(value, '__qualname__', type(value).__qualname__)}"


def kept_build(connection: Connection, revisions: list[str], schemas: list[str]) -> Catalog | None:
    """The kept description of ``revisions`` built beside ``connection``'s database, or None."""
    from alembic_steward.catalog import Catalog

    path = build_path(connection, revisions, schemas)
    if path is None:
        return None
    try:
        return Catalog.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        return None


def keep_build(
    connection: Connection, revisions: list[str], schemas: list[str], built: Catalog
) -> None:
    """Keep ``built``, the description of ``revisions`` built beside ``connection``'s database
    (a scratch one there: the key is the live database's). Never raises."""
    path = build_path(connection, revisions, schemas)
    if path is not None:
        keep(path, built.to_json(), newest=KEPT_BUILDS)
