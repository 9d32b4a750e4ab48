"""Warnings about what SQLAlchemy's reflection skips are not shown: the toolkit's catalog
describes those objects itself, so the warning says nothing the user can act on."""

from __future__ import annotations

from project import Project, created_revision, revision_source
from test_drift_advice import STATUS_DRIFT

ORDERS_LAST_COLUMN = "    email: Mapped[str] = mapped_column(sa.String(50))\n"
NOTE = "    note: Mapped[str | None] = mapped_column(sa.String(50))\n"
ORDERS = """
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(50))


sa.Index("ix_orders_lower_email", sa.func.lower(Order.email))
"""


def test_an_expression_index_on_sqlite_prints_no_reflection_warning(project: Project) -> None:
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + ORDERS)
    project.inv("db.revision", "-m", "Add orders")
    project.inv("db.upgrade")
    # Drift on the table with the index: every task then reflects it through autogenerate.
    models.write_text(models.read_text().replace(ORDERS_LAST_COLUMN, ORDERS_LAST_COLUMN + NOTE))
    tasks = [("db.check",), ("db.status",), ("db.revision", "-m", "Add note"), ("db.upgrade",)]
    for number, (task, code) in enumerate(
        zip(tasks, (STATUS_DRIFT, STATUS_DRIFT, 0, 0), strict=True)
    ):
        # A cold cache each time: a warm one would skip the reflection that warns.
        cache = {"ALEMBIC_STEWARD_CACHE": str(project.path.parent / f"cache-{number}")}
        stderr = project.inv(*task, code=code, env=cache).stderr
        assert "Skipped unsupported reflection" not in stderr, (task, stderr)
        assert "next(self.gen)" not in stderr, (task, stderr)


# Batch mode reflects the table it recreates: that reflection skips the index and warned.
REBUILD_USERS = """\
    with op.batch_alter_table("users", recreate="always") as batch:
        batch.add_column(sa.Column("nick", sa.String(10)))"""
DROP_HAND_INDEX = '    op.execute("drop index ix_hand_users_lname")'
HAND_INDEX = '    op.execute("create index ix_hand_users_lname on users (lower(name))")'


def test_an_expression_index_made_in_a_revision_warns_in_no_task(project: Project) -> None:
    project.add_user_model()
    project.add_user_name_column()
    first, _ = created_revision(project.inv("db.revision", "-m", "users").stdout)
    (project.versions / "second.py").write_text(
        revision_source("second", first, HAND_INDEX, DROP_HAND_INDEX)
    )
    (project.versions / "third.py").write_text(revision_source("third", "second", REBUILD_USERS))
    tasks = [
        ("db.upgrade", "-r", "second"),
        ("db.plan",),
        ("db.schema",),
        ("db.upgrade",),
        ("db.schema", "--check"),
        ("db.check",),
        ("db.squash", "--through", "second", "--dry-run"),
    ]
    warned = []
    for number, task in enumerate(tasks):
        cache = {"ALEMBIC_STEWARD_CACHE": str(project.path.parent / f"cache-{number}")}
        stderr = project.run("inv", *task, env=cache).stderr
        assert "Traceback" not in stderr, (task, stderr)
        if "Skipped unsupported reflection" in stderr or "next(self.gen)" in stderr:
            warned.append(" ".join(task))
    assert warned == []


def test_the_baked_migration_tests_show_no_reflection_warning(project: Project) -> None:
    # The stairway runs the batch revision's upgrade and downgrade: each reflects users.
    project.add_user_model()
    project.add_user_name_column()
    first, _ = created_revision(project.inv("db.revision", "-m", "users").stdout)
    (project.versions / "second.py").write_text(
        revision_source("second", first, HAND_INDEX, DROP_HAND_INDEX)
    )
    # Each batch makes the index again, as the stairway's loss check asks.
    unbatch = """\
    with op.batch_alter_table("users", recreate="always") as batch:
        batch.drop_column("nick")"""
    (project.versions / "third.py").write_text(
        revision_source(
            "third", "second", f"{REBUILD_USERS}\n{HAND_INDEX}", f"{unbatch}\n{HAND_INDEX}"
        )
    )
    # The models lack the hand index: their own test is not this one's subject.
    tests = project.run(
        "pytest", "-q", "-p", "no:cacheprovider", "tests/test_migrations.py", "-k", "not models"
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "Skipped unsupported reflection" not in tests.stdout + tests.stderr, tests.stdout


def test_sqlite_offers_to_keep_an_expression_index_only_a_revision_makes(project: Project) -> None:
    # t48 M10: SQLite advised only its drop; PostgreSQL, where autogenerate writes the drop,
    # also "add it to the models if it should stay".
    project.add_user_model()
    project.add_user_name_column()
    first, _ = created_revision(project.inv("db.revision", "-m", "users").stdout)
    index = revision_source("second", first, HAND_INDEX, DROP_HAND_INDEX)
    project.write_revision("second.py", index)
    project.inv("db.upgrade")
    check = project.inv("db.check", code=STATUS_DRIFT).stdout
    assert (
        "index users.ix_hand_users_lname is in what the migrations build with autogenerate's"
        " revision but not in the models: drop it by hand (op.drop_index(...)), or add it to"
        " the models if it should stay (sa.Index(...))"
    ) in check, check
