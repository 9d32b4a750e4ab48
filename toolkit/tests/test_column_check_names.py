"""A column-level CHECK constraint autogenerate leaves out of a new table is advised the exact
call, its name as the naming convention wants it: the full name given literally came out
prefixed twice (`ck_users_ck_users_age_nonneg`), and `db.check` then found two differences."""

from __future__ import annotations

from project import Project, created_revision
from servers import ServerDatabase, only_on
from test_catalog_truth import start_with
from test_drift_detection import inv, set_models
from test_primary_key_name_advice import advised_body

KEPT = """

class Kept(Base):
    __tablename__ = "kept"

    id: Mapped[int] = mapped_column(primary_key=True)
"""
USERS = """

class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
"""
AGE = """    age: Mapped[int] = mapped_column(
        sa.Integer, sa.CheckConstraint("age >= 0", name="age_nonneg"), default=0
    )
"""


@only_on("postgresql", "sqlite", why="MariaDB cannot create the models' inline named CHECK")
def test_a_column_level_check_the_migrations_lack_is_advised_by_the_name_it_comes_out_as(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, KEPT)
    # Autogenerate's create_table leaves a column's own CHECK out: the advice names it.
    set_models(project, "\nimport sqlalchemy as sa\n" + KEPT + USERS + AGE)
    written = inv(project, database, "db.revision", "-m", "age", code=1)
    _, path = created_revision(written)
    lines = [line for line in written.splitlines() if "ck_users_age_nonneg" in line]
    assert len(lines) == 1, written
    (line,) = lines
    assert 'create_check_constraint("age_nonneg"' in line, line
    revision = project.path / path
    source = revision.read_text()
    end = "    # ### end Alembic commands ###\n"
    revision.write_text(source.replace(end, f"{end}{advised_body(line)}\n", 1))
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check"), line
