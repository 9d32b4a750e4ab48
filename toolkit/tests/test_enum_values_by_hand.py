"""An enum value added by hand on PostgreSQL, which cannot drop one: the advice names the type
and the value, and following it (models, then a revision written by hand) ends up to date."""

from __future__ import annotations

import re

from project import Project, created_revision, one_error_line
from servers import ServerDatabase, only_on
from test_status_sides import MOOD_MODEL, inv

PENDING, DATABASE_DIFFERS = 2, 9
ADD_MEH = "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'"


def with_mood_model(project: Project, model: str) -> None:
    models = project.path / "app" / "models.py"
    models.write_text(
        "import sqlalchemy as sa\n"
        + models.read_text().replace(
            "from sqlalchemy.orm import DeclarativeBase\n",
            "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n",
        )
        + model
    )


def advised_code(line: str) -> str:
    """The Python the advice quotes for upgrade(): the backquoted text that holds the SQL."""
    quoted = [part for part in re.findall(r"`([^`]+)`", line) if "ADD VALUE" in part]
    assert len(quoted) == 1, line
    return quoted[0]


def people_at_head(project: Project, database: ServerDatabase) -> None:
    """The models with the mood enum (MOOD_MODEL), their revision written and applied."""
    with_mood_model(project, MOOD_MODEL)
    assert inv(project, database, "db.revision", "-m", "people").returncode == 0
    assert inv(project, database, "db.upgrade").returncode == 0


@only_on("postgresql", why="only PostgreSQL keeps enum types of its own, without DROP VALUE")
def test_an_enum_value_added_by_hand_is_kept_by_the_revision_the_advice_names(
    project: Project, database: ServerDatabase
) -> None:
    people_at_head(project, database)
    database.query("ALTER TYPE mood ADD VALUE 'meh'")

    status = inv(project, database, "db.status")
    assert status.returncode == DATABASE_DIFFERS, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    # The type and the value themselves, not placeholders.
    assert ADD_MEH in verdict and "ALTER TYPE name" not in verdict, verdict

    # The models brought in line: the revision that keeps the value is the way out, and
    # db.revision (whose autogenerate writes no enum value) names how to write it.
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text().replace('"sad", name=', '"sad", "meh", name='))
    refused = inv(project, database, "db.revision", "-m", "keep meh")
    assert refused.returncode == DATABASE_DIFFERS, refused.stdout + refused.stderr
    error = one_error_line(refused.stderr)
    assert 'inv db.revision --empty -m "' in error and ADD_MEH in error, error
    assert "record that difference" not in error, error

    written = inv(project, database, "db.revision", "--empty", "-m", "keep meh")
    assert written.returncode == 0, written.stderr
    _, path = created_revision(written.stdout)
    revision = project.path / path
    # Pasted as quoted: one line of Python (`with ...: op.execute(...)`).
    blank = '    """Upgrade schema."""\n    pass'
    assert blank in revision.read_text()
    advised = f'    """Upgrade schema."""\n    {advised_code(error)}'
    revision.write_text(revision.read_text().replace(blank, advised, 1))
    # Its downgrade as advised too: an empty one fails the stairway, the value staying.
    raised, imported = advised_downgrade(error)
    blank_down = '    """Downgrade schema."""\n    pass'
    assert blank_down in revision.read_text()
    source = revision.read_text().replace(blank_down, f"    {raised}", 1)
    revision.write_text(
        source.replace("from alembic import op\n", f"from alembic import op\n{imported}\n")
    )
    # Without IF NOT EXISTS the upgrade would fail on the value: no upgrade is advised.
    plain = revision.read_text()
    revision.write_text(plain.replace("ADD VALUE IF NOT EXISTS", "ADD VALUE"))
    failing = inv(project, database, "db.status")
    assert "`inv db.upgrade`" not in failing.stdout.splitlines()[-1], failing.stdout
    revision.write_text(plain)
    # It adds exactly what the database holds, IF NOT EXISTS running through them: status
    # names the upgrade (no stamp, no undo by hand: PostgreSQL cannot drop an enum value).
    pending = inv(project, database, "db.status")
    assert pending.returncode == DATABASE_DIFFERS, pending.stdout + pending.stderr
    verdict = pending.stdout.splitlines()[-1]
    assert "`inv db.upgrade`" in verdict and "by hand" not in verdict, verdict
    assert "db.stamp" not in verdict, verdict
    upgraded = inv(project, database, "db.upgrade")
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    final = inv(project, database, "db.status")
    assert final.returncode == 0, final.stdout + final.stderr
    checked = inv(project, database, "db.check")
    assert checked.returncode == 0 and "No changes" in checked.stdout, checked.stdout
    # The service's own migration tests pass with it, the stairway's downgrades included.
    env = {"TEST_DATABASE_URL": database.url}
    tests = project.run(
        "pytest", "-q", "-p", "no:cacheprovider", "tests/test_migrations.py", env=env
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr


def advised_downgrade(line: str) -> tuple[str, str]:
    """The downgrade() the advice quotes (`raise ...`) and the import it needs at the top."""
    quoted = re.findall(r"`([^`]+)`", line)
    raised = [part for part in quoted if part.startswith("raise ")]
    imported = [part for part in quoted if part.startswith("from ")]
    assert len(raised) == 1 and len(imported) == 1, line
    return raised[0], imported[0]


NOTES_MODEL = """

class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
"""


@only_on("postgresql", why="only PostgreSQL keeps enum types of its own, without DROP VALUE")
def test_a_pending_revision_is_told_how_to_run_through_an_enum_value_added_by_hand(
    project: Project, database: ServerDatabase
) -> None:
    people_at_head(project, database)
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + NOTES_MODEL)
    written = inv(project, database, "db.revision", "-m", "notes")
    assert written.returncode == 0, written.stdout + written.stderr
    database.query("ALTER TYPE mood ADD VALUE 'meh'")

    pending = inv(project, database, "db.status")
    assert pending.returncode == DATABASE_DIFFERS, pending.stdout + pending.stderr
    verdict = pending.stdout.splitlines()[-1]
    assert "Undo them by hand" not in verdict and ADD_MEH in verdict, verdict
    # Followed: the line in the pending revision, the value in the models.
    revision = project.path / created_revision(written.stdout)[1]
    header = '    """Upgrade schema."""\n'
    code = advised_code(verdict)
    revision.write_text(revision.read_text().replace(header, f"{header}    {code}\n", 1))
    models.write_text(models.read_text().replace('"sad", name=', '"sad", "meh", name='))
    upgraded = inv(project, database, "db.upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    final = inv(project, database, "db.status")
    assert final.returncode == 0, final.stdout + final.stderr
