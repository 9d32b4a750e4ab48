"""The `db` collection: the Alembic workflow, status and guards, runnable from any project folder.

Tasks live in one module per concern; this module only assembles them and sets the defaults a
project may override in `invoke.yaml` or the environment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke import Collection

from alembic_steward.lint import _task as lint
from alembic_steward.tasks import _adoption as adoption
from alembic_steward.tasks import _backfill as backfill
from alembic_steward.tasks import _checksums as checksums
from alembic_steward.tasks import (
    _environment as environment,
)
from alembic_steward.tasks import _history as history
from alembic_steward.tasks import (
    _inspection as inspection,
)
from alembic_steward.tasks import (
    _lifecycle as lifecycle,
)
from alembic_steward.tasks import (
    _migrate as migrate,
)
from alembic_steward.tasks import _new_revisions as new_revisions
from alembic_steward.tasks import _phases as phases
from alembic_steward.tasks import (
    _previous_release as previous_release,
)
from alembic_steward.tasks import (
    _protected as protected,
)
from alembic_steward.tasks import _protection as protection
from alembic_steward.tasks import _rebase as rebase
from alembic_steward.tasks import (
    _recovery as recovery,
)
from alembic_steward.tasks import (
    _seed as seed,
)
from alembic_steward.tasks import (
    _shell as shell,
)
from alembic_steward.tasks import _squash as squash
from alembic_steward.tasks import (
    _status as status,
)
from alembic_steward.tasks import _tenants as tenants

if TYPE_CHECKING:
    from alembic_steward._wiring import Steward


def db_collection(steward: Steward) -> Collection:
    """Build the `db` collection for the service ``steward`` wires (`inv db.upgrade`, ...).

    Defaults a project may override in `invoke.yaml` (or INVOKE_DB_* variables):
    ``db.protected_environments`` (comma-separated, from the wiring; None protects every
    environment but the development ones) and
    ``db.migration_lock_timeout`` (seconds; None leaves MIGRATION_LOCK_TIMEOUT or the wiring's),
    ``db.ddl_lock_timeout`` and ``db.ddl_statement_timeout`` (seconds or off; None leaves
    DDL_LOCK_TIMEOUT, DDL_STATEMENT_TIMEOUT or the wiring's).
    """
    ns = Collection(
        "db",
        new_revisions.revision,
        new_revisions.merge,
        squash.squash,
        rebase.rebase,
        migrate.upgrade,
        migrate.downgrade,
        previous_release.previous_release_check,
        inspection.current,
        inspection.heads,
        inspection.history,
        inspection.show,
        inspection.check,
        inspection.plan,
        inspection.url,
        lint.lint,
        status.status,
        protected.stamp,
        protected.redo,
        protected.reset,
        recovery.clear_migration_mark,
        checksums.accept_checksums,
        checksums.accept_edit,
        lifecycle.create,
        lifecycle.drop,
        lifecycle.setup,
        lifecycle.wait,
        backfill.backfill,
        phases.rollback_check,
        history.schema,
        adoption.baseline,
        shell.shell,
        seed.seed,
        environment.set_environment,
        tenants.tenant_create,
    )
    # A comma-separated string rather than a list: invoke can override a string from the
    # environment (INVOKE_DB_PROTECTED_ENVIRONMENTS=production,staging) but not a list.
    # invoke reads its INVOKE_* variables after importing the tasks, and cannot read a
    # comma-separated value into a setting invoke.yaml gives as a YAML list: take ours first.
    protection.take_protected_list_from_environment()
    listed = steward.protected_environments
    protected_list = None if listed is None else ",".join(listed)
    timeouts = {
        "migration_lock_timeout": None,
        "ddl_lock_timeout": None,
        "ddl_statement_timeout": None,
    }
    ns.configure({"db": {"protected_environments": protected_list, **timeouts}})
    return ns
