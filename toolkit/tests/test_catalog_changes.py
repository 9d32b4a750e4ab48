"""The statements the pending revisions' trial makes a scratch database with
(inspection/_catalog_changes.py) make what the catalog describes, every kind they write, and
the statements written the other way undo it all, on PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest
from sqlalchemy import MetaData

from alembic_steward.catalog import Catalog, compare_catalogs
from alembic_steward.inspection._catalog_changes import changing_statements

# A leftover of each kind the trial writes; their CREATEs are not the trial's own statements.
LEFTOVERS = {
    "postgresql": [
        "CREATE TYPE mood AS ENUM ('a', 'b')",
        "CREATE SEQUENCE counter START 5 INCREMENT 2",
        "CREATE TABLE t (id serial PRIMARY KEY, code varchar(20) NOT NULL DEFAULT 'x', m mood,"
        " n numeric(10, 2), CONSTRAINT ck CHECK (id > 0), CONSTRAINT uq UNIQUE (code))",
        "CREATE TABLE u (id integer PRIMARY KEY, t_id integer REFERENCES t (id) ON DELETE"
        " CASCADE, g integer GENERATED ALWAYS AS IDENTITY)",
        "CREATE INDEX ix_u ON u (t_id) WHERE t_id > 1",
        "CREATE VIEW v AS SELECT id FROM t",
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
    ],
    "mysql": [
        "CREATE SEQUENCE counter START WITH 5 INCREMENT BY 2",
        "CREATE TABLE t (id integer AUTO_INCREMENT PRIMARY KEY, code varchar(20) NOT NULL"
        " DEFAULT 'x', m enum('a', 'b'), n numeric(10, 2), CONSTRAINT ck CHECK (n > 0),"
        " CONSTRAINT uq UNIQUE (code))",
        "CREATE TABLE u (id integer PRIMARY KEY, t_id integer,"
        " CONSTRAINT fk FOREIGN KEY (t_id) REFERENCES t (id) ON DELETE CASCADE)",
        "CREATE INDEX ix_u ON u (t_id, id)",
        "CREATE VIEW v AS SELECT id FROM t",
        "CREATE FUNCTION f() RETURNS integer RETURN 1",
        "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 1",
    ],
}


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_what_the_catalog_describes_is_made_by_the_trial_s_statements_and_undone(
    scratch_pairs, kind: str
) -> None:
    described, made = scratch_pairs(kind)
    left = described.build(MetaData(), LEFTOVERS[kind])
    nothing = Catalog(kind, {})

    making = changing_statements(nothing, left)
    assert making, "no statement for a kind the trial writes"
    remade = made.build(MetaData(), making)
    assert compare_catalogs(left, remade) == [], making

    undoing = changing_statements(remade, nothing)
    assert undoing, "no statement that undoes them"
    with made.engine.begin() as connection:
        for statement in undoing:
            connection.exec_driver_sql(statement)
    assert made.describe().objects == {}, undoing


def test_a_kind_the_trial_does_not_write_leaves_it_untried() -> None:
    domain = ("domain", None, "", "positive")
    described = Catalog("postgresql", {domain: {"type": "integer"}})
    assert changing_statements(Catalog("postgresql", {}), described) is None
