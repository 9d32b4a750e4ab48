"""Say in one line why a server refused DATABASE_URL's user or database, and what to do.

A refusal is not an unreachable server: waiting or retrying cannot help, and each kind (a
wrong password, an unknown user, a missing database, no rights on it) has its own fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import URL

FIX_URL = "fix it in DATABASE_URL (`inv db.url` shows where it is set)"


def refusal_line(error: BaseException, url: URL) -> str | None:
    """Describe the server's refusal of ``url`` in ``error``, or None if it was no refusal."""
    from alembic_steward.runtime._driver_errors import SignInRefusal, sign_in_refusal

    kind = sign_in_refusal(error)
    if kind is None:
        return None
    server = f"the server at {url.host or 'localhost'}{f':{url.port}' if url.port else ''}"
    user = url.username or "(none given)"
    lines = {
        SignInRefusal.WRONG_PASSWORD_OR_USER: (
            f"{server} refused user {user} with the password DATABASE_URL gives (a wrong"
            f" password, or no such user: the server does not say which); {FIX_URL}"
        ),
        SignInRefusal.UNKNOWN_USER: f"{server} has no user {user}; {FIX_URL}, or have it created",
        SignInRefusal.NO_PASSWORD_GIVEN: (
            f"{server} wants a password for user {user}, and DATABASE_URL gives none; {FIX_URL}"
        ),
        SignInRefusal.DATABASE_MISSING: (
            f"the database {url.database} does not exist on {server}; {creation_advice(url)}"
        ),
        SignInRefusal.NO_ACCESS: (
            f"user {user} may not use the database {url.database} on {server} (or it does not"
            " exist: the server does not tell a user without rights); have the server's"
            " administrator grant it (or create it), or fix DATABASE_URL"
        ),
    }
    return f"{lines[kind]}; nothing was changed"


def creation_advice(url: URL) -> str:
    """`inv db.create` when this user may create the database, otherwise who must."""
    from alembic_steward.runtime._server_databases import may_create_databases

    if may_create_databases(url) is False:
        return (
            f"user {url.username} may not create databases there, so have the server's"
            " administrator create it (or grant PostgreSQL's CREATEDB, MySQL/MariaDB's CREATE)"
        )
    return "create it with `inv db.create` (or `inv db.setup`, which also migrates and seeds it)"
