"""Revisions for the migration lint's tests: for each rule, a risky upgrade and its safe pattern."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from invoke import Context, Exit
from project import Project, revision_source

ALL_DATABASES = ("sqlite", "postgresql", "mysql")

# Tables that exist before each case's revisions run: the risky operations meet them as
# existing tables, as they would in production.
BASE_UPGRADE = """\
    op.create_table("teams", sa.Column("id", sa.Integer(), primary_key=True))
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(50), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
    )"""
NOT_REVERSIBLE = '    raise NotImplementedError("a test revision")'
AUTOCOMMIT = "    with op.get_context().autocommit_block():\n"


@dataclass(frozen=True)
class LintCase:
    """A rule, the databases it concerns, a revision it flags (at ``flagged``) and a safe one."""

    rule: str
    databases: tuple[str, ...]
    risky: str
    safe: str
    flagged: str  # the risky statement's line, as written
    risky_downgrade: str = NOT_REVERSIBLE

    def __str__(self) -> str:
        return self.rule


def accepted(line: str, rule: str) -> str:
    return f"{line}  # lint: allow {rule}"


ADD_ACTIVE = '    op.add_column("users", sa.Column("active", sa.Boolean(), nullable=False))'
ADD_INDEX = '    op.create_index("ix_users_email", "users", ["email"])'
CONCURRENT_INDEX = (
    '    op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)'
)
ADD_FOREIGN_KEY = (
    '    op.create_foreign_key("fk_users_team", "users", "teams", ["team_id"], ["id"])'
)
ADD_UNIQUE = '    op.create_unique_constraint("uq_users_email", "users", ["email"])'
ADD_ENUM_VALUE = "    op.execute(\"ALTER TYPE mood ADD VALUE 'sad'\")"
DROP_EMAIL = '    op.drop_column("users", "email")'
DROP_TEAMS = '    op.drop_table("teams")'
RENAME_EMAIL = '    op.alter_column("users", "email", new_column_name="mail")'
RENAME_TEAMS = '    op.rename_table("teams", "groups")'
ADD_NICK = '    op.add_column("users", sa.Column("nick", sa.String(20), nullable=True))'

CASES = [
    LintCase(
        "adding-required-field",
        ALL_DATABASES,
        ADD_ACTIVE,
        ADD_ACTIVE.replace("nullable=False", "nullable=False, server_default=sa.false()"),
        ADD_ACTIVE,
    ),
    LintCase(
        "changing-column-type",
        ALL_DATABASES,
        '    op.alter_column("users", "email", type_=sa.String(200), existing_type=sa.String(50))',
        '    op.add_column("users", sa.Column("email_wide", sa.String(200), nullable=True))',
        '    op.alter_column("users", "email", type_=sa.String(200), existing_type=sa.String(50))',
    ),
    LintCase(
        "require-concurrent-index-creation",
        ("postgresql",),
        ADD_INDEX,
        AUTOCOMMIT + "    " + CONCURRENT_INDEX,
        ADD_INDEX,
    ),
    LintCase(
        "ban-concurrent-index-creation-in-transaction",
        ("postgresql",),
        CONCURRENT_INDEX,
        AUTOCOMMIT + "    " + CONCURRENT_INDEX,
        CONCURRENT_INDEX,
    ),
    LintCase(
        "constraint-missing-not-valid",
        ("postgresql",),
        ADD_FOREIGN_KEY,
        ADD_FOREIGN_KEY.replace('["id"])', '["id"], postgresql_not_valid=True)'),
        ADD_FOREIGN_KEY,
    ),
    LintCase(
        "disallowed-unique-constraint",
        ("postgresql",),
        ADD_UNIQUE,
        AUTOCOMMIT + '        op.create_index("uq_users_email", "users", ["email"], unique=True,'
        " postgresql_concurrently=True)\n"
        '    op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_email'
        ' UNIQUE USING INDEX uq_users_email")',
        ADD_UNIQUE,
    ),
    LintCase(
        "add-enum-value-in-transaction",
        ("postgresql",),
        ADD_ENUM_VALUE,
        AUTOCOMMIT + "    " + ADD_ENUM_VALUE,
        ADD_ENUM_VALUE,
    ),
    LintCase(
        "ban-drop-column",
        ALL_DATABASES,
        DROP_EMAIL,
        accepted(DROP_EMAIL, "ban-drop-column"),
        DROP_EMAIL,
    ),
    LintCase(
        "ban-drop-table",
        ALL_DATABASES,
        DROP_TEAMS,
        accepted(DROP_TEAMS, "ban-drop-table"),
        DROP_TEAMS,
    ),
    LintCase(
        "renaming-column",
        ALL_DATABASES,
        RENAME_EMAIL,
        accepted(RENAME_EMAIL, "renaming-column"),
        RENAME_EMAIL,
    ),
    LintCase(
        "renaming-table",
        ALL_DATABASES,
        RENAME_TEAMS,
        accepted(RENAME_TEAMS, "renaming-table"),
        RENAME_TEAMS,
    ),
    LintCase(
        "empty-downgrade", ALL_DATABASES, ADD_NICK, ADD_NICK, "    pass", risky_downgrade="    pass"
    ),
]


def write_revision(
    project: Project,
    revision: str,
    down_revision: str | None,
    upgrade: str,
    downgrade: str = NOT_REVERSIBLE,
) -> Path:
    """Write a hand-made revision into the project; return its path relative to the project."""
    relative = Path("app/migrations/versions") / f"{revision}.py"
    text = revision_source(
        revision, down_revision, upgrade, downgrade, message=f"Lint test revision {revision}."
    )
    (project.path / relative).write_text(text)
    return relative


def line_of(project: Project, relative: Path, text: str) -> int:
    """Return the (last) line of ``relative`` that reads exactly ``text``."""
    lines = (project.path / relative).read_text().splitlines()
    return max(number for number, line in enumerate(lines, start=1) if line == text)


# The lint reads only the dialect: offline, no server is reached and no driver connects.
OFFLINE_URLS = {
    "sqlite": "sqlite:///lint.db",
    "postgresql": "postgresql://app@db.invalid/app",
    "mysql": "mysql://app@db.invalid/app",
}


@dataclass
class LintRun:
    """What `inv db.lint --all` printed on stdout, its exit code and its last line on stderr."""

    stdout: str
    code: int
    error: str


def lint_in_process(project: Project, kind: str, capsys: pytest.CaptureFixture[str]) -> LintRun:
    """Run the `db.lint` task with --all in this process, for the dialect of ``kind``."""
    from alembic_steward.lint._task import lint as lint_task

    capsys.readouterr()
    code, error = 0, ""
    with project.imported(DATABASE_URL=OFFLINE_URLS[kind]):
        try:
            lint_task(Context(), all=True)
        except Exit as exit:
            code, error = exit.code, str(exit.message)
    return LintRun(capsys.readouterr().out, code, error)
