"""PostgreSQL's domains and the types, collations, aggregates and operators beside them are read
from the catalog: a domain changed by hand or in the models is named (it reported "No changes",
exit 0), a range type made by hand is named as itself and not as the functions PostgreSQL made
with it, and `inv db.reset` drops a domain so that the upgrade after it works."""

from __future__ import annotations

from project import Project
from servers import ServerDatabase, only_on
from test_catalog_truth import STATUS_DATABASE_DIFFERS, STATUS_DRIFT, start_with
from test_drift_detection import inv, models_match_test, set_models

SCORES = """

from sqlalchemy.dialects.postgresql import DOMAIN

score_t = DOMAIN("score_t", sa.Integer, check="VALUE >= 0")


class Player(Base):
    __tablename__ = "players"

    id: Mapped[int] = mapped_column(primary_key=True)
    score: Mapped[int] = mapped_column(score_t, nullable=True)
"""


@only_on("postgresql", why="only PostgreSQL has domains")
def test_a_domain_changed_by_hand_or_in_the_models_is_named_and_reset_drops_it(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, SCORES)
    inv(project, database, "db.status")
    assert models_match_test(project, database).returncode == 0  # a column takes the domain

    database.query("ALTER DOMAIN score_t SET NOT NULL")
    line = "domain score_t: nullable yes in what its revision builds, no in the database"
    assert line in inv(project, database, "db.check", code=STATUS_DATABASE_DIFFERS)
    assert line in inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    database.query(
        "ALTER DOMAIN score_t DROP NOT NULL;"
        " ALTER DOMAIN score_t DROP CONSTRAINT score_t_check;"
        " ALTER DOMAIN score_t ADD CONSTRAINT score_t_check CHECK (VALUE > 100)"
    )
    line = "domain score_t: check score_t_check CHECK ((VALUE >= 0)) in what its revision builds"
    assert line in inv(project, database, "db.check", code=STATUS_DATABASE_DIFFERS)

    reset = inv(project, database, "db.reset")  # the upgrade after it made score_t again
    assert "domain score_t" in reset and "Migrated to head." in reset, reset
    set_models(project, SCORES.replace("VALUE >= 0", "VALUE >= 5"))
    line = "domain score_t: check score_t_check CHECK ((VALUE >= 5)) in the models"
    assert line in inv(project, database, "db.check", code=STATUS_DRIFT)
    assert models_match_test(project, database).returncode != 0


@only_on("postgresql", why="only PostgreSQL has range types")
def test_a_hand_made_range_type_is_named_as_itself_not_as_its_constructor_functions(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, SCORES)
    database.query("CREATE TYPE floatrange AS RANGE (subtype = float8)")
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    line = "range type floatrange is in the database but not in what its revision builds"
    assert line in status, status
    assert "function floatrange" not in status and "floatmultirange(" not in status, status
    reset = inv(project, database, "db.reset")
    assert "range type floatrange" in reset, reset
    assert database.query("SELECT count(*) FROM pg_type WHERE typname = 'floatrange'") == [(0,)]
