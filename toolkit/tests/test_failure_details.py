"""A failed statement's line keeps the server's reason: PostgreSQL's DETAIL (the duplicate key,
the missing parent) is part of its error, as MariaDB's and SQLite's one line names it."""

from __future__ import annotations

from project import Project, created_revision, one_error_line, revision_source
from servers import ServerDatabase
from test_drift_detection import inv, set_models

USERS = """

class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(60))
"""
UNIQUE_EMAIL = '    op.create_index("uq_users_email", "users", ["email"], unique=True)'


def test_a_failed_migration_names_the_duplicate_key_that_refused_it(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, USERS)
    first = created_revision(inv(project, database, "db.revision", "-m", "users"))[0]
    inv(project, database, "db.upgrade")
    database.query("INSERT INTO users (id, email) VALUES (1, 'dup'), (2, 'dup')")
    project.write_revision("ix0001_unique.py", revision_source("ix0001", first, UNIQUE_EMAIL))
    failed = inv(project, database, "db.upgrade", code=1)
    line = next((each for each in failed.splitlines() if "ix0001 failed:" in each), failed)
    # Each server's words for the key: the tester saw PostgreSQL's cut at its first line.
    said = {
        "postgresql": "Key (email)=(dup) is duplicated",
        "mysql": "Duplicate entry 'dup'",
        "sqlite": "UNIQUE constraint failed: users.email",
    }[database.kind]
    assert said in line, line
    # The deploy entry point's one line (a fan-out row's too) reads the same reason.
    deployed = project.run(
        "python", "-m", "app.migrations", "upgrade", env={"DATABASE_URL": database.url}
    )
    assert deployed.returncode == 1 and said in one_error_line(deployed.stderr), deployed.stderr


def test_a_detail_is_read_only_from_the_drivers_diagnostics() -> None:
    from alembic_steward.runtime._driver_errors import driver_words

    class Diagnostics:
        message_detail = "Key (email)=(dup) is duplicated."

    class DriverError(Exception):
        diag = Diagnostics()

    class Wrapped(Exception):
        orig = DriverError('could not create unique index "uq"\nDETAIL:  Key ...')

    assert driver_words(Wrapped()) == (
        'could not create unique index "uq": Key (email)=(dup) is duplicated.'
    )
    assert driver_words(ValueError("plain\nsecond")) == "plain"
