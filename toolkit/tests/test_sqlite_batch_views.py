"""SQLite: a batch operation that recreates a table a view, or a trigger on another table,
reads fails (`error in view v: no such table: main.t`, when the copy is renamed); `inv
db.revision` says to drop it before the batch block and make it again after it, with both
statements, and `inv db.lint` flags such a block, with advice that the stairway accepts."""

from __future__ import annotations

import re

from project import Project, created_revision, revision_source

STAIRWAY = (
    "pytest", "-q", "-p", "no:cacheprovider", "tests/test_migrations.py",
    "-k", "upgrades_downgrades_and_upgrades_again or restores_the_schema",
)  # fmt: skip

VIEW = "CREATE VIEW user_emails AS SELECT id, email FROM users"


def test_db_revision_says_to_drop_the_view_before_the_batch_and_make_it_again_after(
    project: Project,
) -> None:
    project.add_user_model()
    first, _ = created_revision(project.inv("db.revision", "-m", "users").stdout)
    view = revision_source(
        "view", first, f"    op.execute({VIEW!r})", '    op.execute("DROP VIEW user_emails")'
    )
    project.write_revision("view.py", view)
    project.inv("db.upgrade")
    models = project.path / "app" / "models.py"
    models.write_text(
        models.read_text().replace("String(255), unique=True", "String(100), unique=True")
    )
    revision = project.inv("db.revision", "-m", "shorter email", code=1)
    stderr = revision.stderr
    assert "(error in view user_emails: no such table: main.users)" in stderr, stderr
    assert "fix that call" not in stderr, stderr
    assert (
        "drop view user_emails before the batch block"
        ' (`op.execute("DROP VIEW user_emails")`) and make it again after it'
        f" (`op.execute({VIEW!r})`)"
    ) in stderr, stderr

    # The advice, followed in both functions (each ends with its batch block), runs.
    (written,) = project.versions.glob("*_shorter_email.py")
    drop, make = '    op.execute("DROP VIEW user_emails")\n', f"    op.execute({VIEW!r})\n"
    text = written.read_text().replace(
        "    with op.batch_alter_table(", drop + "    with op.batch_alter_table("
    )
    text = text.replace("    # ### end Alembic commands ###", make)
    written.write_text(text)
    project.inv("db.upgrade")
    project.inv("db.downgrade")


USERS = """    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(255)),
    )"""
SHORTER = """    with op.batch_alter_table("users", recreate="always") as batch_op:
        batch_op.alter_column("email", type_=sa.String(100))"""
DROP_VIEW = '    op.execute("DROP VIEW user_emails")'
MAKE_VIEW = f"    op.execute({VIEW!r})"


def test_lint_flags_a_batch_block_that_recreates_a_table_a_view_reads(project: Project) -> None:
    project.write_revision("r1.py", revision_source("r1", None, f"{USERS}\n{MAKE_VIEW}"))
    project.write_revision("r2.py", revision_source("r2", "r1", SHORTER))
    lint = project.inv("db.lint", "--all", code=1)
    assert "sqlite-batch-blocked-by-view" in lint.stdout, lint.stdout
    assert "view user_emails (made by revision r1) reads table users" in lint.stdout, lint.stdout
    # Written as advised (the view dropped before the block, made again after it): no finding.
    written = f"{DROP_VIEW}\n{SHORTER}\n{MAKE_VIEW}"
    project.write_revision("r2.py", revision_source("r2", "r1", written))
    lint = project.run("inv", "db.lint", "--all")
    assert "sqlite-batch-blocked-by-view" not in lint.stdout, lint.stdout
    project.inv("db.upgrade")


DROP_USERS = '    op.drop_table("users")'
SHORTER_BACK = """    with op.batch_alter_table("users", recreate="always") as batch_op:
        batch_op.alter_column("email", type_=sa.String(255))"""


def test_lint_says_to_only_drop_a_view_the_same_revision_made_in_a_downgrade_batch(
    project: Project,
) -> None:
    # r2's upgrade makes the view after its batch block; its downgrade's batch block comes
    # before its DROP VIEW, so the view blocks it.
    project.write_revision("r1.py", revision_source("r1", None, USERS, DROP_USERS))
    downgrade = f"{SHORTER_BACK}\n{DROP_VIEW}"
    project.write_revision(
        "r2.py", revision_source("r2", "r1", f"{SHORTER}\n{MAKE_VIEW}", downgrade)
    )
    lint = project.inv("db.lint", "--all", code=1)
    assert "view user_emails (made by revision r2) reads table users" in lint.stdout, lint.stdout
    assert "and downgrade() with it" in lint.stdout, lint.stdout
    assert (
        '`op.execute("DROP VIEW user_emails")` before the `with op.batch_alter_table(...)` block,'
        " and not made again: this revision's upgrade() makes the view, so its downgrade() leaves"
        " it dropped"
    ) in " ".join(lint.stdout.split()), lint.stdout

    # Written as advised: no finding, and the stairway passes.
    downgrade = f"{DROP_VIEW}\n{SHORTER_BACK}"
    project.write_revision(
        "r2.py", revision_source("r2", "r1", f"{SHORTER}\n{MAKE_VIEW}", downgrade)
    )
    lint = project.run("inv", "db.lint", "--all")
    assert "sqlite-batch-blocked-by" not in lint.stdout, lint.stdout
    stairway = project.run(*STAIRWAY)
    assert stairway.returncode == 0, stairway.stdout + stairway.stderr


POSTS = """    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("nick", sa.String(50)),
    )"""
TRIGGER = (
    "CREATE TRIGGER trg_posts_nick AFTER INSERT ON posts"
    " BEGIN UPDATE users SET email = new.nick WHERE id = new.id; END"
)
MAKE_TRIGGER = f"    op.execute({TRIGGER!r})"
DROP_TRIGGER = '    op.execute("DROP TRIGGER trg_posts_nick")'
POST_MODEL = """

class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    nick: Mapped[str | None] = mapped_column(String(50))
"""


def test_lint_flags_a_batch_block_that_recreates_a_table_a_trigger_on_another_table_reads(
    project: Project,
) -> None:
    undone = f'{DROP_TRIGGER}\n    op.drop_table("posts")\n{DROP_USERS}'
    made = f"{USERS}\n{POSTS}\n{MAKE_TRIGGER}"
    project.write_revision("r1.py", revision_source("r1", None, made, undone))
    project.write_revision("r2.py", revision_source("r2", "r1", SHORTER, SHORTER_BACK))
    lint = project.inv("db.lint", "--all", code=1)
    assert "sqlite-batch-blocked-by-trigger" in lint.stdout, lint.stdout
    assert "trigger trg_posts_nick (made by revision r1) reads table users" in lint.stdout
    found = re.findall(r"r2\.py:\d+: sqlite-batch-blocked-by-trigger", lint.stdout)
    assert len(found) == 2, lint.stdout
    # Written as advised, in both functions: no finding, and the stairway passes.
    written = f"{DROP_TRIGGER}\n{SHORTER}\n{MAKE_TRIGGER}"
    back = f"{DROP_TRIGGER}\n{SHORTER_BACK}\n{MAKE_TRIGGER}"
    project.write_revision("r2.py", revision_source("r2", "r1", written, back))
    lint = project.run("inv", "db.lint", "--all")
    assert "sqlite-batch-blocked-by" not in lint.stdout, lint.stdout
    stairway = project.run(*STAIRWAY)
    assert stairway.returncode == 0, stairway.stdout + stairway.stderr


def test_lint_passes_a_batch_block_on_the_table_a_trigger_is_on(project: Project) -> None:
    # The table's own triggers go with its copy (sqlite-batch-loses-object's concern).
    rebuild_posts = SHORTER.replace('"users"', '"posts"').replace('"email"', '"nick"')
    project.write_revision(
        "r1.py", revision_source("r1", None, f"{USERS}\n{POSTS}\n{MAKE_TRIGGER}")
    )
    project.write_revision("r2.py", revision_source("r2", "r1", rebuild_posts))
    lint = project.run("inv", "db.lint", "--all")
    assert "sqlite-batch-blocked-by" not in lint.stdout, lint.stdout


def test_db_revision_says_to_drop_a_trigger_that_blocks_the_batch_and_make_it_again_after(
    project: Project,
) -> None:
    project.add_user_model()
    project.append_models(POST_MODEL, "String")
    first, _ = created_revision(project.inv("db.revision", "-m", "users").stdout)
    trigger = revision_source("trigger", first, MAKE_TRIGGER, DROP_TRIGGER)
    project.write_revision("trigger.py", trigger)
    project.inv("db.upgrade")
    models = project.path / "app" / "models.py"
    models.write_text(
        models.read_text().replace("String(255), unique=True", "String(100), unique=True")
    )
    stderr = project.inv("db.revision", "-m", "shorter email", code=1).stderr
    assert "error in trigger trg_posts_nick" in stderr, stderr
    assert "fix that call" not in stderr, stderr
    assert (
        "drop trigger trg_posts_nick before the batch block"
        ' (`op.execute("DROP TRIGGER trg_posts_nick")`) and make it again after it'
        f" (`op.execute({TRIGGER!r})`)"
    ) in stderr, stderr


def test_lint_says_to_make_a_view_after_the_batch_block_when_the_same_function_makes_it_before(
    project: Project,
) -> None:
    project.write_revision("r1.py", revision_source("r1", None, USERS, DROP_USERS))
    downgrade = f"{DROP_VIEW}\n{SHORTER_BACK}"
    project.write_revision(
        "r2.py", revision_source("r2", "r1", f"{MAKE_VIEW}\n{SHORTER}", downgrade)
    )
    lint = project.inv("db.lint", "--all", code=1)
    assert (
        "make the view after the `with op.batch_alter_table(...)` block, not before it, in"
        " upgrade()"
    ) in " ".join(lint.stdout.split()), lint.stdout
