"""What the wiring's tenants callable returns, checked before any tenant is touched.

The callable is the service's own code, so every way it can go wrong ends in one line that
names it (``module:function``, as the wiring spells it): an exception it raised, a result that
is not a list of names (None; a str, whose characters would each pass for a tenant), a name
that is not a plain identifier, or two names equal but for case, which PostgreSQL and MySQL
on Linux keep as two schemas or databases where the service most likely meant one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from alembic_steward.runtime._tenancy import TenantError


def listed_tenants() -> list[str]:
    """Call the wiring's ``tenants`` callable; return its names, checked and sorted."""
    from alembic_steward._wiring import WiringError, active_steward
    from alembic_steward.runtime._tenancy import parse_tenant_names

    steward = active_steward()
    if steward.tenants is None:
        raise TenantError(
            "the wiring declares no tenants: add tenants='app.tenants:list_tenants' to"
            " Steward(...) in app/migrations/__init__.py, or name them with --tenants A,B;"
            " nothing was run"
        )
    source = f"the tenants callable {steward.tenants}"
    try:
        listed = steward.load(steward.tenants)()
    except (TenantError, WiringError):
        raise
    except Exception as error:
        raise TenantError(
            f"{source} raised {raised(error)}; fix it there (every --all-tenants run and"
            " every --tenants check reads its list); nothing was run"
        ) from None
    return parse_tenant_names(names_in(listed, source), source, allow_none=True)


def raised(error: BaseException) -> str:
    """``error`` in a few words: its type, first line and the project line it came from."""
    from alembic_steward.runtime._deploy import safe_reason
    from alembic_steward.runtime._project_lines import innermost_project_line

    where = innermost_project_line(error)
    return f"{type(error).__name__}: {safe_reason(error)}" + (f" (at {where})" if where else "")


def names_in(listed: Any, source: str) -> list[str]:
    """``listed`` as a list of names, or TenantError (one line naming ``source``) when it is
    not an iterable of str."""
    if isinstance(listed, (str, bytes)):
        # Iterated, "acme" would be the tenants a, c, m and e.
        raise TenantError(
            f"{source} returned the {type(listed).__name__} {shorten(listed)}, not a list of"
            f" names: return a list, e.g. [{shorten(listed)}]; nothing was run"
        )
    if not isinstance(listed, Iterable):
        raise TenantError(
            f"{source} returned {shorten(listed)} ({type(listed).__name__}), not a list of"
            " tenant names: return a list of str (an empty list for no tenant); nothing was run"
        )
    names = list(listed)
    for name in names:
        if not isinstance(name, str):
            raise TenantError(
                f"{source} returned a list holding {shorten(name)} ({type(name).__name__}),"
                " not a tenant name: each must be a str; nothing was run"
            )
    return names


def shorten(value: object, most: int = 40) -> str:
    """``repr(value)``, cut to about ``most`` characters: a line stays one line."""
    shown = repr(value)
    return shown if len(shown) <= most else f"{shown[: most - 3]}..."


def refuse_case_twins(names: Iterable[str], source: str) -> None:
    """Refuse (TenantError) ``names`` holding two equal but for case, as a list or
    --tenants gives them: each would be a schema or database of its own."""
    seen: dict[str, str] = {}
    for name in names:
        twin = seen.setdefault(name.lower(), name)
        if twin != name:
            raise TenantError(
                f"{source} names both {twin!r} and {name!r}, equal but for case: each would be"
                " a schema or database of its own; keep one spelling there; nothing was run"
            )
