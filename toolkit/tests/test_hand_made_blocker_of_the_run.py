"""A hand-made object the failed statement's error names is what stops the run, not something
that "can stay": a MariaDB upgrade that half ran into a hand-made foreign key (1833) says to
drop it first, with its statement, or undoing the half and migrating again fails the same way
(t49 NEW-S4)."""

from __future__ import annotations

import pytest
from project import Project, revision_source
from servers import ServerDatabase, only_on

CREATE_POSTS = '    op.create_table("posts", sa.Column("id", sa.Integer(), primary_key=True))'
# Commits a column, then fails changing the column the hand-made foreign key references.
WIDENS_ID = """\
    op.add_column("posts", sa.Column("extra", sa.String(20), nullable=True))
    op.alter_column("posts", "id", type_=sa.BigInteger(), existing_type=sa.Integer(),
                    existing_nullable=False, autoincrement=True)"""
UNDO = '    op.drop_column("posts", "extra")'
HAND_REF = (
    "CREATE TABLE hand_ref (id INT PRIMARY KEY, post_id INT,"
    " CONSTRAINT fk_hand_post FOREIGN KEY (post_id) REFERENCES posts (id))"
)
DROP = "`ALTER TABLE hand_ref DROP FOREIGN KEY fk_hand_post`"


@only_on("mysql", why="only MySQL/MariaDB leave a migration half-applied")
def test_a_half_applied_upgrade_says_to_drop_the_hand_made_key_its_error_names(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    project.write_revision(
        "r1.py", revision_source("r1", None, CREATE_POSTS, '    op.drop_table("posts")')
    )
    project.inv("db.upgrade", env=env)
    database.query(HAND_REF)
    project.write_revision("r2.py", revision_source("r2", "r1", WIDENS_ID, UNDO, message="Wide"))
    failed = project.inv("db.upgrade", code=1, env=env).stderr.strip().splitlines()[-1]
    assert "r2 is half-applied" in failed, failed
    assert "unexpected column posts.extra" in failed, failed
    assert "which can stay" not in failed, failed
    assert "fk_hand_post" in failed and DROP in failed, failed
    # Status at the mark names it too, from the failed run's record.
    status = project.inv("db.status", code=7, env=env).stdout
    verdict = next(line for line in status.splitlines() if line.startswith("status:"))
    assert "half-applied" in verdict and DROP in verdict, verdict
    # The advice, followed literally, works: undo the half, drop the key, clear, migrate.
    database.query("ALTER TABLE posts DROP COLUMN extra")
    database.query(DROP.strip("`"))
    # Read from the database, not the record: a dropped blocker is no longer to drop.
    status = project.inv("db.status", code=7, env=env).stdout
    verdict = next(line for line in status.splitlines() if line.startswith("status:"))
    assert "fk_hand_post" not in verdict, verdict
    project.inv("db.clear-migration-mark", env=env)
    project.inv("db.upgrade", env=env)
    assert database.revisions() == {"r2"}


CREATE_USERS_ORDERS = """\
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))
    op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True))"""
DROP_BOTH = """\
    op.drop_table("orders")
    op.drop_table("users")"""
ADDS_NICK_DROPS_ORDERS = """\
    op.add_column("users", sa.Column("nick", sa.String(20), nullable=True))
    op.drop_table("orders")"""
UNDO_NICK = """\
    op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True))
    op.drop_column("users", "nick")"""
HAND_AUDIT = (
    "CREATE TABLE audit (id INT PRIMARY KEY, order_id INT,"
    " {}FOREIGN KEY (order_id) REFERENCES orders (id))"
)


@only_on("mysql", why="only MySQL/MariaDB leave a migration half-applied")
@pytest.mark.parametrize("key", ["fk_audit_order", "audit_ibfk_1"], ids=["named", "automatic"])
def test_a_hand_made_table_whose_key_blocks_a_drop_table_is_the_blocker(
    project: Project, database: ServerDatabase, key: str
) -> None:
    """1451 (a referenced parent dropped) names the hand-made table's key: never "can stay";
    a key of the server's automatic name is dropped by that name, read from the server."""
    named = "" if key.endswith("ibfk_1") else f"CONSTRAINT {key} "
    hand_audit = HAND_AUDIT.format(named)
    drop_key = f"`ALTER TABLE audit DROP FOREIGN KEY {key}`"
    env = {"DATABASE_URL": database.url}
    project.write_revision("r1.py", revision_source("r1", None, CREATE_USERS_ORDERS, DROP_BOTH))
    project.inv("db.upgrade", env=env)
    database.query(hand_audit)
    project.write_revision(
        "r2.py", revision_source("r2", "r1", ADDS_NICK_DROPS_ORDERS, UNDO_NICK, message="Nick")
    )
    failed = project.inv("db.upgrade", code=1, env=env).stderr.strip().splitlines()[-1]
    assert "r2 is half-applied" in failed, failed
    assert "unexpected column users.nick" in failed, failed
    assert "can stay" not in failed, failed
    assert drop_key in failed, failed
    status = project.inv("db.status", code=7, env=env).stdout
    verdict = next(line for line in status.splitlines() if line.startswith("status:"))
    assert "can stay" not in verdict and drop_key in verdict, verdict
    cleared = project.run("inv", "db.clear-migration-mark", env=env)
    assert "can stay" not in cleared.stdout + cleared.stderr, cleared.stdout + cleared.stderr
    assert drop_key in cleared.stdout + cleared.stderr, cleared.stdout + cleared.stderr
    # The advice, followed literally, works.
    database.query("ALTER TABLE users DROP COLUMN nick")
    database.query(drop_key.strip("`"))
    project.inv("db.clear-migration-mark", env=env)
    project.inv("db.upgrade", env=env)
    assert database.revisions() == {"r2"}


DROPS_ORDERS = '    op.drop_table("orders")'
MAKES_ORDERS = '    op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True))'
HAND_PROFILE = (
    "CREATE TABLE profile (id INT PRIMARY KEY, user_id INT,"
    " CONSTRAINT fk_profile_user FOREIGN KEY (user_id) REFERENCES users (id))"
)
DROP_PROFILE_KEY = "`ALTER TABLE profile DROP FOREIGN KEY fk_profile_user`"


@only_on("mysql", why="only MySQL/MariaDB leave a downgrade() half run")
def test_a_downgrade_stopped_half_way_by_a_hand_made_key_names_its_own_half_and_the_key(
    project: Project, database: ServerDatabase
) -> None:
    """r2's downgrade() made orders again; r1's, half run, dropped it before users failed on
    profile's key: orders is r1's own half-run, not r2's, and the key is the blocker."""
    env = {"DATABASE_URL": database.url}
    project.write_revision("r1.py", revision_source("r1", None, CREATE_USERS_ORDERS, DROP_BOTH))
    project.write_revision("r2.py", revision_source("r2", "r1", DROPS_ORDERS, MAKES_ORDERS))
    project.inv("db.upgrade", env=env)
    database.query(HAND_PROFILE)
    failed = project.inv("db.downgrade", "-r", "base", "--yes", code=1, env=env).stderr
    line = failed.strip().splitlines()[-1]
    assert "r1's downgrade() half ran" in line and "missing table orders" in line, line
    assert "which the downgrade() of revision r2 left" not in line, line
    assert "can stay" not in line and DROP_PROFILE_KEY in line, line
    assert line.index(DROP_PROFILE_KEY) < line.index("db.clear-migration-mark"), line
    status = project.inv("db.status", code=7, env=env).stdout
    verdict = next(line for line in status.splitlines() if line.startswith("status:"))
    assert "half-applied" in verdict and DROP_PROFILE_KEY in verdict, verdict
    cleared = project.run("inv", "db.clear-migration-mark", env=env)
    assert cleared.returncode != 0, cleared.stdout
    assert "can stay" not in cleared.stderr and DROP_PROFILE_KEY in cleared.stderr, cleared.stderr
    # The advice, followed literally, works: undo the half, drop the key, clear, downgrade.
    database.query("CREATE TABLE orders (id INT PRIMARY KEY AUTO_INCREMENT)")
    database.query(DROP_PROFILE_KEY.strip("`"))
    project.inv("db.clear-migration-mark", env=env)
    # It runs; profile, made by hand, is still there (exit 9 says so).
    project.inv("db.downgrade", "-r", "base", "--yes", code=9, env=env)
    assert database.revisions() == set()
