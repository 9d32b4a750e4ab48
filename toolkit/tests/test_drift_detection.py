"""`inv db.check`, `inv db.status`, `inv db.revision` and the migration tests see every change a
model can make (issue 10, part 1), on each database, through the fixture service's commands."""

from __future__ import annotations

from pathlib import Path

from made_revisions import write_start
from migration_faults import INVOICE_MODULE, MODELS_HEADER
from project import Project, created_revision
from servers import ServerDatabase, only_on

STATUS_DRIFT = 3
UNBUILDABLE_MODELS = 14

COMMON_DEFAULTS = """

class Defaults(Base):
    __tablename__ = "defaults"

    id: Mapped[int] = mapped_column(primary_key=True)
    off: Mapped[bool] = mapped_column(server_default=sa.false())
    on: Mapped[bool] = mapped_column(server_default=sa.true())
    created: Mapped[sa.DateTime] = mapped_column(sa.DateTime, server_default=sa.func.now())
    label: Mapped[str] = mapped_column(sa.String(20), server_default="abc")
    blank: Mapped[str] = mapped_column(sa.String(20), server_default="")
    amount: Mapped[float] = mapped_column(sa.Numeric(10, 2), server_default="1.5")
    count: Mapped[int] = mapped_column(server_default=sa.text("0"))
"""
COLORS = """

class Paint(Base):
    __tablename__ = "paints"

    id: Mapped[int] = mapped_column(primary_key=True)
    color: Mapped[str] = mapped_column(sa.Enum({members}, name="color"))
"""
GENERATED = """

class Box(Base):
    __tablename__ = "boxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    width: Mapped[int | None]
    double: Mapped[int | None] = mapped_column(sa.Computed("width * 2"))
"""
PARENT_AND_CHILD = """

class AParent(Base):
    __tablename__ = "a_parent"

    id: Mapped[int] = mapped_column(primary_key=True)


class BChild(Base):
    __tablename__ = "b_child"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(sa.ForeignKey("a_parent.id"))
"""
NAME_WITH_DEFAULT = '    name: Mapped[str] = mapped_column(sa.String(9), server_default="a")\n'
KEPT_REFERS_TO_PARENT = (
    '    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("a_parent.id"))\n'
)
KEPT = """

class Kept(Base):
    __tablename__ = "kept"

    id: Mapped[int] = mapped_column(primary_key=True)
"""


def models_path(project: Project) -> Path:
    return project.path / "app" / "models.py"


def set_models(project: Project, *models: str) -> None:
    """Replace the models after the service's Base with ``models``."""
    path = models_path(project)
    base = path.read_text().partition(MODELS_HEADER)[0]
    path.write_text(base + MODELS_HEADER + "".join(models))


def inv(project: Project, database: ServerDatabase, *arguments: str, code: int = 0):
    completed = project.inv(*arguments, code=code, env={"DATABASE_URL": database.url})
    return completed.stdout + completed.stderr


def revise_and_upgrade(project: Project, database: ServerDatabase, message: str) -> str:
    """Write a revision with `inv db.revision`, apply it, and return its text."""
    _, path = created_revision(inv(project, database, "db.revision", "-m", message))
    inv(project, database, "db.upgrade")
    return (project.path / path).read_text()


def start_from(project: Project, database: ServerDatabase, tables: str, *models: str) -> None:
    """Set ``models`` and apply the revision autogenerate writes for them, written in (a set-up,
    not the subject: made_revisions.STARTING_TABLES)."""
    set_models(project, *models)
    write_start(project, tables)
    inv(project, database, "db.upgrade")


def models_match_test(project: Project, database: ServerDatabase):
    """Run the service's own test that its models match its migrations."""
    env = {} if database.kind == "sqlite" else {"TEST_DATABASE_URL": database.url}
    return project.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_migrations.py",
        "-k",
        "models",
        env=env,
    )


def test_a_changed_server_default_is_drift_for_check_status_and_the_migration_tests(
    project: Project, database: ServerDatabase
) -> None:
    start_from(project, database, "kept with a named default", KEPT + NAME_WITH_DEFAULT)
    path = models_path(project)
    path.write_text(path.read_text().replace('server_default="a"', 'server_default="b"'))
    assert "column kept.name: default" in inv(project, database, "db.check", code=3)
    assert "column kept.name: default" in inv(project, database, "db.status", code=STATUS_DRIFT)
    completed = models_match_test(project, database)
    assert completed.returncode == 1 and "test_models_match_migrations" in completed.stdout
    revision = revise_and_upgrade(project, database, "default b")
    assert "server_default" in revision
    assert "No changes" in inv(project, database, "db.check")


def test_common_server_defaults_are_not_reported_as_drift(
    project: Project, database: ServerDatabase
) -> None:
    # MariaDB reflects false as 0 and now() as current_timestamp(): the same defaults.
    set_models(project, COMMON_DEFAULTS)
    revise_and_upgrade(project, database, "defaults")
    assert "No changes" in inv(project, database, "db.check")
    inv(project, database, "db.status")


@only_on(
    "postgresql",
    "mysql",
    why="SQLite stores an enum as VARCHAR: there is no type to create, alter or drop",
)
def test_enum_members_are_drift_and_revisions_alter_create_and_drop_the_type(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, KEPT, COLORS.format(members='"red", "green"'))
    first = revise_and_upgrade(project, database, "paints")
    set_models(project, KEPT, COLORS.format(members='"red", "green", "blue"'))
    if database.kind == "postgresql":
        assert ".drop(op.get_bind())" in first and ".create(op.get_bind())" in first
        assert "color" in inv(project, database, "db.check", code=3)
        added = revise_and_upgrade(project, database, "blue")
        assert "add_enum_value" in added
    else:
        # MariaDB's ENUM is the column's type: a changed member list is a changed type.
        inv(project, database, "db.check", code=3)
        revise_and_upgrade(project, database, "blue")
    assert "No changes" in inv(project, database, "db.check")
    set_models(project, KEPT, COLORS.format(members='"red", "blue"'))
    inv(project, database, "db.check", code=3)
    revise_and_upgrade(project, database, "no green")
    assert "No changes" in inv(project, database, "db.check")
    # Up, down to base and up again: the type goes with its table and comes back with it.
    inv(project, database, "db.downgrade", "-r", "base", "--yes")
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")


def test_a_change_autogenerate_cannot_write_fails_check_and_revision_saying_what_to_do(
    project: Project, database: ServerDatabase
) -> None:
    start_from(project, database, "boxes", GENERATED)
    path = models_path(project)
    path.write_text(path.read_text().replace("width * 2", "width * 3"))
    checked = inv(project, database, "db.check", code=3)
    assert "column boxes.double: generated" in checked and "drop it and add it again" in checked
    assert "boxes.double" in inv(project, database, "db.status", code=STATUS_DRIFT)
    revision = inv(project, database, "db.revision", "-m", "triple", code=1)
    assert "boxes.double" in revision and "error:" in revision
    assert "Created revision" not in revision


@only_on("sqlite", why="which modules are imported does not depend on the database")
def test_a_model_in_a_module_models_does_not_import_is_seen_by_autogenerate(
    project: Project, database: ServerDatabase
) -> None:
    start_from(project, database, "kept", KEPT)
    (project.path / "app" / "billing.py").write_text(INVOICE_MODULE)
    checked = inv(project, database, "db.check", code=3)
    assert "table invoices is in the models but not in the migrations" in checked
    assert 'op.create_table(\n        "invoices"' in revise_and_upgrade(
        project, database, "invoices"
    )


def test_a_generated_revision_drops_a_parent_after_everything_that_refers_to_it(
    project: Project, database: ServerDatabase
) -> None:
    # Autogenerate drops removed tables first, in no set order, then changes the others: here
    # it would drop a_parent before kept's foreign key to it, which PostgreSQL and MariaDB refuse.
    start_from(
        project,
        database,
        "a parent, a child and kept referring to it",
        KEPT + KEPT_REFERS_TO_PARENT,
        PARENT_AND_CHILD,
    )
    set_models(project, KEPT)
    upgrade = revise_and_upgrade(project, database, "drop both").partition("def downgrade")[0]
    parent_dropped = upgrade.index('drop_table("a_parent")')
    assert upgrade.index('drop_table("b_child")') < parent_dropped
    assert upgrade.index('"parent_id")') < parent_dropped  # kept's drop_column
    inv(project, database, "db.downgrade", "--yes")
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")


AUTHORS_AND_POSTS = """
class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("authors.id"), index=True)
"""


def test_a_foreign_key_with_its_own_index_is_dropped_and_reverted_on_every_database(
    project: Project, database: ServerDatabase
) -> None:
    # Autogenerate drops the index first, which MariaDB refuses while a foreign key needs it:
    # the revisions drop the foreign key (or the table) first, and the migration tests pass.
    without_key = AUTHORS_AND_POSTS.replace(
        '    author_id: Mapped[int] = mapped_column(sa.ForeignKey("authors.id"), index=True)\n',
        "",
    )
    start_from(project, database, "authors and posts", without_key)
    # A foreign key added to a table that exists (autogenerate's create_foreign_key).
    set_models(project, AUTHORS_AND_POSTS)
    assert "op.create_foreign_key(" in revise_and_upgrade(project, database, "add the key")
    set_models(project, without_key)
    revise_and_upgrade(project, database, "drop the column")
    set_models(project)
    revise_and_upgrade(project, database, "drop the tables")
    inv(project, database, "db.downgrade", "-r", "base", "--yes")
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    completed = models_match_test(project, database)
    assert completed.returncode == 0, completed.stdout + completed.stderr


SCORED_PARENT_AND_CHILD = """

class AParent(Base):
    __tablename__ = "a_parent"

    id: Mapped[int] = mapped_column(primary_key=True)
    score: Mapped[float | None] = mapped_column(sa.Float(53))


class BChild(Base):
    __tablename__ = "b_child"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("a_parent.id"))
"""
# NOT NULL with ON DELETE SET NULL: MariaDB refuses to create it, so the models cannot be built
# in a scratch database, nor by a revision written for them.
UNBUILDABLE_ON_MARIADB = SCORED_PARENT_AND_CHILD.replace(
    'parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("a_parent.id"))',
    'parent_id: Mapped[int] = mapped_column(sa.ForeignKey("a_parent.id", ondelete="SET NULL"))',
)


@only_on("mysql", why="the models build on SQLite and PostgreSQL")
def test_models_that_cannot_be_built_are_named_not_compared(
    project: Project, database: ServerDatabase
) -> None:
    start_from(project, database, "a scored parent and its child", SCORED_PARENT_AND_CHILD)
    # A column changed by hand too: no comparison is advised on, as no revision can build them.
    database.query("ALTER TABLE a_parent MODIFY score INTEGER")
    set_models(project, UNBUILDABLE_ON_MARIADB)
    for task, code in (("db.check", UNBUILDABLE_MODELS), ("db.status", UNBUILDABLE_MODELS)):
        output = inv(project, database, task, code=code)
        assert "the models' table b_child (MariaDB says: " in output, output
        assert "Foreign key constraint is incorrectly formed" in output, output
        assert "_models_" not in output and "inv db.revision" not in output, output


# What autogenerate's own comparison gets wrong on some databases, though the catalogs match:
# a descending index (SQLite, MariaDB), an identity column and Float(53) read back as DOUBLE
# (MariaDB).
BLIND_SPOTS = """

class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(sa.Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    score: Mapped[float | None] = mapped_column(sa.Float(53))

    __table_args__ = (sa.Index("ix_accounts_name_desc", sa.desc("name")),)
"""


def test_nothing_changed_writes_nothing_and_a_real_change_is_written_without_the_false_ones(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, BLIND_SPOTS)
    # SQLite's descending index too, which autogenerate leaves out (runtime/_rebuilt_indexes.py).
    revise_and_upgrade(project, database, "accounts")
    before = sorted(path.name for path in project.versions.iterdir())
    inv(project, database, "db.check")
    output = inv(project, database, "db.revision", "-m", "nothing")
    assert "No changes detected in the models; no revision file written." in output, output
    assert "warning" not in output, output
    assert sorted(path.name for path in project.versions.iterdir()) == before

    # A real change beside the same blind spots: written alone.
    with_note = BLIND_SPOTS.replace(
        "    score:", "    note: Mapped[str | None] = mapped_column(sa.String(20))\n    score:"
    )
    set_models(project, with_note)
    # The check names the new column alone: no "autogenerate writes ... fails" for the others.
    checked = inv(project, database, "db.check", code=3)
    assert "accounts.note" in checked and "fails (" not in checked, checked
    assert "by hand" not in checked, checked
    text = revise_and_upgrade(project, database, "note")
    upgrade = text.split("def upgrade")[1].split("def downgrade")[0]
    assert "add_column" in upgrade and "note" in upgrade, text
    # Nothing on the identity column, the DOUBLE column or the descending index.
    for false_change in ("alter_column", "drop_index", "create_index"):
        assert false_change not in upgrade, text
    inv(project, database, "db.check")


# A column's named CHECK: SQLAlchemy writes `CONSTRAINT name CHECK (...)` inside the column,
# which MariaDB refuses, and autogenerate leaves the CHECK out of what it writes.
COLUMN_CHECK = """

class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    age: Mapped[int | None] = mapped_column(sa.CheckConstraint("age >= 0", name="age_nonneg"))
"""


@only_on("mysql", why="SQLite and PostgreSQL accept a column's named CHECK")
def test_a_revision_from_models_the_server_refuses_is_refused_before_writing(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, COLUMN_CHECK)
    output = inv(project, database, "db.revision", "-m", "people", code=1)
    line = output.strip().splitlines()[-1]
    # Refused before writing, with db.status's line: a file written from them would fail too.
    assert line.startswith("error: this database cannot build the models' table people ("), line
    assert "Created revision" not in output and not list(project.versions.glob("*.py")), output
    status = inv(project, database, "db.status", code=UNBUILDABLE_MODELS)
    assert status.strip().splitlines()[-1] == line, status


@only_on("postgresql", why="the enum type and the warning for an unspecified Computed are its own")
def test_a_changed_enum_and_a_generated_column_are_said_once_each(
    project: Project, database: ServerDatabase
) -> None:
    # GENERATED's Computed() has no persisted=: SQLAlchemy warns each time it compiles it for
    # PostgreSQL before 18. check and status printed that two to four times, and a revision for
    # the enum alembic-postgresql-enum's `Was:` and `Become:` on lines of their own.
    start_from(
        project,
        database,
        "boxes and paints of an enum type (PostgreSQL)",
        GENERATED,
        COLORS.format(members='"red", "green"'),
    )
    set_models(project, GENERATED, COLORS.format(members='"red", "green", "blue"'))
    outputs = {
        "check": inv(project, database, "db.check", code=STATUS_DRIFT),
        "status": inv(project, database, "db.status", code=STATUS_DRIFT),
        "revision": inv(project, database, "db.revision", "-m", "blue"),
    }
    for command, output in outputs.items():
        assert output.count("is being created as 'STORED'") <= 1, f"{command}: {output}"
        assert "Was:" not in output and "Become:" not in output, f"{command}: {output}"
    assert (
        "Detected changed enum values in 'color': 'red', 'green' become 'red', 'green', 'blue'"
        in outputs["revision"]
    ), outputs["revision"]
