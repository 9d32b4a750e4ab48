"""On MariaDB, whether a foreign key's own index survives a later index that covers its columns
depends on how it was made: one the server made for the foreign key goes, one typed (a squashed
revision's `op.create_index`, a dump's `KEY`) stays. The catalog description reads both
histories alike, the squash never types the server's index, and an index added by hand beside
the foreign key is still named."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import pytest
from project import Project, revision_source
from servers import SERVER_URL_VARIABLES, ServerDatabase, connect_admin, only_on, with_database

ACCOUNTS_AND_POSTS = """    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
    )
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_posts_account_id_accounts"
        ),
    )"""
A_COLUMN = '    op.add_column("posts", sa.Column("title", sa.String(50), nullable=True))'
AN_INDEX = '    op.create_index("ix_posts_account_id", "posts", ["account_id"])'
FOREIGN_KEYS_INDEX = "fk_posts_account_id_accounts"
MODELS = """

class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(50))
"""


def write_history(project: Project) -> None:
    """A makes `posts` with a foreign key (the server adds its index), B adds a column, C adds
    an index covering the foreign key's column (the server drops the one it added); the models
    declare what C leaves."""
    project.write_revision("a.py", revision_source("a", None, ACCOUNTS_AND_POSTS))
    project.write_revision("b.py", revision_source("b", "a", A_COLUMN))
    project.write_revision("c.py", revision_source("c", "b", AN_INDEX))
    project.append_models(MODELS, "ForeignKey", "String")


def index_names(database: ServerDatabase) -> set[str]:
    rows = database.query(
        "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'posts'"
    )
    return {row[0] for row in rows}


@pytest.fixture
def second_database(database: ServerDatabase) -> Iterator[ServerDatabase]:
    """Another empty database on the same server, dropped afterwards."""
    name = f"safety_{secrets.token_hex(6)}"
    admin = connect_admin("mysql", os.environ[SERVER_URL_VARIABLES["mysql"]])
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
        yield ServerDatabase("mysql", with_database(database.url, name))
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


def dumped(database: ServerDatabase) -> str:
    """The database's tables and rows as mariadb-dump writes them; without the program, the
    CREATE TABLE the server shows (the dump's own), every index typed as a KEY."""
    parts = urlsplit(database.url)
    name = parts.path.lstrip("/")
    program = shutil.which("mariadb-dump") or shutil.which("mysqldump")
    if program is None:
        tables = [row[0] for row in database.query("SHOW TABLES")]
        statements = [database.query(f"SHOW CREATE TABLE `{table}`")[0][1] for table in tables]
        return "SET FOREIGN_KEY_CHECKS = 0;\n" + ";\n".join(statements) + ";\n"
    env = {**os.environ, "MYSQL_PWD": unquote(parts.password or "")}
    return subprocess.run(
        [program, "-h", parts.hostname or "", "-P", str(parts.port or 3306)]
        + ["-u", unquote(parts.username or "root"), "--skip-ssl", name],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def restore(dump: str, database: ServerDatabase) -> None:
    """Run the dump's statements on ``database`` in one session, as the client would (its
    statements save and restore session variables)."""
    connection = connect_admin("mysql", database.url)
    try:
        with connection.cursor() as cursor:
            for statement in split_statements(dump):
                cursor.execute(statement)
    finally:
        connection.close()


def split_statements(dump: str) -> list[str]:
    """The dump's statements (its comments and conditional comments left to the server)."""
    statements, current = [], []
    for line in dump.splitlines():
        if line.startswith("--") or not line.strip():
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    return [statement for statement in statements if statement.strip()]


@only_on("mysql", why="only InnoDB drops an index it made for a foreign key")
def test_a_squash_before_a_covering_index_leaves_the_database_at_head_clean(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    write_history(project)
    project.inv("db.upgrade", env=env)
    assert FOREIGN_KEYS_INDEX not in index_names(database)  # C's index replaced the server's

    project.inv("db.squash", "--through", "b", env=env)

    assert (
        f'create_index(op.f("{FOREIGN_KEYS_INDEX}")' not in (project.versions / "b.py").read_text()
    )
    status = project.inv("db.status", env=env).stdout
    assert "status:  up to date" in status, status


UNNAMED_ACCOUNTS_AND_POSTS = """    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
    )
    op.execute(
        "CREATE TABLE posts (id INT PRIMARY KEY, account_id INT,"
        " FOREIGN KEY (account_id) REFERENCES accounts (id))"
    )"""


@only_on("mysql", why="only InnoDB drops an index it made for a foreign key")
def test_a_squash_before_a_covering_index_keeps_an_unnamed_foreign_key_s_index_alike(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    write_history(project)
    project.write_revision("a.py", revision_source("a", None, UNNAMED_ACCOUNTS_AND_POSTS))
    project.inv("db.upgrade", env=env)

    project.inv("db.squash", "--through", "b", env=env)

    # The models name the foreign key, the history does not: only the database's line counts.
    status = project.run("inv", "db.status", env=env).stdout
    assert "database: against its revision rebuilt: same" in status, status


@only_on("mysql", why="only InnoDB drops an index it made for a foreign key")
def test_a_database_restored_from_a_dump_upgrades_and_reports_no_drift(
    project: Project, database: ServerDatabase, second_database: ServerDatabase
) -> None:
    write_history(project)
    project.inv("db.upgrade", "-r", "b", env={"DATABASE_URL": database.url})
    restore(dumped(database), second_database)

    env = {"DATABASE_URL": second_database.url}
    project.inv("db.upgrade", env=env)

    # The dump typed the server's index: it stays beside C's, and describes as if it had gone.
    assert {FOREIGN_KEYS_INDEX, "ix_posts_account_id"} <= index_names(second_database)
    status = project.inv("db.status", env=env).stdout
    assert "status:  up to date" in status, status


@only_on("mysql", why="only InnoDB drops an index it made for a foreign key")
def test_an_index_added_by_hand_beside_the_foreign_key_is_still_named(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    write_history(project)
    project.inv("db.upgrade", env=env)
    database.query("CREATE INDEX posts_by_account ON posts (account_id)")

    status = project.inv("db.status", code=9, env=env)

    assert "posts.posts_by_account" in status.stdout + status.stderr


# The server's index for a foreign key made without a name is named after its column; a dump
# types it (and an index covering it) as KEY lines.
UNNAMED_MADE_BY_THE_SERVER = (
    "CREATE TABLE accounts (id INT PRIMARY KEY)",
    "CREATE TABLE posts (id INT PRIMARY KEY, account_id INT,"
    " FOREIGN KEY (account_id) REFERENCES accounts (id))",
    "CREATE INDEX ix_posts_account_id_id ON posts (account_id, id)",
)
UNNAMED_TYPED = (
    "CREATE TABLE accounts (id INT PRIMARY KEY)",
    "CREATE TABLE posts (id INT PRIMARY KEY, account_id INT, KEY account_id (account_id),"
    " KEY ix_posts_account_id_id (account_id, id),"
    " CONSTRAINT posts_ibfk_1 FOREIGN KEY (account_id) REFERENCES accounts (id))",
)


@pytest.mark.xdist_group("catalog[mysql]")
def test_the_index_of_an_unnamed_foreign_key_describes_alike_made_or_typed(scratch_pairs) -> None:
    from sqlalchemy import MetaData

    from alembic_steward.catalog import compare_catalogs

    made, typed = scratch_pairs("mysql")
    expected = made.build(MetaData(), UNNAMED_MADE_BY_THE_SERVER)
    actual = typed.build(MetaData(), UNNAMED_TYPED)

    assert [difference.line() for difference in compare_catalogs(expected, actual)] == []
    # Nothing else covers it without the second index: still not described, as InnoDB keeps
    # some index for the foreign key whatever the history (it was described before format 11,
    # which read an index added by hand to a restored dump as losing this one).
    alone = typed.build(MetaData(), UNNAMED_MADE_BY_THE_SERVER[:2])
    assert ("index", None, "posts", "account_id") not in alone.objects


def write_history_through_b(project: Project, models: str) -> None:
    """A and B of `write_history` only; the models declare ``models``'s posts."""
    write_history(project)
    (project.versions / "c.py").unlink()
    models_path = project.path / "app" / "models.py"
    models_path.write_text(models_path.read_text().replace(MODELS, models))


@only_on("mysql", why="only InnoDB makes an index for a foreign key")
def test_an_index_added_by_hand_to_a_restored_dump_is_the_only_one_named(
    project: Project, database: ServerDatabase, second_database: ServerDatabase
) -> None:
    # Nothing covered the foreign key, so the dump types its index; the one added by hand then
    # covers it. The foreign key's own index is what every history has in some form: not named.
    write_history_through_b(project, MODELS.replace(", index=True", ""))
    project.inv("db.upgrade", env={"DATABASE_URL": database.url})
    restore(dumped(database), second_database)
    second_database.query("CREATE INDEX ix_u ON posts (account_id)")
    env = {"DATABASE_URL": second_database.url}

    assert {FOREIGN_KEYS_INDEX, "ix_u"} <= index_names(second_database)
    for task in ("db.status", "db.check"):
        completed = project.inv(task, code=9, env=env)
        output = completed.stdout + completed.stderr
        assert "posts.ix_u" in output, output
        assert FOREIGN_KEYS_INDEX not in output, output


@only_on("mysql", why="only InnoDB drops an index it made for a foreign key")
def test_a_revision_covering_the_foreign_key_loses_nothing_and_upgrades_a_restored_dump(
    project: Project, database: ServerDatabase, second_database: ServerDatabase
) -> None:
    # The new index begins with the foreign key's column: InnoDB drops the index it made on a
    # database upgraded live, and keeps the dump's typed one. Neither is a loss to recreate.
    write_history_through_b(
        project,
        MODELS.replace(", index=True", "")
        + '\n\nIndex("ix_posts_account_id_title", Post.account_id, Post.title)\n',
    )
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text().replace("import ForeignKey,", "import ForeignKey, Index,"))
    project.inv("db.upgrade", env={"DATABASE_URL": database.url})
    restore(dumped(database), second_database)

    completed = project.inv("db.revision", "-m", "title index", env={"DATABASE_URL": database.url})
    output = completed.stdout + completed.stderr
    assert FOREIGN_KEYS_INDEX not in output, output
    for each in (database, second_database):
        url = each.url
        project.inv("db.upgrade", env={"DATABASE_URL": url})
        status = project.inv("db.status", env={"DATABASE_URL": url}).stdout
        assert "status:  up to date" in status, status
        # Its downgrade drops the new index around the foreign key, whichever index served it.
        project.inv("db.downgrade", "-r", "b", env={"DATABASE_URL": url})
        assert "ix_posts_account_id_title" not in index_names(each)


@only_on("mysql", why="only InnoDB refuses to drop the index a foreign key needs")
def test_a_revision_adding_a_foreign_key_with_its_index_still_downgrades(
    project: Project, database: ServerDatabase
) -> None:
    # Its downgrade drops the foreign key itself before the index: not dropped a second time.
    write_history_through_b(
        project,
        MODELS.replace(", index=True", "")
        + '    editor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"),'
        + " index=True)\n",
    )
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    project.inv("db.revision", "-m", "editor", env=env)
    project.inv("db.upgrade", env=env)
    project.inv("db.downgrade", "-r", "b", env=env)
