"""Which names may be tenants: the ones the wiring lists, never the server's own or the app's.

A name given on the command line (`--tenants`, `--tenant`) is checked against the list the
wiring's ``tenants`` callable returns, before anything is touched: `--tenant public` once
stamped the version table of DATABASE_URL's own database. No list may hold a system schema or
database, nor DATABASE_URL's own database: those are never a tenant, whoever names them.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from alembic_steward.runtime._tenancy import TenantError

if TYPE_CHECKING:
    from sqlalchemy import URL

COMMAND_LINE = "the command line"
# Schemas every PostgreSQL database has for itself (pg_*: reserved for the system);
# `public` is where DATABASE_URL's own tables and version table live.
SYSTEM_SCHEMAS = frozenset({"public", "information_schema"})
SYSTEM_DATABASES = {
    "postgresql": frozenset({"postgres", "template0", "template1"}),
    "mysql": frozenset({"mysql", "information_schema", "performance_schema", "sys"}),
}


def never_a_tenant(name: str, tenancy: str, url: URL) -> str | None:
    """Why ``name`` can never be a tenant of ``tenancy`` on ``url`` (DATABASE_URL), or None."""
    if tenancy == "schema":
        if name.lower() in SYSTEM_SCHEMAS or name.lower().startswith("pg_"):
            return f"{name!r} is a schema of the database itself, not a tenant's"
        if url.username and name.lower() == url.username.lower():
            # PostgreSQL's default search_path, `"$user", public`: runtime/_main_schema.py.
            return (
                f'{name!r} is the user DATABASE_URL signs in as: the search_path\'s "$user"'
                " entry would put that schema ahead of the main one for every main-database"
                " command and the app's sessions"
            )
        return None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return None  # a tenant is a file of its own, `<stem>_<tenant><suffix>`
    if url.database and name.lower() == url.database.lower():
        return f"{name!r} is DATABASE_URL's own database, not a tenant's"
    if name.lower() in SYSTEM_DATABASES.get(backend, frozenset()):
        return f"{name!r} is a system database of the {backend} server, not a tenant's"
    return None


def check_never_a_tenant(names: Sequence[str], tenancy: str, source: str) -> None:
    """Refuse (TenantError, one line) the first of ``names`` that can never be a tenant."""
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_settings

    url = make_url(get_settings().blocking_database_url)
    for name in names:
        why = never_a_tenant(name, tenancy, url)
        if why is not None:
            raise TenantError(f"{why} (from {source}); nothing was run")


def check_listed(names: Sequence[str], option: str) -> None:
    """Refuse (TenantError, one line) the first of ``names``, given with ``option`` on the
    command line, that the wiring's tenants callable does not list; with no callable wired,
    there is no list to check against."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._tenancy import declared_tenants

    if active_steward().tenants is None:
        return
    declared = declared_tenants()
    for name in names:
        if name not in declared:
            raise TenantError(
                f"{name!r} (from {option} on the command line) is not one of the tenants"
                f" {active_steward().tenants} lists ({known_tenants(name, declared)});"
                " nothing was run"
            )


# Up to this many tenants, a refusal lists them all: a line is short enough, and none hides.
ALL_SHOWN_UP_TO = 12


def known_tenants(name: str, declared: Sequence[str], shown: int = 5) -> str:
    """``declared``: all of them by name when few (the same line whatever was typed and
    whatever order the callable returns them in), else the ``shown`` closest to ``name``
    first (equally close: by name) and how many more."""
    if not declared:
        return "it lists none"
    if len(declared) <= ALL_SHOWN_UP_TO:
        return f"known: {', '.join(sorted(declared))}"
    closest = sorted(
        declared,
        key=lambda known: (-difflib.SequenceMatcher(None, name, known).ratio(), known),
    )
    more = f" and {len(declared) - shown} more" if len(declared) > shown else ""
    return f"known: {', '.join(closest[:shown])}{more}"


def unlisted_note(name: str) -> str:
    """For `tenant-create NAME`: "" when the tenants callable lists ``name`` (or none is
    wired), else what to do so the new tenant is not left out of every fan-out.

    A sign-up creates its tenant before listing it (the README's order), so a name not listed
    yet is taken; one that differs from a listed tenant in case alone is a typo that would make
    a second schema or database (PostgreSQL and MySQL on Linux tell them apart): refused
    (TenantError) before anything is made. Listing it too is no way out: a list holding two
    names equal but for case is refused (runtime/_tenant_lists.py)."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._tenancy import declared_tenants

    callable_name = active_steward().tenants
    if callable_name is None:
        return ""
    declared = declared_tenants()
    if name in declared:
        return ""
    same = [known for known in declared if known.lower() == name.lower()]
    if same:
        raise TenantError(
            f"{name!r} differs from the tenant {same[0]!r} that {callable_name} lists in case"
            f" alone, and would be a second tenant beside it; give {same[0]!r}; nothing was"
            " made"
        )
    return (
        f"; {callable_name} does not list it yet: add it there (the tenants callable is the"
        " list every --all-tenants run and every --tenants repair goes by), or no fan-out will"
        " migrate it"
    )
