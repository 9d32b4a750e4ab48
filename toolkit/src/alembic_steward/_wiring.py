"""The wiring object: what a service tells the toolkit about itself, in one place.

A service builds one `Steward` in `app/migrations/__init__.py`; every task, env.py helper and
test fixture reads the project through it. Its references are "module:attribute" strings,
imported on first use, so that `inv --list` and shell completion never load SQLAlchemy.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine, MetaData

    from alembic_steward.settings import Setting, Settings

__all__ = ["Steward", "WiringError", "active_steward"]

_ACTIVE: list[Steward] = []


class WiringError(RuntimeError):
    """The wiring names something that cannot be imported, or no wiring was built."""


def resolve(reference: str) -> Any:
    """Import ``"package.module:attribute.path"`` and return the attribute."""
    module_name, _, attribute_path = reference.partition(":")
    value: Any = importlib.import_module(module_name)
    for attribute in filter(None, attribute_path.split(".")):
        value = getattr(value, attribute)
    return value


@dataclass
class Steward:
    """How the toolkit reaches one service: its migrations package and the app's own parts.

    ``package`` is the dotted name of the package holding env.py and versions/ (pass
    ``__name__`` from its ``__init__.py``). The other references are "module:attribute"
    strings, imported on first use:

    - ``metadata``: the models' ``MetaData`` (autogenerate, drift checks);
    - ``settings``: a callable returning :class:`alembic_steward.settings.Settings`;
    - ``engine``: a callable returning a blocking ``Engine`` on the app's database;
    - ``seed``: ``seed(session)``, adding the rows every database needs;
    - ``sample_rows``: the stairway test's per-table row values (may be missing).

    Extension points: ``context_options`` are added to every ``context.configure`` call;
    ``lock_timeout`` (seconds) is the default wait for another migration run, under
    ``MIGRATION_LOCK_TIMEOUT``; ``ddl_lock_timeout`` (seconds, None: off) bounds each wait of a
    migration's statements for a lock another session holds, retried with longer ones, under
    ``DDL_LOCK_TIMEOUT``; ``ddl_statement_timeout`` (seconds, None: off, the default) bounds
    each statement, under ``DDL_STATEMENT_TIMEOUT``; ``protected_environments`` lists the
    deployments (APP_ENV) whose database the destructive tasks refuse without ``--yes``, under
    invoke.yaml (None: every environment but development, dev, local, test, testing and ci);
    ``lint_rules`` are extra lint rules, each ``rule(operation, dialect) -> message | None``;
    ``tenants`` is a "module:attribute" callable returning the tenants' names (a schema or a
    database each, as ``tenancy`` says: "schema" or "database"), which `--all-tenants` migrates
    one by one (runtime/_tenancy.py).
    """

    package: str
    metadata: str = "app.models:Base.metadata"
    settings: str = "app.settings:get_settings"
    engine: str = "app.database:get_blocking_engine"
    seed: str = "app.seeds:seed"
    sample_rows: str = "tests.migration_rows:SAMPLE_VALUES"
    context_options: Mapping[str, Any] = field(default_factory=dict)
    lock_timeout: float | None = None
    ddl_lock_timeout: float | None = 2.0
    ddl_statement_timeout: float | None = None
    protected_environments: Sequence[str] | None = None
    lint_rules: Sequence[Callable[..., str | None]] = ()
    tenants: str | None = None
    tenancy: str = "schema"

    def __post_init__(self) -> None:
        # One service per process: the last wiring built is the one env.py and the tasks use.
        _ACTIVE[:] = [self]
        from alembic_steward import _quiet_logs

        _quiet_logs.install()
        # Revisions and start-up code written before the toolkit existed import from the
        # service's own package (`from app.migrations.irreversible import ...`); those modules
        # now live here, and Python's import finds a submodule placed in sys.modules.
        for name, home in LEGACY_MODULES.items():
            legacy = f"{self.package}.{name}"
            sys.modules.setdefault(legacy, _legacy_module(legacy, home))

    @cached_property
    def migrations_dir(self) -> Path:
        """The folder of env.py, script.py.mako and versions/."""
        module = sys.modules.get(self.package) or importlib.import_module(self.package)
        if module.__file__ is None:
            raise WiringError(f"the migrations package {self.package!r} has no __init__.py")
        return Path(module.__file__).resolve().parent

    @property
    def versions_dir(self) -> Path:
        return self.migrations_dir / "versions"

    @property
    def app_dir(self) -> Path:
        """The application package that holds the migrations package (`app/`)."""
        return self.migrations_dir.parent

    @property
    def running_from_checkout(self) -> bool:
        """True in a project checkout, False in a service installed from a wheel."""
        from alembic_steward.settings import running_from_checkout

        return running_from_checkout(self.app_dir.parent)

    @property
    def project_root(self) -> Path:
        """The project checkout, or the folder an installed service runs from."""
        from alembic_steward.settings import project_root_of

        return project_root_of(self.app_dir)

    @property
    def deploy_command(self) -> str:
        """The command an installed service migrates with: `python -m app.migrations`."""
        return f"python -m {self.package}"

    def load(self, reference: str) -> Any:
        try:
            return resolve(reference)
        except (ImportError, AttributeError) as error:
            if isinstance(error, ModuleNotFoundError) and error.name not in reference:
                raise  # a missing dependency of the app's own module: its own message
            message = f"the wiring names {reference!r}, which cannot be loaded: {error}"
            raise WiringError(message) from None

    def get_settings(self) -> Settings:
        return self.load(self.settings)()

    def get_metadata(self) -> MetaData:
        return self.load(self.metadata)

    def get_engine(self) -> Engine:
        return self.load(self.engine)()

    def get_seed(self) -> Callable[..., Any]:
        return self.load(self.seed)

    def get_sample_rows(self) -> Mapping[str, Any]:
        try:
            return resolve(self.sample_rows)
        except ModuleNotFoundError:
            return {}

    def alembic_config(self, *, autogenerate: bool = False, quiet: bool = False) -> Config:
        """The project's Alembic config, exactly as `alembic` at the project root sees it."""
        from alembic_steward.runtime._config import build_alembic_config

        return build_alembic_config(autogenerate=autogenerate, quiet=quiet)

    async def upgrade_async(self, revision: str = "head") -> None:
        """Migrate to ``revision`` from an async app's start-up, its event loop running on.

        The same run as ``command.upgrade(self.alembic_config(), revision)``, which blocks the
        loop until it ends, in a worker thread instead.
        """
        import asyncio

        from alembic import command

        await asyncio.to_thread(command.upgrade, self.alembic_config(), revision)

    def read_setting(self, name: str, default: str) -> Setting:
        """Read ``name`` from the environment, then the project's `.env`, else ``default``."""
        from alembic_steward.settings import read_setting

        return read_setting(self.project_root, name, default)

    def read_env_file(self) -> dict[str, str | None]:
        from alembic_steward.settings import read_env_file

        return read_env_file(self.project_root)


# The service's modules that services baked before alembic-steward documented, by their
# name under the migrations package, and where their public names live now.
LEGACY_MODULES = {
    "irreversible": "alembic_steward.runtime._irreversible",
    "config": "alembic_steward.runtime._config",
    "transactions": "alembic_steward.runtime._transactions",
    "up_to_date": "alembic_steward.runtime._up_to_date",
}


def _legacy_module(name: str, home: str) -> types.ModuleType:
    """A module named ``name`` whose attributes come from ``home``, imported on first use."""
    module = types.ModuleType(name, f"Where code before alembic-steward imported {home} from.")

    def __getattr__(attribute: str) -> Any:
        return getattr(importlib.import_module(home), attribute)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    return module


def active_steward() -> Steward:
    """The wiring this process built (the service's `app.migrations.steward`)."""
    if not _ACTIVE:
        # The template's layout, for callers that never imported the service's wiring.
        with contextlib.suppress(ImportError):
            importlib.import_module("app.migrations")
    if not _ACTIVE:
        raise WiringError(
            "no Steward was built: app/migrations/__init__.py must create one"
            " (`steward = Steward(__name__)`)"
        )
    return _ACTIVE[0]


# The machinery's short names for what it reads through the active wiring.
def get_settings() -> Settings:
    return active_steward().get_settings()


def get_blocking_engine() -> Engine:
    from alembic_steward.inspection._scratch_sweep import sweep_at_first_connection
    from alembic_steward.runtime._bounded_waits import bound_waits
    from alembic_steward.runtime._connecting import check_app_driver_installed
    from alembic_steward.runtime._main_schema_guard import guard_main_schema

    # The tasks connect through a blocking twin of an asyncio driver; the service will not.
    check_app_driver_installed()
    # The tasks' waits are bounded; the app's engine in the service's own process is not touched.
    engine = bound_waits(active_steward().get_engine())
    # Never a schema that took the main database's search_path (runtime/_main_schema.py).
    guard_main_schema(engine)
    # What killed runs left beside it goes with the command's first connection, whatever the
    # command: most build no scratch database, whose sweep would otherwise be the only one.
    sweep_at_first_connection(engine)
    return engine


def project_root() -> Path:
    return active_steward().project_root


def running_from_checkout() -> bool:
    return active_steward().running_from_checkout


def read_setting(name: str, default: str) -> Setting:
    return active_steward().read_setting(name, default)


def read_env_file() -> dict[str, str | None]:
    return active_steward().read_env_file()


def shown_path(path: Path) -> str:
    """``path`` relative to the project root when it is inside it, as messages show files."""
    root = project_root()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
