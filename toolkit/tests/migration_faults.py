"""Histories with one fault each (issue 10, a-i), written into the fixture service for its tests.

Each history is models plus hand-written revisions, so the fault is exactly the one named.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from project import Project, revision_source

MODELS_HEADER = """
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
"""
ITEMS_MODEL = """

class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
"""
CREATE_ITEMS = """    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
    )"""
DROP_ITEMS = '    op.drop_table("items")'
IRREVERSIBLE_IMPORT = "from alembic_steward import IrreversibleMigration"
# What revisions may use besides sa and op: a collation per database, an index's predicate.
REVISION_CONSTANTS = (
    'COLLATION = {"sqlite": "NOCASE", "postgresql": "C", "mysql": "utf8mb4_bin"}\n'
    "NOT_EMPTY = sa.text(\"name <> ''\")"
)


@dataclass(frozen=True)
class Revision:
    revision: str
    down: str | tuple[str, ...] | None
    upgrade: str
    downgrade: str
    message: str | None = None  # the docstring; the id when None

    def source(self) -> str:
        return revision_source(
            self.revision,
            self.down,
            self.upgrade,
            self.downgrade,
            message=self.message,
            imports=f"{IRREVERSIBLE_IMPORT}\n\n{REVISION_CONSTANTS}",
        )


FIRST = Revision("r1", None, CREATE_ITEMS, DROP_ITEMS)


def batch(*lines: str) -> str:
    """Statements run inside `with op.batch_alter_table("items")` (plain ALTERs off SQLite)."""
    body = "\n".join(f"        batch.{line}" for line in lines)
    return f'    with op.batch_alter_table("items") as batch:\n{body}'


@dataclass(frozen=True)
class History:
    """Models (appended to app/models.py) and revisions; ``files`` are extra files under app/."""

    models: str
    revisions: tuple[Revision, ...]
    files: dict[str, str] = field(default_factory=dict)

    def write_into(self, project: Project) -> None:
        models = project.path / "app" / "models.py"
        models.write_text(models.read_text() + MODELS_HEADER + self.models)
        for revision in self.revisions:
            project.write_revision(f"{revision.revision}.py", revision.source())
        for path, text in self.files.items():
            (project.path / "app" / path).write_text(text)


def items_with(column: str) -> str:
    return ITEMS_MODEL + f"    {column}\n"


def second(upgrade: str, downgrade: str, down: str | None = "r1", name: str = "r2") -> Revision:
    return Revision(name, down, upgrade, downgrade)


NOTE = "note: Mapped[str | None] = mapped_column(sa.String(50))"
ADD_NOTE = batch('add_column(sa.Column("note", sa.String(50), nullable=True))')
DROP_NOTE = batch('drop_column("note")')
PAINTS = """

class Paint(Base):
    __tablename__ = "paints"

    id: Mapped[int] = mapped_column(primary_key=True)
    color: Mapped[str] = mapped_column(sa.Enum("red", "green", name="color"))
"""
CREATE_PAINTS = """    op.create_table(
        "paints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("color", sa.Enum("red", "green", name="color"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paints")),
    )"""
OWNERS_AND_PETS = """

class Owner(Base):
    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(primary_key=True)


class Pet(Base):
    __tablename__ = "pets"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("owners.id"))
"""
CREATE_OWNERS_AND_PETS = """    op.create_table(
        "owners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owners")),
    )
    op.create_table(
        "pets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owners.id"], name=op.f("fk_pets_owner_id_owners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pets")),
    )"""
INVOICE_MODULE = """from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
"""


def on_postgresql(sql: str) -> str:
    """A revision body that runs ``sql`` on PostgreSQL only (a no-op elsewhere)."""
    return f'    if op.get_bind().dialect.name == "postgresql":\n        op.execute({sql!r})'


ITEMS_INDEXED = ITEMS_MODEL.replace("String(50))", "String(50), index=True)")
CREATE_NAME_INDEX = '    op.create_index(op.f("ix_items_name"), "items", ["name"])'
DROP_NAME_INDEX = '    op.drop_index(op.f("ix_items_name"), table_name="items")'
# Items whose name must not be empty, by a named CHECK (the naming convention adds ck_items_).
ITEMS_CHECKED = ITEMS_MODEL.replace(
    "    id: Mapped",
    '    __table_args__ = (sa.CheckConstraint("length(name) > 0", name="name_filled"),)\n\n'
    "    id: Mapped",
)
CREATE_CHECKED_ITEMS = CREATE_ITEMS.replace(
    "    )",
    '        sa.CheckConstraint("length(name) > 0", name=op.f("ck_items_name_filled")),\n    )',
)


def first_with(upgrade: str, downgrade: str = DROP_ITEMS) -> Revision:
    """The history's first revision, making items its own way."""
    return Revision("r1", None, upgrade, downgrade)


def remade_name_index(columns: str = '["name"]') -> str:
    """Drop ix_items_name and make it again, on ``columns`` (create_index's list)."""
    return f'{DROP_NAME_INDEX}\n    op.create_index(op.f("ix_items_name"), "items", {columns})'


# A history every check must pass: columns added and removed again, a server default and a
# NOT NULL column given one (rows exist when it runs), an enum type dropped with its table,
# a revision that says it cannot be downgraded, an index made and dropped again, and a table
# renamed and named back (the stairway describes again only what each step names).
CLEAN = History(
    ITEMS_INDEXED
    + f"    {NOTE}\n"
    + "    qty: Mapped[int] = mapped_column(server_default=sa.text('0'))\n"
    # A renamed table keeps its constraints' names: the models say so.
    + PAINTS.replace('"paints"', '"pigments"').replace(
        "    id: Mapped",
        '    __table_args__ = (sa.PrimaryKeyConstraint("id", name="pk_paints"),)\n\n    id: Mapped',
    ),
    (
        FIRST,
        second(ADD_NOTE, DROP_NOTE),
        second(
            batch(
                'add_column(sa.Column("qty", sa.Integer(), server_default=sa.text("0"),'
                " nullable=False))"
            ),
            batch('drop_column("qty")'),
            down="r2",
            name="r3",
        ),
        second(
            CREATE_PAINTS,
            '    op.drop_table("paints")\n    sa.Enum(name="color").drop(op.get_bind(),'
            " checkfirst=True)",
            down="r3",
            name="r4",
        ),
        second("    pass", '    raise IrreversibleMigration("kept for the test")', "r4", "r5"),
        second(
            CREATE_NAME_INDEX,
            '    op.drop_index(op.f("ix_items_name"), table_name="items")',
            "r5",
            "r6",
        ),
        second(
            '    op.rename_table("paints", "pigments")',
            '    op.rename_table("pigments", "paints")',
            "r6",
            "r7",
        ),
    ),
)

# Fault name -> (history, the migration test(s) that must fail, the databases where it is a fault).
ALL = frozenset({"sqlite", "postgresql", "mysql"})
FAULTS = {
    "a-model-changed-without-revision": (
        History(items_with(NOTE), (FIRST,)),
        "test_models_match_migrations",
        ALL,
    ),
    "b-downgrade-forgets-a-column": (
        History(items_with(NOTE), (FIRST, second(ADD_NOTE, "    pass"))),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        ALL,
    ),
    "c-widened-column-not-narrowed": (
        History(
            ITEMS_MODEL.replace("String(50)", "String(100)"),
            (FIRST, second(batch('alter_column("name", type_=sa.String(100))'), "    pass")),
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        ALL,
    ),
    "c-server-default-not-restored": (
        History(
            ITEMS_MODEL.replace("String(50))", "String(50), server_default='x')"),
            (FIRST, second(batch('alter_column("name", server_default="x")'), "    pass")),
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        ALL,
    ),
    "c-nullability-not-restored": (
        History(
            ITEMS_MODEL.replace("name: Mapped[str]", "name: Mapped[str | None]"),
            (
                FIRST,
                second(
                    batch('alter_column("name", existing_type=sa.String(50), nullable=True)'),
                    "    pass",
                ),
            ),
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        ALL,
    ),
    "c-index-left-behind": (
        History(ITEMS_INDEXED, (FIRST, second(CREATE_NAME_INDEX, "    pass"))),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        ALL,
    ),
    "c-table-rename-not-reverted": (
        History(
            ITEMS_MODEL.replace('"items"', '"things"'),
            (FIRST, second('    op.rename_table("items", "things")', "    pass")),
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        ALL,
    ),
    "c-check-constraint-not-dropped": (
        History(
            ITEMS_MODEL,
            (
                FIRST,
                second(
                    batch('create_check_constraint("ck_items_name_long", "length(name) > 0")'),
                    "    pass",
                ),
            ),
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        ALL,
    ),
    "c-collation-not-restored": (
        History(
            ITEMS_MODEL,
            (
                FIRST,
                second(
                    batch(
                        'alter_column("name", existing_type=sa.String(50), existing_nullable=False,'
                        " type_=sa.String(50, collation=COLLATION[op.get_bind().dialect.name]))"
                    ),
                    "    pass",
                ),
            ),
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        ALL,
    ),
    "c-change-hidden-in-a-do-block": (
        History(
            ITEMS_MODEL,
            (
                FIRST,
                second(
                    on_postgresql(
                        "DO $$ BEGIN EXECUTE 'ALTER TABLE items ADD COLUMN hidden integer'; END $$"
                    ),
                    "    pass",
                ),
            ),
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        frozenset({"postgresql"}),
    ),
    "d-enum-value-left-behind": (
        History(
            ITEMS_MODEL,
            (
                FIRST,
                second(
                    on_postgresql("CREATE TYPE mood AS ENUM ('ok')"),
                    on_postgresql("DROP TYPE mood"),
                ),
                second(on_postgresql("ALTER TYPE mood ADD VALUE 'meh'"), "    pass", "r2", "r3"),
            ),
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        frozenset({"postgresql"}),
    ),
    "d-enum-type-left-behind": (
        History(
            ITEMS_MODEL + PAINTS, (FIRST, second(CREATE_PAINTS, '    op.drop_table("paints")'))
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        frozenset({"postgresql"}),
    ),
    # Each kind of object the catalog describes, left changed by a downgrade whose next upgrade
    # still works, so only the comparison around the step shows it (SQLite too: the catalog
    # reads constraint names, index order and predicates from its statements).
    "c-constraint-rename-not-reverted": (
        History(
            ITEMS_CHECKED + f"    {NOTE}\n",
            (
                first_with(CREATE_CHECKED_ITEMS),
                second(
                    ADD_NOTE,
                    batch(
                        'drop_column("note")',
                        'drop_constraint(op.f("ck_items_name_filled"), type_="check")',
                        'create_check_constraint(op.f("ck_items_name_set"), "length(name) > 0")',
                    ),
                ),
            ),
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        ALL,
    ),
    "c-check-constraint-lost": (
        History(
            ITEMS_CHECKED + f"    {NOTE}\n",
            (
                first_with(CREATE_CHECKED_ITEMS),
                second(
                    ADD_NOTE,
                    batch(
                        'drop_column("note")',
                        'drop_constraint(op.f("ck_items_name_filled"), type_="check")',
                    ),
                ),
            ),
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        ALL,
    ),
    "c-index-order-not-restored": (
        History(
            ITEMS_INDEXED,
            (
                first_with(
                    f"{CREATE_ITEMS}\n"
                    '    op.create_index(op.f("ix_items_name"), "items", [sa.text("name DESC")])'
                ),
                # The downgrade makes the index again, ascending: the upgrade's, not the first's.
                second(remade_name_index(), remade_name_index()),
            ),
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        ALL,
    ),
    "c-index-predicate-not-restored": (
        History(
            ITEMS_INDEXED,
            (
                first_with(
                    f"{CREATE_ITEMS}\n{CREATE_NAME_INDEX[:-1]},"
                    " sqlite_where=NOT_EMPTY, postgresql_where=NOT_EMPTY)"
                ),
                second(remade_name_index(), remade_name_index()),
            ),
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        # MariaDB indexes every row: the predicate is not written there.
        frozenset({"sqlite", "postgresql"}),
    ),
    "d-sequence-left-behind": (
        History(
            ITEMS_MODEL
            + 'ticket_numbers = sa.Sequence("ticket_numbers", metadata=Base.metadata)\n',
            (
                FIRST,
                # IF NOT EXISTS: the next upgrade meets the leftover without failing.
                second(
                    '    if op.get_bind().dialect.name != "sqlite":\n        op.execute('
                    'sa.schema.CreateSequence(sa.Sequence("ticket_numbers"), if_not_exists=True))',
                    "    pass",
                ),
            ),
        ),
        "test_each_downgrade_restores_the_schema_its_upgrade_started_from",
        # SQLite has no sequences.
        frozenset({"postgresql", "mysql"}),
    ),
    "e-not-null-column-without-default": (
        History(
            items_with("qty: Mapped[int]"),
            (
                FIRST,
                second(
                    batch('add_column(sa.Column("qty", sa.Integer(), nullable=False))'),
                    batch('drop_column("qty")'),
                ),
            ),
        ),
        "test_each_revision_upgrades_downgrades_and_upgrades_again",
        # MariaDB fills the new column with 0 on its own: the upgrade works there.
        frozenset({"sqlite", "postgresql"}),
    ),
    "f-two-heads": (
        History(
            items_with(NOTE) + "    memo: Mapped[str | None] = mapped_column(sa.String(50))\n",
            (
                FIRST,
                second(ADD_NOTE, DROP_NOTE),
                second(
                    batch('add_column(sa.Column("memo", sa.String(50), nullable=True))'),
                    batch('drop_column("memo")'),
                    name="r3",
                ),
            ),
        ),
        "test_history_has_a_single_head",
        ALL,
    ),
    "g-down-revision-missing": (
        History(items_with(NOTE), (FIRST, second(ADD_NOTE, DROP_NOTE, down="r0"))),
        "test_every_down_revision_names_a_revision_that_exists",
        ALL,
    ),
    "h-model-in-a-module-models-does-not-import": (
        History(ITEMS_MODEL, (FIRST,), files={"billing.py": INVOICE_MODULE}),
        "test_models_match_migrations",
        ALL,
    ),
    "i-migration-breaks-a-foreign-key": (
        History(
            OWNERS_AND_PETS,
            (
                Revision(
                    "r1",
                    None,
                    CREATE_OWNERS_AND_PETS,
                    '    op.drop_table("pets")\n    op.drop_table("owners")',
                ),
                second('    op.execute("DELETE FROM owners")', "    pass"),
            ),
        ),
        # SQLite lets the delete through (PRAGMA foreign_key_check finds it); servers refuse it.
        (
            "test_no_migration_leaves_a_row_with_a_broken_foreign_key",
            "test_each_revision_upgrades_downgrades_and_upgrades_again",
        ),
        ALL,
    ),
}


# Faults of one step that the step's next upgrade still applies over (nothing it makes is left
# behind to collide with): each is walked in one history, on a table of its own, so a single
# stairway names every one by its revision. The others stop the walk at that upgrade again,
# and keep a history each.
FAULTS_OF_ONE_HISTORY = (
    "c-widened-column-not-narrowed",
    "c-server-default-not-restored",
    "c-nullability-not-restored",
    "c-collation-not-restored",
    "c-constraint-rename-not-reverted",
    "c-check-constraint-lost",
    "c-index-order-not-restored",
    "c-index-predicate-not-restored",
    "d-sequence-left-behind",
)


def renamed(text: str, number: int) -> str:
    """``text`` with the tables a fault's history makes given the fault's number."""
    for table in ("items", "owners", "pets"):
        text = text.replace(table, f"{table}{number}")
    return text


def one_history_of(histories: dict[str, History]) -> tuple[History, dict[str, str]]:
    """The histories in one, each a fault's: a first revision making every fault's tables as
    its own first revision does (fault k's items, owners and pets renamed itemsk, ownersk and
    petsk, see renamed), then each fault's later revisions (rN renamed fkrN, with the fault's
    name as message), one after another; and each fault's last revision, the one whose
    downgrade is at fault."""
    firsts: list[Revision] = []
    revisions: list[Revision] = []
    at_fault: dict[str, str] = {}
    for number, (fault, history) in enumerate(histories.items(), start=1):
        first, *later = history.revisions
        assert not history.files and first.down is None and later, fault
        upgrade, downgrade = renamed(first.upgrade, number), renamed(first.downgrade, number)
        firsts.append(Revision("r1", None, upgrade, downgrade))
        for revision in later:
            if revision.down != first.revision:
                down = f"f{number}{revision.down}"
            else:  # after the fault before it, or the first revision
                down = revisions[-1].revision if revisions else "r1"
            revisions.append(
                Revision(
                    f"f{number}{revision.revision}",
                    down,
                    renamed(revision.upgrade, number),
                    renamed(revision.downgrade, number),
                    fault,
                )
            )
        at_fault[fault] = revisions[-1].revision
    first = Revision(
        "r1",
        None,
        "\n".join(r.upgrade for r in firsts),
        "\n".join(r.downgrade for r in reversed(firsts)),
        "every fault's tables",
    )
    # The models are no subject here: only the stairway's checks run on this history.
    return History("", (first, *revisions)), at_fault
