"""Status and check say which side drifted: the database from its revision, or the models.

A revision stamped without running and a column added by hand look like a model changed without
a revision; only the last gets "write a revision". The database's own revision is rebuilt in a
scratch database on the same server to tell them apart, or skipped in one line without rights.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from made_revisions import add_user_name, add_users, user_revisions
from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on, scratch_databases

PENDING, DRIFT, DATABASE_DIFFERS, NOT_COMPARED = 2, 3, 9, 1
SKIPPED = "not compared with what its revision builds: cannot create a scratch database"


def inv(project: Project, database: ServerDatabase | str, *arguments: str):
    url = database if isinstance(database, str) else database.url
    return project.run("inv", *arguments, env={"DATABASE_URL": url})


def status_json(project: Project, database: ServerDatabase | str, code: int) -> dict:
    completed = inv(project, database, "db.status", "--json")
    assert completed.returncode == code, completed.stdout + completed.stderr
    return json.loads(completed.stdout)


def write_initial_revision(project: Project, database: ServerDatabase | str) -> None:
    project.add_user_model()
    written = inv(project, database, "db.revision", "-m", "Initial")
    assert written.returncode == 0, written.stderr


def assert_database_blamed(
    project: Project, database: ServerDatabase, difference: str, advice: str, unadvised: str
):
    """Status and check blame the database for ``difference``, with ``advice`` and without
    ``unadvised`` in their verdict."""
    status = inv(project, database, "db.status")
    assert status.returncode == DATABASE_DIFFERS, status.stdout + status.stderr
    assert f"database: against its revision rebuilt: {difference}" in status.stdout
    assert "drift:   none in the models\n" in status.stdout
    verdict = status.stdout.splitlines()[-1]
    assert verdict.startswith("status:  the database is not what its revision builds")
    assert "inv db.revision" not in verdict and "write no revision" in verdict
    assert advice in verdict and unadvised not in verdict
    check = inv(project, database, "db.check")
    assert check.returncode == DATABASE_DIFFERS
    assert f"  {difference}" in check.stdout
    error = one_error_line(check.stderr)
    assert "the database is not what its revision builds" in error
    assert "inv db.revision" not in error and "inv db.revision" not in check.stdout
    assert advice in error and unadvised not in error
    assert scratch_databases(database) == set()


def test_revision_stamped_without_running_is_blamed_on_the_database_not_the_models(
    project: Project, database: ServerDatabase
) -> None:
    add_users(project)
    stamped = inv(project, database, "db.stamp", "-r", "head")
    assert stamped.returncode == 0, stamped.stderr

    # Something missing: a stamp mistake can explain it, so stamping is advised.
    assert_database_blamed(
        project,
        database,
        "table users is in what its revision builds but not in the database",
        "stamp the last revision that really ran (`inv db.stamp -r REV`)",
        "Drop ",
    )
    document = status_json(project, database, DATABASE_DIFFERS)
    assert document["database_differences"] == [
        "table users is in what its revision builds but not in the database"
    ]
    assert document["model_differences"] == []


def test_hand_columns_and_model_changes_are_each_blamed_on_their_own_side(
    project: Project, database: ServerDatabase
) -> None:
    # One upgraded database walked through three states; each step says which state it is in.
    # The fourth, the column added by hand and to the models alike, is test_kept_hand_additions'.
    add_users(project)
    assert inv(project, database, "db.upgrade").returncode == 0

    # 1. A column added by hand, models unchanged. Only an addition at head: no stamp explains
    # it, so what to drop is named instead.
    database.query("ALTER TABLE users ADD COLUMN nickname VARCHAR(20)")
    drop = "Drop column users.nickname by hand, or in development `inv db.reset`"
    nickname = "column users.nickname is in the database but not in what its revision builds"
    assert_database_blamed(project, database, nickname, drop, "db.stamp")
    refused = inv(project, database, "db.revision", "-m", "nothing")
    assert refused.returncode == DATABASE_DIFFERS, "hand column: db.revision was not refused"
    assert drop in one_error_line(refused.stderr), "hand column: the refusal names no drop"
    assert "db.stamp" not in refused.stderr, "hand column: the refusal advises a stamp"

    # 2. Both sides wrong (the models changed too): the database is fixed first, then a revision.
    name = "column users.name is in the models but not in the migrations"
    project.add_user_name_column()
    document = status_json(project, database, DATABASE_DIFFERS)
    assert document["database_differences"] == [nickname], "both sides: database side"
    assert document["model_differences"] == [name], "both sides: model side"
    verdict = inv(project, database, "db.status").stdout.splitlines()[-1]
    assert "once the database matches, run `inv db.revision" in verdict, f"both sides: {verdict}"

    # 3. The hand column undone: a model changed without a revision still asks for a revision.
    database.query("ALTER TABLE users DROP COLUMN nickname")
    document = status_json(project, database, DRIFT)
    assert document["drift"] == [name], "models only: drift"
    assert document["database_differences"] == [], "models only: the database is blamed"
    assert document["model_differences"] == [name], "models only: model differences"
    status = inv(project, database, "db.status")
    assert "status:  the models changed without a revision: run `inv db.revision" in (
        status.stdout
    ), f"models only: {status.stdout}"
    check = inv(project, database, "db.check")
    assert check.returncode == DRIFT, f"models only: check exited {check.returncode}"
    assert "Run `inv db.revision" in check.stderr, f"models only: {check.stderr}"
    assert scratch_databases(database) == set(), "models only: a scratch database was left"


def test_leftovers_behind_head_get_advice_that_works(
    project: Project, database: ServerDatabase
) -> None:
    # What a failed autocommit_block() or a MySQL/MariaDB migration (mark cleared) leaves: part
    # of the pending migration's work, on a database still at the revision before it. They are
    # reported instead of advising an upgrade that would fail. (A stamp back over work that ran,
    # which looks alike, is test_rerun_after_stamp's.)
    add_users(project)
    assert inv(project, database, "db.upgrade").returncode == 0
    add_user_name(project)
    pending = status_json(project, database, PENDING)
    assert pending["database_differences"] is None, "pending: differences before the hand"
    # Not what the pending revision builds (VARCHAR(100)): it would fail on it.
    database.query("ALTER TABLE users ADD COLUMN name VARCHAR(50)")

    status = inv(project, database, "db.status")
    assert status.returncode == DATABASE_DIFFERS, status.stdout + status.stderr
    difference = "column users.name is in the database but not in what its revision builds"
    assert f"database: against its revision rebuilt: {difference}" in status.stdout
    verdict = status.stdout.splitlines()[-1]
    # Tried on a scratch database made like this one (inspection/_pending_trial.py; SQLite: an
    # exact copy of its schema, inspection/_sqlite_schema_copy.py).
    assert "`inv db.upgrade` fails at revision" in verdict, f"leftovers: {verdict}"
    assert "duplicate" in verdict.lower() or "already exists" in verdict, f"leftovers: {verdict}"
    if database.kind == "sqlite":
        assert "undo them by hand first" in verdict, f"leftovers: {verdict}"
    else:
        assert "`ALTER TABLE users DROP COLUMN name`" in verdict, f"leftovers: {verdict}"
    assert "pending migrations" not in verdict, f"leftovers: {verdict}"
    assert "the models match" not in verdict, f"leftovers: {verdict}"
    leftovers = status_json(project, database, DATABASE_DIFFERS)
    assert leftovers["database_differences"] == [difference], "leftovers: json differences"
    assert scratch_databases(database) == set(), "leftovers: a scratch database was left"
    # The advice holds: once undone by hand, the upgrade runs.
    database.query("ALTER TABLE users DROP COLUMN name")
    undone = status_json(project, database, PENDING)
    assert undone["database_differences"] is None, "leftovers undone: differences remain"
    assert inv(project, database, "db.upgrade").returncode == 0, "leftovers undone: upgrade"


def test_the_build_db_revision_verified_is_kept_and_reused_until_a_revision_file_changes(
    project: Project,
) -> None:
    # SQLite: what is kept and when is the same on every server; the key is what is tested.
    database = project.path / "kept.db"
    url = f"sqlite:///{database}"
    write_initial_revision(project, url)
    assert inv(project, url, "db.upgrade").returncode == 0
    kept = project.path.parent / "steward-cache" / "revision-builds"
    # db.revision's two: at the database's revision (base), and at the new head.
    builds = {path: path.stat().st_mtime_ns for path in kept.glob("build-*.json")}
    assert len(builds) == 2
    assert inv(project, url, "db.check").returncode == 0
    assert status_json(project, url, 0)["database_differences"] is None
    after = {path: path.stat().st_mtime_ns for path in kept.glob("build-*.json")}
    assert after == builds, "a kept build was built again"
    # Any revision file's change is a new key (a comment too, though no edit of what ran): the
    # next check builds and keeps its own.
    (revision,) = project.versions.glob("*.py")
    revision.write_text(revision.read_text() + "\n# reviewed\n")
    assert inv(project, url, "db.check").returncode == 0
    assert len(list(kept.glob("build-*.json"))) == 3


@pytest.fixture
def user_who_cannot_create_databases(database: ServerDatabase) -> Iterator[str]:
    """A URL for a new login that owns ``database`` but may create no other; dropped after."""
    if database.kind == "sqlite":
        pytest.skip("SQLite's scratch database is a temporary file: there is no right to lack")
    user, password = f"nocreate_{secrets.token_hex(4)}", secrets.token_hex(8)
    name = urlsplit(database.url).path.lstrip("/")
    if database.kind == "postgresql":
        database.query(f"CREATE ROLE {user} LOGIN PASSWORD '{password}' NOCREATEDB")
        database.query(f"ALTER DATABASE {name} OWNER TO {user}")
        database.query(f"GRANT ALL ON SCHEMA public TO {user}")
    else:
        database.query(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
        database.query(f"GRANT ALL ON `{name}`.* TO '{user}'@'%'")
    parts = urlsplit(database.url)
    host = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname
    try:
        yield urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))
    finally:
        if database.kind == "postgresql":
            # Hands the database and everything in it back, so the role can go.
            database.query(f"REASSIGN OWNED BY {user} TO CURRENT_USER")
            database.query(f"DROP OWNED BY {user}")
            database.query(f"DROP ROLE {user}")
        else:
            database.query(f"DROP USER '{user}'@'%'")


@only_on("postgresql", "mysql", why="SQLite's scratch database is a file: no right to lack")
def test_without_the_right_to_create_a_database_no_verdict_comes_from_autogenerate_alone(
    project: Project, database: ServerDatabase, user_who_cannot_create_databases: str
) -> None:
    # Autogenerate's comparison was the verdict: db.revision wrote what it found, with a note
    # that it would not be checked; on a matching database check said "No changes" (exit 0)
    # and status "up to date"; on a model change, exit 3 and "run `inv db.revision`".
    url = user_who_cannot_create_databases
    user, password = urlsplit(url).username, urlsplit(url).password
    grant = f"ALTER ROLE {user} CREATEDB" if database.kind == "postgresql" else "GRANT ALL ON"
    project.add_user_model()
    before = set(project.versions.glob("*.py"))
    refused = inv(project, url, "db.revision", "-m", "Initial")
    assert refused.returncode == NOT_COMPARED, refused.stdout + refused.stderr
    line = one_error_line(refused.stderr)
    assert line.startswith("error: cannot create a scratch database ("), f"revision: {line}"
    assert grant in line and "nothing was written" in line, f"revision: {line}"
    assert set(project.versions.glob("*.py")) == before, "revision: a file was written"
    user_revisions()[0].copy_to(project)  # as written by a user who may
    assert inv(project, url, "db.upgrade").returncode == 0
    # The models' kept description, if the upgrade kept one: the check must describe them.
    shutil.rmtree(project.path.parent / "steward-cache", ignore_errors=True)

    # 1. The database matches the models: never called clean.
    check = inv(project, url, "db.check")
    assert check.returncode == NOT_COMPARED, check.stdout + check.stderr
    assert "No changes" not in check.stdout, f"matching: {check.stdout}"
    line = one_error_line(check.stderr)
    assert line.startswith("error: cannot create a scratch database ("), f"matching: {line}"
    assert grant in line, f"matching: {line}"
    status = inv(project, url, "db.status")
    assert status.returncode == NOT_COMPARED, status.stdout + status.stderr
    assert "current: " in status.stdout, "matching: the state was not read"
    verdict = status.stdout.splitlines()[-1]
    assert verdict.startswith("status:  at head; cannot create a scratch database"), verdict
    assert grant in verdict, f"matching: {verdict}"

    # 2. A model changed: no verdict, nor advice to write a revision.
    project.add_user_name_column()
    status = inv(project, url, "db.status")
    assert status.returncode == NOT_COMPARED, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert verdict.startswith("status:  at head; cannot create a scratch database"), verdict
    assert grant in verdict and "inv db.revision" not in verdict, f"model changed: {verdict}"
    check = inv(project, url, "db.check")
    assert check.returncode == NOT_COMPARED, check.stdout + check.stderr
    line = one_error_line(check.stderr)
    assert line.startswith("error: cannot create a scratch database ("), f"model changed: {line}"
    assert grant in line, f"model changed: {line}"
    assert "Traceback" not in status.stderr + check.stderr
    assert password not in status.stdout + status.stderr + check.stdout + check.stderr
    assert status_json(project, url, NOT_COMPARED)["comparison_skipped"].startswith(
        "cannot create a scratch database"
    ), "model changed: json comparison_skipped"


@only_on("postgresql", why="REAL read back as Float(24)'s change is autogenerate's on PostgreSQL")
def test_without_the_right_to_create_a_database_autogenerate_false_change_is_no_verdict(
    project: Project, database: ServerDatabase, user_who_cannot_create_databases: str
) -> None:
    # Up to date, yet check said "modify_type users.ratio" (exit 3): autogenerate compares
    # Float(24) with the REAL it reflects, which the catalogs describe alike.
    url = user_who_cannot_create_databases
    project.add_user_model()
    models = project.path / "app" / "models.py"
    source = models.read_text().replace("MetaData, String", "Float, MetaData, String")
    ratio = "    ratio: Mapped[float | None] = mapped_column(Float(24))\n"
    models.write_text(source + ratio)
    written = inv(project, database, "db.revision", "-m", "Initial")
    assert written.returncode == 0, written.stderr
    assert inv(project, url, "db.upgrade").returncode == 0
    shutil.rmtree(project.path.parent / "steward-cache")  # the models' kept description

    check = inv(project, url, "db.check")
    assert check.returncode == NOT_COMPARED, check.stdout + check.stderr
    assert "modify_type" not in check.stdout + check.stderr
    assert one_error_line(check.stderr).startswith("error: cannot create a scratch database (")
    status = inv(project, url, "db.status")
    assert status.returncode == NOT_COMPARED, status.stdout + status.stderr
    assert "modify_type" not in status.stdout + status.stderr


@only_on("sqlite", "postgresql", why="the search is the same code; PostgreSQL's enum types own")
def test_a_stamp_ahead_over_a_revision_that_drops_things_is_told_to_stamp_back_then_upgrade(
    project: Project, database: ServerDatabase
) -> None:
    # `inv db.stamp -r head` over a revision that drops a table (and on PostgreSQL an enum
    # type): the database has them in addition, which no hand added; dropping them by hand
    # would skip the revision's own steps (data moved before the drop would be lost).
    initial = add_users(project)
    enum = database.kind == "postgresql"
    make = '    op.create_table("misc", sa.Column("id", sa.Integer, primary_key=True))'
    drop = '    op.drop_table("misc")'
    if enum:
        make += '\n    sa.Enum("low", "high", name="level_t").create(op.get_bind())'
        drop += '\n    op.execute("DROP TYPE level_t")'
    project.write_revision("mk.py", revision_source("mk", initial, make))
    assert inv(project, database, "db.upgrade").returncode == 0
    project.write_revision("dr.py", revision_source("dr", "mk", drop))
    holds = "the database holds exactly what revision mk builds, an earlier revision"
    advice = "record that with `inv db.stamp -r mk`, then run `inv db.upgrade`"

    assert inv(project, database, "db.stamp", "-r", "dr").returncode == 0
    status = inv(project, database, "db.status")
    assert status.returncode == DATABASE_DIFFERS, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert holds in verdict and advice in verdict and "by hand" not in verdict
    check = inv(project, database, "db.check")
    error = one_error_line(check.stderr)
    assert check.returncode == DATABASE_DIFFERS and holds in error and "by hand" not in error
    # The advice holds: stamped back, the upgrade runs the drop itself.
    assert inv(project, database, "db.stamp", "-r", "mk").returncode == 0
    assert inv(project, database, "db.upgrade").returncode == 0
    assert inv(project, database, "db.status").returncode == 0
    assert scratch_databases(database) == set()


def test_the_earlier_search_runs_only_for_a_database_a_stamp_may_explain_near_its_revision(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Describing a build after each of hundreds of ancestors would make every hand-made change
    # cost seconds to report: only a database that lacks what its revision builds, or has what
    # a stamp or a revision explains, is searched, and only among the revision's nearest
    # ancestors.
    first = add_users(project)
    project.inv("db.upgrade")
    second = add_user_name(project)
    fill = '    op.execute("UPDATE users SET name = email")'
    project.write_revision("fill.py", revision_source("fill", second, fill))
    project.inv("db.stamp", "-r", "head")
    with project.imported():
        from alembic_steward import _wiring
        from alembic_steward.catalog import Difference
        from alembic_steward.inspection import _later_builds
        from alembic_steward.inspection._catalog_drift import live_catalog

        engine = _wiring.get_blocking_engine()
        with engine.connect() as connection:
            live = live_catalog(connection, [])
        engine.dispose()
        lacking = [Difference("column", "users.name", "missing")]
        extra = [Difference("index", "ix_users_email", "unexpected")]

        def search(differences: list[Difference], stamped: bool = False) -> tuple[str, ...] | None:
            found = _later_builds.earlier_builds(
                engine.url, live, [], ["fill"], differences, stamped=stamped
            )
            return found and found.revisions

        assert search(lacking) == (first,)
        assert search(extra) is None  # an addition alone, which no revision names
        # Unless a stamp recorded the revision over differences (a stamp ahead over a drop).
        assert search(extra, stamped=True) == (first,)
        monkeypatch.setattr(_later_builds, "EARLIER_SEARCH_DEPTH", 1)
        assert search(lacking) is None  # `first` is two revisions back: not searched


MOOD_MODEL = """

class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    mood: Mapped[str] = mapped_column(sa.Enum("happy", "sad", name="mood"))
"""


@only_on("postgresql", why="only PostgreSQL keeps enum types of its own, without DROP VALUE")
def test_an_enum_value_added_by_hand_gets_advice_that_works(
    project: Project, database: ServerDatabase
) -> None:
    models = project.path / "app" / "models.py"
    models.write_text(
        "import sqlalchemy as sa\n"
        + models.read_text().replace(
            "from sqlalchemy.orm import DeclarativeBase\n",
            "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n",
        )
        + MOOD_MODEL
    )
    assert inv(project, database, "db.revision", "-m", "people").returncode == 0
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query("ALTER TYPE mood ADD VALUE 'meh'")

    status = inv(project, database, "db.status")
    assert status.returncode == DATABASE_DIFFERS, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert "PostgreSQL cannot drop an enum value (mood 'meh')" in verdict, verdict
    assert "ADD VALUE IF NOT EXISTS" in verdict and "recreate the type" in verdict
    # The enum's own advice is the whole line: no stamp or undo (a stamp explains no value
    # added, nor can it be undone), and no "write no revision" where keeping it needs one.
    for generic in ("stamp", "undo the hand change", "write no revision"):
        assert generic not in verdict, verdict


@only_on("postgresql", why="only PostgreSQL keeps enum types of its own, without DROP VALUE")
def test_an_enum_value_a_downgrade_left_is_blamed_on_that_downgrade_not_a_hand(
    project: Project, database: ServerDatabase
) -> None:
    mood = '    sa.Enum("happy", "sad", name="mood").create(op.get_bind())'
    # Its column the downgrade drops; its value PostgreSQL cannot drop.
    meh = """\
    op.create_table("feelings", sa.Column("id", sa.Integer, primary_key=True))
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'")"""
    project.write_revision("mood.py", revision_source("mood", None, mood))
    drop = '    op.drop_table("feelings")'
    project.write_revision("meh.py", revision_source("meh", "mood", meh, drop))
    assert inv(project, database, "db.upgrade").returncode == 0
    # Said by the downgrade itself (exit 9), and forgotten by the status after it.
    downgrade = inv(project, database, "db.downgrade")
    assert downgrade.returncode == DATABASE_DIFFERS, downgrade.stdout + downgrade.stderr

    status = inv(project, database, "db.status")
    verdict = status.stdout.splitlines()[-1]
    assert "left by the downgrade of revision meh" in verdict, verdict
    assert "by hand" not in verdict and "ADD VALUE IF NOT EXISTS" in verdict, verdict
