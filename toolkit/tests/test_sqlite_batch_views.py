"""SQLite: a batch operation that recreates a table a view reads fails (`error in view v: no
such table: main.t`, when the copy is renamed); `inv db.revision` says to drop the view before
the batch block and make it again after it, with both statements."""

from __future__ import annotations

from project import Project, created_revision, revision_source

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
