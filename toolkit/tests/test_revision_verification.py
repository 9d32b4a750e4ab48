"""`inv db.revision` checks what autogenerate wrote by building it (issue 19): what autogenerate
gets wrong is written right (a SQLite rebuild's indexes and generated columns, a PostgreSQL
identity change, a type's CHECK), and a file that falls short or fails is kept, with only what
is truly missing named, or the call that fails; following the lines then ends clean."""

from __future__ import annotations

import pytest
from project import Project, one_error_line
from servers import ServerDatabase, only_on
from test_catalog_truth import ITEMS, QTY_CHECK, revision, start_with, written_path
from test_drift_detection import KEPT, inv, set_models

READINGS = """

class Reading(Base):
    __tablename__ = "readings"
    __table_args__ = (
        sa.Index("ix_readings_taken_desc", sa.desc("taken")),
        sa.Index("ix_readings_taken_next", sa.text("(taken + 1)")),
        sa.Index("ix_readings_taken_positive", "taken", sqlite_where=sa.text("taken > 0")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    taken: Mapped[int{optional}]
"""
COUNTER = """

class Counter(Base):
    __tablename__ = "counters"

    id: Mapped[int] = mapped_column({identity}primary_key=True)
"""
IDENTITY_ADDED = ("autoincrement=False, ", "sa.Identity(), ")
# The id column's identity in turn, each a change from the one before: started elsewhere,
# removed, added again.
IDENTITY_WALK = (
    ("sa.Identity(start=1), ", None),
    ("sa.Identity(start=100), ", "started-elsewhere"),
    (IDENTITY_ADDED[0], "removed"),
    (IDENTITY_ADDED[1], "added"),
)
FAILING_BLANK_REVISION = '    op.execute("SELECT x FROM no_such_table")'
# On MariaDB the table stays (its DDL commits), and the refused commit() carries the state
# read on that scratch database: a half-applied line about a database that is not the user's.
COMMITTING_BLANK_REVISION = (
    '    op.create_table("extras", sa.Column("id", sa.Integer, primary_key=True))\n'
    "    op.get_bind().commit()"
)


def index_definitions(database: ServerDatabase) -> dict[str, str]:
    rows = database.query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'readings'"
    )
    return {name: sql for name, sql in rows if sql}


def revision_files(project: Project) -> list[str]:
    return sorted(path.name for path in project.versions.glob("*.py"))


def blank_revision(project: Project, database: ServerDatabase, upgrade: str, downgrade: str):
    """Write `inv db.revision --empty` and fill its upgrade and downgrade with the given lines."""
    path = written_path(project, inv(project, database, "db.revision", "--empty", "-m", "hand"))
    text = path.read_text()
    head, _, _ = text.partition("def upgrade() -> None:")
    path.write_text(
        f"{head}def upgrade() -> None:\n{upgrade}\n\n\ndef downgrade() -> None:\n{downgrade}\n"
    )
    return path


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_sqlite_rebuild_keeps_descending_expression_and_partial_indexes(
    project: Project, database: ServerDatabase
) -> None:
    # Autogenerate leaves such indexes out of a new table, and a batch rebuild loses them.
    start_with(project, database, READINGS.format(optional=""))
    created = index_definitions(database)
    assert "DESC" in created["ix_readings_taken_desc"]
    set_models(project, READINGS.format(optional=" | None"))
    text = written_path(project, revision(project, database, "taken optional")).read_text()
    assert "batch_alter_table" in text and 'DROP INDEX IF EXISTS "ix_readings_taken_desc"' in text
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    assert index_definitions(database) == created
    inv(project, database, "db.downgrade", "--yes")
    assert index_definitions(database) == created


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_postgresql_identity_change_is_written_so_that_it_applies_both_ways(
    project: Project, database: ServerDatabase
) -> None:
    # One history walks the changes in turn (a project, a database and a start each would pay
    # the same set-up three times): each is drift until its revision, which applies, leaves
    # nothing to write, and goes down and up again.
    (start, _), *changes = IDENTITY_WALK
    start_with(project, database, COUNTER.format(identity=start))
    for after, change in changes:
        set_models(project, COUNTER.format(identity=after))
        assert "Run `inv db.revision" in inv(project, database, "db.check", code=3), change
        revision(project, database, change)
        inv(project, database, "db.upgrade")
        assert "No changes" in inv(project, database, "db.check"), change
        inv(project, database, "db.downgrade", "--yes")
        inv(project, database, "db.upgrade")
        assert "No changes" in inv(project, database, "db.check"), change


def kept_revision(project: Project, database: ServerDatabase) -> tuple[str, str]:
    """`inv db.revision` keeping a file that does not build the models yet: its one line,
    and what it printed above it."""
    completed = project.inv("db.revision", "-m", "kept", code=1, env={"DATABASE_URL": database.url})
    assert "Created revision" in completed.stdout
    return one_error_line(completed.stderr), completed.stdout


def upgrade_body(path, upgrade: str, downgrade: str) -> None:
    """Replace the upgrade and downgrade bodies of the revision at ``path``."""
    head = path.read_text().partition("def upgrade() -> None:")[0]
    path.write_text(
        f"{head}def upgrade() -> None:\n{upgrade}\n\n\ndef downgrade() -> None:\n{downgrade}\n"
    )


def test_a_revision_that_leaves_a_change_out_is_kept_naming_only_that_change(
    project: Project, database: ServerDatabase
) -> None:
    checked = ITEMS.replace("    id: Mapped", QTY_CHECK + "\n    id: Mapped")
    start_with(project, database, checked)
    # Autogenerate writes the new column, not the CHECK constraint's new definition.
    note = "    note: Mapped[str | None] = mapped_column(sa.String(20))\n"
    set_models(project, checked.replace("qty >= 0", "qty > 0") + note)
    said, above = kept_revision(project, database)
    path = written_path(project, above)
    assert said.startswith(f"error: written {path.relative_to(project.path)}, but it does not")
    assert "add what the lines above name to it before `inv db.upgrade`" in said
    assert "drop it and create it again by hand" in above and 'type_="check"' in above
    if database.kind == "sqlite":  # only the batch form works there
        assert 'batch_op.create_check_constraint("qty_positive", "qty > 0")' in above, above
    else:
        assert 'op.create_check_constraint("qty_positive", "items", "qty > 0")' in above, above
        assert "batch" not in above, above
    assert "items.note" not in above  # written, so not to add by hand
    text = path.read_text()
    assert "add_column" in text
    name = 'op.f("ck_items_qty_positive")'
    drop = f'{name}, type_="check"'

    def swap(old: str, new: str) -> str:
        if database.kind == "sqlite":
            return (
                '    with op.batch_alter_table("items") as batch_op:\n'
                f"        batch_op.drop_constraint({drop})\n"
                f'        batch_op.create_check_constraint({name}, "{new}")'
            )
        return (
            f'    op.drop_constraint({name}, "items", type_="check")\n'
            f'    op.create_check_constraint({name}, "items", "{new}")'
        )

    upgrade, downgrade = text.split("def upgrade() -> None:")[1].split("def downgrade() -> None:")
    upgrade_body(
        path,
        upgrade.rstrip() + "\n" + swap("qty >= 0", "qty > 0"),
        swap("qty > 0", "qty >= 0") + "\n" + downgrade.rstrip(),
    )
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")


ORDERS = """

class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    amount: Mapped[float] = mapped_column(sa.Numeric(10, 2))
    code: Mapped[str] = mapped_column(sa.Text)
"""


@only_on("postgresql", why="the others cast text to integer by themselves")
def test_a_revision_that_fails_is_kept_naming_the_call_and_the_cast_it_needs(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, ORDERS)
    changed = ORDERS.replace("Numeric(10, 2)", "Numeric(12, 4)")
    set_models(project, changed.replace("[str] = mapped_column(sa.Text)", "[int]"))
    said, above = kept_revision(project, database)
    # Only the call that fails: the Numeric change, which autogenerate wrote, is no line.
    assert "orders.amount" not in said + above and "by hand" not in above
    assert '`op.alter_column("orders", "code", ...)` at app/migrations/versions/' in said
    assert "DatatypeMismatch" in said and 'add postgresql_using="code::integer"' in said
    failing = project.path / said.split("` at ")[1].split(":")[0]
    text = failing.read_text()
    failing.write_text(
        text.replace(
            "type_=sa.Integer(),", 'type_=sa.Integer(), postgresql_using="code::integer",', 1
        )
    )
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")


@pytest.mark.parametrize("database", ["mysql"], indirect=True)
def test_a_mariadb_identity_change_that_fails_is_kept_and_the_advice_ends_clean(
    project: Project, database: ServerDatabase
) -> None:
    before, after = IDENTITY_ADDED
    start_with(project, database, COUNTER.format(identity=before))
    set_models(project, COUNTER.format(identity=after))
    said, _above = kept_revision(project, database)
    assert '`op.alter_column("counters", "id", ...)` at' in said and "identity" in said
    assert "write it as" in said and "autoincrement=True" in said
    column = '"counters", "id", existing_type=sa.Integer(), existing_nullable=False'
    upgrade_body(
        written_path(project, _above),
        f"    op.alter_column({column}, autoincrement=True)",
        f"    op.alter_column({column}, autoincrement=False)",
    )
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")


def test_status_after_a_failed_contract_revision_names_no_command_that_fails_again(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, KEPT)
    # A blank revision is labelled contract; this one fails when it runs.
    path = blank_revision(project, database, FAILING_BLANK_REVISION, "    pass")
    inv(project, database, "db.upgrade", code=1)
    status = inv(project, database, "db.status", code=2)
    assert "fails on a scratch database" in status and "no_such_table" in status
    assert "would fail the same way: fix that revision's file, then run" in status
    # What the advice then names works once the file is fixed.
    path.write_text(path.read_text().replace(FAILING_BLANK_REVISION, "    pass"))
    # A development database: the plain upgrade, as no rolling deploy waits between phases.
    assert "then run `inv db.upgrade`" in status and "--phase" not in status, status
    inv(project, database, "db.upgrade")
    assert "up to date" in inv(project, database, "db.status")


@only_on("sqlite", "mysql", why="CI time: the text is the same on PostgreSQL as on SQLite")
def test_status_names_a_pending_revision_failing_on_a_scratch_database_briefly(
    project: Project, database: ServerDatabase
) -> None:
    # Never run on the user's database: what status says is the scratch database's failure,
    # which must not read as a state of the user's database, nor name the scratch database.
    start_with(project, database, KEPT)
    path = blank_revision(project, database, COMMITTING_BLANK_REVISION, "    pass")
    for reason in ("commit()", "no_such_table"):
        status = inv(project, database, "db.status", code=2).split("status:  ")[1]
        failure = status.split("pending migrations, but ")[1].split(", so `inv")[0]
        assert "fails on a scratch database" in failure and reason in failure
        assert len(failure) < 200 and "_scratch_" not in failure
        assert not any(word in status for word in ("half-applied", "still at", "stamp"))
        path.write_text(path.read_text().replace(COMMITTING_BLANK_REVISION, FAILING_BLANK_REVISION))
