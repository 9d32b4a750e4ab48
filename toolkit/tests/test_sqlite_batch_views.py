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
