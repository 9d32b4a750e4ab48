"""What to grant a user the server will not let create a scratch database, said per server.

The scratch databases are made beside the live one, with its credentials
(inspection/_scratch_database.py); no option points them elsewhere, so the one remedy is the
right to create them: PostgreSQL's CREATEDB role attribute, or on MySQL/MariaDB the rights on
databases named after the live one (`<database>_<label>_<random>`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import URL

    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused


def refusal(error: Exception, server: URL) -> ScratchDatabaseRefused:
    """The refusal of a scratch CREATE DATABASE, saying what to grant when a right is lacking."""
    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused
    from alembic_steward.runtime._driver_errors import SignInRefusal, first_line, sign_in_refusal
    from alembic_steward.runtime._server_databases import lacks_privilege

    sign_in_kinds = (
        SignInRefusal.WRONG_PASSWORD_OR_USER,
        SignInRefusal.UNKNOWN_USER,
        SignInRefusal.NO_PASSWORD_GIVEN,
    )
    refused = ScratchDatabaseRefused(first_line(error))
    if lacks_privilege(error):
        refused.grant = scratch_grant(server)
    elif sign_in_refusal(error) in sign_in_kinds:
        # Refused at sign-in (the maintenance database's), not at the CREATE: the user's.
        refused.driver_error = error
    return refused


def scratch_grant(server: URL) -> str:
    """What to have granted to ``server``'s user, with the statement that grants it."""
    from alembic_steward.inspection._left_scratch_databases import OWN_NAME_CHARACTERS

    user = server.username or "this user"
    if server.get_backend_name() == "postgresql":
        return f"grant {user} CREATEDB (ALTER ROLE {user} CREATEDB)"
    own = (server.database or "app")[:OWN_NAME_CHARACTERS].replace("_", "\\_")
    return (
        f"grant {user} the rights on the databases named after this one"
        f" (GRANT ALL ON `{own}\\_%`.* TO '{user}')"
    )
