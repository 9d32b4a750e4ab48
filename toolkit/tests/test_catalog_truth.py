"""`inv db.check`, `inv db.status`, `inv db.revision` and the baked test read the schema from the
catalogs (issue 19): what autogenerate does not compare is named, written or refused, applied,
and `db.check` is clean right after, on every database where it applies."""

from __future__ import annotations

from made_revisions import write_start
from project import Project, created_revision, revision_source
from servers import ServerDatabase, only_on
from test_drift_detection import KEPT, inv, models_match_test, models_path, set_models

STATUS_DRIFT, STATUS_DATABASE_DIFFERS = 3, 9
ITEMS = """

class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    qty: Mapped[int] = mapped_column(server_default=sa.text("0"))
"""
QTY_CHECK = '    __table_args__ = (sa.CheckConstraint("qty >= 0", name="qty_positive"),)\n'
TICKETS = """

ticket_numbers = sa.Sequence("ticket_numbers", start=1000, metadata=Base.metadata)


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(ticket_numbers, server_default=ticket_numbers.next_value())
"""
AUDIT_EVENTS = """

class Event(Base):
    __tablename__ = "events"
    __table_args__ = {"schema": "audit"}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
"""
COUNTERS = """

class Counter(Base):
    __tablename__ = "counters"

    id: Mapped[int] = mapped_column(sa.Identity(start={start}), primary_key=True)
"""
EQUIVALENTS = """

class Reading(Base):
    __tablename__ = "readings"

    id: Mapped[int] = mapped_column(sa.Identity(), primary_key=True)
    value: Mapped[float] = mapped_column(sa.Float(53))
    taken: Mapped[sa.DateTime] = mapped_column(sa.DateTime, server_default=sa.func.now())
    __table_args__ = (sa.Index("ix_readings_taken_desc", sa.desc("taken")),)
"""


# A trigger each database runs on items, as a revision (op.execute) or a hand would make it.
TRIGGERS = {
    "sqlite": (
        "CREATE TRIGGER {name} AFTER INSERT ON items FOR EACH ROW"
        " BEGIN UPDATE items SET qty = max(qty, 0) WHERE id = NEW.id; END",
    ),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION qty_floor() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN NEW.qty := greatest(NEW.qty, 0); RETURN NEW; END $$",
        "CREATE TRIGGER {name} BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION qty_floor()",
    ),
    "mysql": (
        "CREATE TRIGGER {name} BEFORE INSERT ON items FOR EACH ROW"
        " SET NEW.qty = GREATEST(NEW.qty, 0)",
    ),
}

# PostgreSQL's types a revision makes with op.execute and no model takes: the revisions' own.
REVISIONS_TYPES = (
    "CREATE DOMAIN positive_t AS integer CHECK (VALUE > 0)",
    "CREATE TYPE pair AS (a integer, b integer)",
    "CREATE TYPE floatrange AS RANGE (subtype = float8)",
    "CREATE COLLATION shop_c (locale = 'C')",
)


def revision(project: Project, database: ServerDatabase, message: str, code: int = 0) -> str:
    return inv(project, database, "db.revision", "-m", message, code=code)


def written_path(project: Project, output: str):
    return project.path / created_revision(output)[1]


def start_with(project: Project, database: ServerDatabase, *models: str) -> str:
    """Set ``models``, write their revision and apply it; return its id (the head)."""
    set_models(project, *models)
    # A set-up, not the subject: models of one known table get autogenerate's revision
    # written in; the check below sees any difference from the models all the same.
    tables = {(ITEMS,): "items", (KEPT,): "kept"}.get(models)
    if tables is None:
        head = created_revision(revision(project, database, "start"))[0]
    else:
        head = write_start(project, tables)
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    return head


def test_a_check_constraint_a_revision_s_trigger_and_hand_made_changes_on_one_table(
    project: Project, database: ServerDatabase
) -> None:
    # One items table walked through three states; each assert says which step it is in.
    start_with(project, database, ITEMS)

    # 1. A check constraint is named, written, applied and then clean.
    set_models(project, ITEMS.replace("    id: Mapped", QTY_CHECK + "\n    id: Mapped"))
    line = "check constraint items.ck_items_qty_positive is in the models but not in the migrations"
    assert line in inv(project, database, "db.check", code=3), "check constraint: check"
    assert line in inv(project, database, "db.status", code=STATUS_DRIFT), "check constraint"
    completed = models_match_test(project, database)
    assert completed.returncode == 1, "check constraint: the baked test passed"
    assert "ck_items_qty_positive" in completed.stdout, completed.stdout
    written = revision(project, database, "qty check")
    head, path = created_revision(written)
    text = (project.path / path).read_text()
    assert "create_check_constraint" in text, f"check constraint: written {text}"
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check"), "check constraint: not clean"
    # The baked test after it passing is asserted in 2, with the constraint still there.

    # 2. A revision's trigger (and on PostgreSQL its schema and types) are no drift: the models
    # leave triggers (and schemas and types they do not use) to the revisions.
    made = [statement.format(name="qty_floor") for statement in TRIGGERS[database.kind]]
    if database.kind == "postgresql":
        made.append("CREATE SCHEMA archive")
        made.extend(REVISIONS_TYPES)
    upgrade = "\n".join(f"    op.execute({statement!r})" for statement in made)
    project.write_revision(
        "0001_trigger.py",
        revision_source("0001trigger", head, upgrade, '    op.execute("SELECT 1")'),
    )
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check"), "revision's trigger: check"
    inv(project, database, "db.status")
    assert models_match_test(project, database).returncode == 0, "revision's trigger: baked test"
    nothing = revision(project, database, "nothing")
    assert "No changes detected" in nothing, f"revision's trigger: {nothing}"

    # 3. Made by hand, a trigger (on PostgreSQL a schema and a domain) and a column are the
    # database's: named, and a revision is refused.
    by_hand = [TRIGGERS[database.kind][-1].format(name="qty_floor_again")]
    if database.kind == "postgresql":
        by_hand.extend(("CREATE SCHEMA scratchpad", "CREATE DOMAIN note_t AS text"))
    by_hand.append("ALTER TABLE items ADD COLUMN nickname VARCHAR(20)")
    for statement in by_hand:
        database.query(statement)
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    built = "is in the database but not in what its revision builds"
    assert f"trigger items.qty_floor_again {built}" in status, status
    assert f"column items.nickname {built}" in status, status
    if database.kind == "postgresql":
        assert f"schema scratchpad {built}" in status, status
        assert f"domain note_t {built}" in status, status
    assert f"trigger items.qty_floor_again {built}" in inv(
        project, database, "db.check", code=STATUS_DATABASE_DIFFERS
    ), "by hand: check"
    before = sorted(project.versions.glob("*.py"))
    refused = revision(project, database, "drop the hand's", code=STATUS_DATABASE_DIFFERS)
    assert "no revision was written" in refused, f"by hand: {refused}"
    assert "Created revision" not in refused, f"by hand: {refused}"
    assert sorted(project.versions.glob("*.py")) == before, "by hand: a revision was written"


@only_on("postgresql", "mysql", why="SQLite has no identity columns")
def test_an_identity_change_is_never_left_unapplied_or_unreported(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, COUNTERS.format(start=1))
    set_models(project, COUNTERS.format(start=100))
    if database.kind == "mysql":
        # SQLAlchemy leaves the start out of AUTO_INCREMENT; the table's counter holds it.
        identity_start_written_by_hand(project, database)
        return
    assert "column counters.id: identity" in inv(project, database, "db.check", code=3)
    # Written with the identity it changes, so that it applies (sqlalchemy/alembic#730).
    written = revision(project, database, "identity")
    assert "existing_server_default=sa.Identity(" in written_path(project, written).read_text()
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")


def identity_start_written_by_hand(project: Project, database: ServerDatabase) -> None:
    """MariaDB: Identity(start=100) is named, written by hand as the table's counter, and no
    difference once rows have moved the counter past it."""
    line = (
        "column counters.id: next id 100 in the models,"
        " 1 in what the migrations build with autogenerate's revision"
    )
    checked = inv(project, database, "db.check", code=3)
    hint = 'op.execute("ALTER TABLE counters AUTO_INCREMENT = 100")'
    assert line in checked and hint in checked, checked
    assert line in inv(project, database, "db.status", code=STATUS_DRIFT)
    refused = revision(project, database, "identity start", code=1)
    assert hint in refused and "write the revision by hand" in refused, refused
    head = inv(project, database, "db.heads").split()[0]
    project.write_revision(
        "0001_start.py",
        revision_source(
            "0001start",
            head,
            f"    {hint}",
            '    op.execute("ALTER TABLE counters AUTO_INCREMENT = 1")',
        ),
    )
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    database.query("INSERT INTO counters () VALUES (), (), ()")
    assert database.query("SELECT min(id) FROM counters") == [(100,)]
    assert "No changes" in inv(project, database, "db.check")


def test_equivalent_spellings_are_no_drift(project: Project, database: ServerDatabase) -> None:
    # MariaDB stores Float(53) as DOUBLE and ignores DESC in older indexes; both sides alike.
    set_models(project, EQUIVALENTS)
    # On SQLite autogenerate leaves the descending index out; the toolkit writes it.
    revision(project, database, "readings")
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    inv(project, database, "db.status")
    assert models_match_test(project, database).returncode == 0
    models = models_path(project)
    # PostgreSQL keeps now() and CURRENT_TIMESTAMP as written: one value, so no drift either.
    set_models(project, EQUIVALENTS.replace("sa.func.now()", 'sa.text("CURRENT_TIMESTAMP")'))
    inv(project, database, "db.status")
    models.write_text(models.read_text().replace("sa.Float(53)", "sa.Float(24)"))
    if database.kind != "sqlite":  # SQLite keeps FLOAT whatever the precision
        assert "column readings.value: type" in inv(project, database, "db.check", code=3)


@only_on(
    "postgresql",
    why="elsewhere a schema is another database (or file), and SQLAlchemy creates no sequence",
)
def test_other_schemas_and_a_sequence_are_named_written_once_and_then_clean(
    project: Project, database: ServerDatabase
) -> None:
    # One kept table walked through three states; each assert says which step it is in.
    head = start_with(project, database, KEPT)

    # 1. A table in a schema no revision creates fails in one line: one cause, one line, the
    # index on the table that cannot be created is not a second one.
    indexed = AUDIT_EVENTS.replace("sa.String(20))", "sa.String(20), index=True)")
    set_models(project, KEPT, indexed)
    output = inv(project, database, "db.check", code=3)
    failing = [line for line in output.splitlines() if "audit.events fails (" in line]
    assert len(failing) == 1, f"no schema: {output}"
    assert "autogenerate's create_table" in failing[0], f"no schema: {output}"

    # 2. Once a revision creates the schema, the table in it is written once and then clean.
    (project.versions / "0001_audit_schema.py").write_text(
        revision_source(
            "0001audit",
            head,
            '    op.execute("CREATE SCHEMA audit")',
            '    op.execute("DROP SCHEMA audit")',
        )
    )
    inv(project, database, "db.upgrade")
    set_models(project, KEPT, AUDIT_EVENTS)
    assert "table audit.events is in the models but not in" in inv(
        project, database, "db.check", code=3
    ), "other schema: check"
    written = revision(project, database, "audit events")
    text = written_path(project, written).read_text()
    assert text.count("op.create_table(") == 1, f"other schema: {text}"
    assert 'schema="audit"' in text, f"other schema: {text}"
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check"), "other schema: not clean"
    assert "No changes detected" in revision(project, database, "again"), "other schema: again"

    # 3. A sequence autogenerate never creates is named and written by hand.
    set_models(project, KEPT, AUDIT_EVENTS, TICKETS)
    checked = inv(project, database, "db.check", code=3)
    assert "sequence ticket_numbers is in the models but not in" in checked, checked
    assert "by hand" in checked and "CreateSequence" in checked, checked
    # Autogenerate writes the table but not the sequence it needs: its revision fails on the
    # scratch database, and is kept, the sequence named and the call that fails without it.
    written = revision(project, database, "tickets", code=1)
    assert "sequence ticket_numbers is in the models but not in" in written, written
    assert "table tickets" not in written, written  # written: only the sequence is to add
    assert '`op.create_table("tickets", ...)` at' in written, written
    assert "add what the lines above name before that call" in written, written
    kept = written_path(project, written)
    text = kept.read_text()
    sequence = '    op.execute(sa.schema.{}(sa.Sequence("ticket_numbers", start=1000)))'
    create = "    op.create_table("
    text = text.replace(create, f"{sequence.format('CreateSequence')}\n{create}", 1)
    drop = '    op.drop_table("tickets")'
    text = text.replace(drop, f"{drop}\n{sequence.format('DropSequence')}")
    kept.write_text(text)
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check"), "sequence: not clean"
