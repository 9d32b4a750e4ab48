"""Build the Alembic configuration: the one place every in-process entry point gets it from."""

from __future__ import annotations

import importlib.util
from argparse import Namespace
from typing import TYPE_CHECKING, Any

from alembic.config import Config

from alembic_steward._wiring import active_steward

if TYPE_CHECKING:
    from alembic_steward.settings import Settings


class ProjectConfig(Config):
    """Alembic's config, minus post-write hooks whose module is not installed.

    ruff formats each new revision but comes with the `dev` extra only; without it the revision
    is written unformatted (`inv db.revision` says so) rather than written and then failed on.
    """

    skipped_hook_modules: tuple[str, ...] = ()

    def get_hooks_list(self) -> list[Any]:
        hooks = super().get_hooks_list()
        missing = {
            hook["module"]
            for hook in hooks
            if hook.get("type") == "module" and importlib.util.find_spec(hook["module"]) is None
        }
        self.skipped_hook_modules = tuple(sorted(missing))
        return [hook for hook in hooks if hook.get("module") not in missing]


def build_alembic_config(*, autogenerate: bool = False, quiet: bool = False) -> Config:
    """Return the project's Alembic config exactly as `alembic` run at the project root sees it.

    In a project checkout that is `alembic.ini` (logging) and `[tool.alembic]` in
    pyproject.toml. In a service installed from a wheel neither file ships, so the config points
    at this package's own folder, which holds env.py and every revision. ``quiet`` silences
    Alembic's own status lines, for callers that report in their own words.
    """
    from alembic_steward.runtime._revision_loading import load_revisions_from_source

    # Never a stale .pyc: every entry point that runs revisions gets its config here.
    load_revisions_from_source()
    # cmd_opts mirrors the CLI's parsed arguments, so env.py can read them the same way
    # whether it was started by `alembic ...` or by `inv db.*`.
    cmd_opts = Namespace(autogenerate=autogenerate, quiet=quiet, x=None)
    steward = active_steward()
    if not steward.running_from_checkout:
        config = ProjectConfig(cmd_opts=cmd_opts)
        config.set_main_option("script_location", str(steward.migrations_dir))
        return config
    return ProjectConfig(
        file_=steward.project_root / "alembic.ini",
        toml_file=steward.project_root / "pyproject.toml",
        cmd_opts=cmd_opts,
    )


def app_settings() -> Settings:
    """The app's settings for env.py; a `.env` that cannot be read ends in Alembic's FAILED line."""
    from alembic.util import CommandError

    from alembic_steward._wiring import get_settings
    from alembic_steward.settings import EnvFileError

    try:
        return get_settings()
    except EnvFileError as error:
        raise CommandError(str(error)) from None


def database_url() -> str:
    """The app's DATABASE_URL for env.py; one that cannot work ends in Alembic's FAILED line."""
    from alembic.util import CommandError

    from alembic_steward.runtime._tenancy import bound_url
    from alembic_steward.urls import DatabaseUrlError

    try:
        # A tenant with a database of its own is migrated there (runtime/_tenancy.py).
        return bound_url(app_settings().database_url)
    except DatabaseUrlError as error:
        raise CommandError(str(error)) from None
