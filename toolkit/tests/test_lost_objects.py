"""A revision whose upgrade loses a trigger or an index made by hand (SQLite's batch mode
recreating the table without it) is named as that upgrade's fault, by the stairway and by
`inv db.revision` when it writes one, never blamed on the downgrade."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from project import Project, one_error_line, revision_source
from servers import ServerDatabase
from test_tenant_json import sqlite_project

LOSES_TEST = "test_no_upgrade_loses_a_trigger_or_index_it_does_not_drop"
RESTORES_TEST = "test_each_downgrade_restores_the_schema_its_upgrade_started_from"
USERS = """
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(50))
"""
EMAIL = "    email: Mapped[str | None] = mapped_column(sa.String(50), unique=True)\n"
CREATE_USERS = """    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(50), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )"""
TRIGGER = (
    "create trigger users_touch after update on users"
    " begin update users set name = trim(new.name) where id = new.id and 0; end"
)
LOWER_INDEX = "create index ix_users_lower_name on users (lower(name))"
ADD_EMAIL = """    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(50), nullable=True))
        batch.create_unique_constraint(batch.f("uq_users_email"), ["email"])"""
DROP_EMAIL = """    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(batch.f("uq_users_email"), type_="unique")
        batch.drop_column("email")"""


def write_history(project: Project, made_by_hand: str, drop: str, *third: str) -> None:
    """users (r1), ``made_by_hand`` executed (r2) and, given ``third``, r3's upgrade and
    downgrade bodies; the models with users.email when r3 is written."""
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + USERS + (EMAIL if third else ""))
    project.write_revision(
        "r1.py", revision_source("r1", None, CREATE_USERS, '    op.drop_table("users")')
    )
    execute = f"    op.execute({made_by_hand!r})"
    project.write_revision(
        "r2.py", revision_source("r2", "r1", execute, f"    op.execute({drop!r})")
    )
    if third:
        project.write_revision("r3.py", revision_source("r3", "r2", *third))


def run_stairway(project: Project):
    return project.run(
        "pytest", "-q", "-p", "no:cacheprovider", "tests/test_migrations.py",
        "-k", f"{LOSES_TEST} or {RESTORES_TEST}",
    )  # fmt: skip


def test_the_stairway_names_the_upgrade_whose_batch_mode_loses_a_trigger(project: Project) -> None:
    write_history(project, TRIGGER, "drop trigger users_touch", ADD_EMAIL, DROP_EMAIL)
    completed = run_stairway(project)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert f"FAILED tests/test_migrations.py::{LOSES_TEST}" in output, output
    assert (
        "revision r3 (r3)'s upgrade drops trigger users.users_touch: SQLite's batch mode"
        " recreates table users without it; recreate it in the same revision, after the batch"
        " operation"
    ) in output, output
    # The downgrade is not blamed for what the upgrade lost.
    assert RESTORES_TEST not in output.split("short test summary")[-1], output
    assert "not in the schema after the downgrade" not in output, output


def test_the_stairway_names_an_expression_index_lost_the_same_way(project: Project) -> None:
    write_history(project, LOWER_INDEX, "drop index ix_users_lower_name", ADD_EMAIL, DROP_EMAIL)
    completed = run_stairway(project)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert (
        "revision r3 (r3)'s upgrade drops index users.ix_users_lower_name: SQLite's batch mode"
        " recreates table users without it"
    ) in output, output


def test_a_revision_that_recreates_the_trigger_after_its_batch_passes(project: Project) -> None:
    again = f"\n    op.execute({TRIGGER!r})"
    write_history(
        project, TRIGGER, "drop trigger users_touch", ADD_EMAIL + again, DROP_EMAIL + again
    )
    completed = run_stairway(project)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_db_revision_names_the_trigger_the_revision_it_wrote_loses(project: Project) -> None:
    write_history(project, TRIGGER, "drop trigger users_touch")
    project.inv("db.upgrade")
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + EMAIL)
    completed = project.inv("db.revision", "-m", "email", code=1)
    assert "SQLite's batch mode recreates table users without it" in completed.stdout, (
        completed.stdout + completed.stderr
    )
    line = one_error_line(completed.stderr)
    assert line.startswith("error: written app/migrations/versions/"), line
    assert "'s upgrade drops trigger users.users_touch" in completed.stdout
    assert "recreate each in it after the operation that loses it" in line, line
    assert line.endswith("(the database was not changed)"), line


def test_a_service_baked_before_the_check_fails_its_restore_check_naming_the_upgrade(
    project: Project,
) -> None:
    # Its tests/test_migrations.py imports the checks by name, so not the new one.
    tests = project.path / "tests" / "test_migrations.py"
    check = f"    {LOSES_TEST},\n"
    tests.write_text(tests.read_text().replace(check, ""))
    write_history(project, TRIGGER, "drop trigger users_touch", ADD_EMAIL, DROP_EMAIL)
    completed = run_stairway(project)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert f"FAILED tests/test_migrations.py::{RESTORES_TEST}" in output, output
    assert "revision r3 (r3)'s upgrade drops trigger users.users_touch: SQLite's" in output, output


def test_db_upgrade_warns_of_the_trigger_a_batch_operation_loses(project: Project) -> None:
    write_history(project, TRIGGER, "drop trigger users_touch", ADD_EMAIL, DROP_EMAIL)
    completed = project.inv("db.upgrade")
    assert (
        "warning: revision r3 (r3)'s upgrade dropped trigger users.users_touch: SQLite's batch"
        " mode recreated table users without it"
    ) in completed.stderr, completed.stderr
    # Once: a second run has nothing to apply, and a clean step warns of nothing.
    assert completed.stderr.count("warning:") == 1, completed.stderr


def test_db_upgrade_advises_a_new_revision_not_an_edit_of_the_one_that_ran(
    project: Project,
) -> None:
    write_history(project, TRIGGER, "drop trigger users_touch", ADD_EMAIL, DROP_EMAIL)
    stderr = project.inv("db.upgrade").stderr
    # r3 has run: an edit of it is an edit of an applied revision (`inv db.status` exit 8).
    assert "recreate it in the same revision" not in stderr, stderr
    assert (
        "warning: revision r3 (r3)'s upgrade dropped trigger users.users_touch: SQLite's batch"
        " mode recreated table users without it; r3 has run, so make it again in a new revision"
        ' (`inv db.revision --empty -m "make users_touch again"`) whose upgrade() runs'
        f" `op.execute({TRIGGER.replace('create trigger', 'CREATE TRIGGER')!r})`"
    ) in stderr, stderr


def test_db_upgrade_does_not_warn_when_a_later_revision_of_the_run_makes_it_again(
    project: Project,
) -> None:
    write_history(project, TRIGGER, "drop trigger users_touch", ADD_EMAIL, DROP_EMAIL)
    again = f"    op.execute({TRIGGER!r})"
    project.write_revision("r4.py", revision_source("r4", "r3", again))
    completed = project.inv("db.upgrade")
    assert "warning:" not in completed.stderr, completed.stderr


def test_a_tenant_s_row_carries_the_warning(tmp_path: Path) -> None:
    project = sqlite_project(tmp_path, ["east"])
    project.inv("db.tenant-create", "east")
    trigger = TRIGGER.replace("users", "notes").replace("name", "body")
    execute = f"    op.execute({trigger!r})"
    project.write_revision("0004.py", revision_source("0004", "0003", execute))
    add = ADD_EMAIL.replace('"users"', '"notes"').replace("uq_users_email", "uq_notes_email")
    project.write_revision("0005.py", revision_source("0005", "0004", add))
    completed = project.run("inv", "db.upgrade", "--tenants", "east", "--json")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    (row,) = json.loads(completed.stdout)
    assert row["outcome"] == "upgraded", row
    assert (
        "warning: revision 0005 (0005)'s upgrade dropped trigger notes.notes_touch: SQLite's"
        " batch mode recreated table notes without it"
    ) in row["detail"], row


SERVER_TRIGGERS = {
    "postgresql": (
        "CREATE FUNCTION users_touch_fn() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RETURN NEW; END $$;"
        " CREATE TRIGGER users_touch BEFORE UPDATE ON users"
        " FOR EACH ROW EXECUTE FUNCTION users_touch_fn()",
        "DROP TRIGGER users_touch ON users; DROP FUNCTION users_touch_fn()",
    ),
    "mysql": (
        "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW SET NEW.name = NEW.name",
        "DROP TRIGGER users_touch",
    ),
}


# The servers alter in place but for recreate='always' (Alembic's choice, the same on both):
# 'always' on each server, whose trigger is its own, 'auto' once.
@pytest.mark.parametrize(
    ("database", "recreate"),
    [("postgresql", "always"), ("mysql", "always"), ("mysql", "auto")],
    indirect=["database"],
    ids=["always-postgresql", "always-mysql", "auto-mysql"],
)
def test_on_a_server_only_a_batch_that_recreates_its_table_loses_the_trigger(
    project: Project, database: ServerDatabase, recreate: str
) -> None:
    create, drop = SERVER_TRIGGERS[database.kind]
    batch = ADD_EMAIL.replace('("users")', f'("users", recreate="{recreate}")')
    write_history(project, create, drop, batch, DROP_EMAIL)
    completed = project.run(
        "pytest", "-q", "-p", "no:cacheprovider", "tests/test_migrations.py",
        "-k", f"{LOSES_TEST} or {RESTORES_TEST}", env={"TEST_DATABASE_URL": database.url},
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    if recreate == "auto":  # an ALTER TABLE in place keeps it
        assert completed.returncode == 0, output
        return
    assert completed.returncode == 1, output
    assert (
        "revision r3 (r3)'s upgrade drops trigger users.users_touch: batch mode recreates table"
        " users without it"
    ) in output, output


DESC_INDEX = "create index ix_users_name_desc on users (name desc)"


def write_two_index_history(project: Project) -> None:
    """users (r1), an expression index and a DESC index (r2), then r3 adding users.email in a
    batch that recreates the table, its downgrade dropping it in another."""
    write_history(project, LOWER_INDEX, "drop index ix_users_lower_name", ADD_EMAIL, DROP_EMAIL)
    r2 = project.path / "app" / "migrations" / "versions" / "r2.py"
    text = r2.read_text()
    text = text.replace(
        f"    op.execute({LOWER_INDEX!r})",
        f"    op.execute({LOWER_INDEX!r})\n    op.execute({DESC_INDEX!r})",
    )
    text = text.replace(
        "    op.execute('drop index ix_users_lower_name')",
        "    op.execute('drop index ix_users_lower_name')\n"
        "    op.execute('drop index ix_users_name_desc')",
    )
    r2.write_text(text)


def test_db_upgrade_warns_of_the_desc_order_a_batch_operation_loses(project: Project) -> None:
    write_two_index_history(project)
    completed = project.inv("db.upgrade")
    assert (
        "warning: revision r3 (r3)'s upgrade made index users.ix_users_name_desc again without"
        " its DESC order: SQLite's batch mode recreated table users"
    ) in completed.stderr, completed.stderr
    assert "dropped index users.ix_users_lower_name" in completed.stderr, completed.stderr


ADD_IN_PLACE = """    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(50), nullable=True))"""
DROP_BY_COPY = """    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")"""


@pytest.mark.parametrize("upgrade", ["in place", "by copy, then made again"])
def test_a_downgrade_whose_batch_loses_indexes_is_blamed_for_them(
    project: Project, upgrade: str
) -> None:
    write_two_index_history(project)
    r3 = project.path / "app" / "migrations" / "versions" / "r3.py"
    if upgrade == "in place":  # the t46 report's revision: its upgrade touches neither index
        r3.write_text(
            r3.read_text().replace(ADD_EMAIL, ADD_IN_PLACE).replace(DROP_EMAIL, DROP_BY_COPY)
        )
    else:  # the upgrade made them again after its batch; the downgrade does not
        again = f"    op.execute('drop index ix_users_name_desc')\n    op.execute({DESC_INDEX!r})\n"
        again += f"    op.execute({LOWER_INDEX!r})\n"
        r3.write_text(r3.read_text().replace(ADD_EMAIL, ADD_EMAIL + "\n" + again))
    project.inv("db.upgrade")

    completed = project.inv("db.downgrade", "--yes", code=9)

    line = one_error_line(completed.stderr)
    assert "made by hand" not in line and "did not undo" not in line, line
    assert "missing index users.ix_users_lower_name" in line, line
    assert "different index users.ix_users_name_desc" in line, line
    assert "were there before this downgrade, and the downgrade() of r3 lost them" in line, line
    assert "after its batch block" in line, line


def test_the_comparison_around_an_upgrade_names_a_desc_order_its_batch_loses() -> None:
    # What the stairway and `inv db.revision` compare: the catalogs around one upgrade.
    import sqlalchemy as sa
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from alembic_steward.catalog import describe_catalog
    from alembic_steward.inspection._lost_objects import lost_objects, statements_sent

    with sa.create_engine("sqlite://").begin() as connection:
        connection.exec_driver_sql("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        connection.exec_driver_sql(DESC_INDEX)
        before = describe_catalog(connection)
        with statements_sent(connection) as sent:
            op = Operations(MigrationContext.configure(connection))
            with op.batch_alter_table("users") as batch:
                batch.alter_column("name", type_=sa.String(80))
        after = describe_catalog(connection)

    (lost,) = lost_objects(before, after, sent)
    assert lost.line("revision r3 (r3)").startswith(
        "revision r3 (r3)'s upgrade makes index users.ix_users_name_desc again without its DESC"
        " order: SQLite's batch mode recreates table users"
    ), lost
