"""`inv format` ends clean when ruff can make it so, and a written revision comes out lint-clean.

`inv format` once fixed first and formatted after, so a long line the formatter was about to
wrap was still reported as unfixable (exit 1), though `inv lint` passed right after; and the
post-write hooks printed an E501 block for each long foreign key line of a new revision.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from project import FIXTURE_PROJECT, Project, created_revision
from servers import ServerDatabase, only_on

TEMPLATE_PROJECT = FIXTURE_PROJECT.parents[2] / "{{cookiecutter.project_slug}}"

# A line the formatter wraps (too long for E501 until it does) and an import ruff's fix sorts.
PARAMETERS = ", ".join(f"argument_number_{n}: str" for n in range(6))
WRAPPABLE = f"\n\ndef describe({PARAMETERS}) -> str:\n    return argument_number_0\n"
UNSORTED_IMPORTS = "import sys\nimport os\n\n\nCWD = os.getcwd()\nEXE = sys.executable\n"
# An undefined name: a finding ruff has no fix for.
UNFIXABLE = "\n\ndef broken() -> int:\n    return undefined_name\n"
# Two tables whose names make autogenerate's foreign key line far longer than 100 characters.
LONG_NAMED_MODELS = """

class OrganisationMembershipRecord(Base):
    __tablename__ = "organisation_membership_records"

    id: Mapped[int] = mapped_column(primary_key=True)


class ApplicationUserAccountSetting(Base):
    __tablename__ = "application_user_account_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_membership_record_id: Mapped[int] = mapped_column(
        ForeignKey("organisation_membership_records.id")
    )
"""


def ruff(project: Project, *arguments: str) -> subprocess.CompletedProcess[str]:
    return project.run("python", "-m", "ruff", *arguments)


def add_long_named_models(project: Project) -> None:
    project.append_models(LONG_NAMED_MODELS, "ForeignKey")


def test_format_wraps_a_long_line_fixes_what_it_can_and_exits_0(project: Project) -> None:
    (project.path / "app" / "helpers.py").write_text(UNSORTED_IMPORTS + WRAPPABLE)
    before = ruff(project, "check", "app/helpers.py").stdout
    assert "E501" in before and "I001" in before

    formatted = project.inv("format")
    assert "error" not in formatted.stderr
    assert "E501" not in formatted.stdout + formatted.stderr
    project.inv("lint")
    assert "import os\nimport sys\n" in (project.path / "app" / "helpers.py").read_text()


def test_format_exits_1_only_for_what_ruff_still_finds_after_fixing_and_formatting(
    project: Project,
) -> None:
    (project.path / "app" / "helpers.py").write_text(UNSORTED_IMPORTS + WRAPPABLE + UNFIXABLE)
    completed = project.inv("format", code=1)
    assert "F821" in completed.stdout and "E501" not in completed.stdout
    assert completed.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "import os\nimport sys\n" in (project.path / "app" / "helpers.py").read_text()
    lint = project.run("inv", "lint")
    assert lint.returncode == 1 and "F821" in lint.stdout and "E501" not in lint.stdout


@only_on(
    "sqlite",
    "postgresql",
    why="MariaDB's rendering is PostgreSQL's without its enum plugin; SQLite's is batch mode",
)
def test_a_revision_with_a_long_foreign_key_line_is_written_without_lint_noise(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    add_long_named_models(project)
    completed = project.inv("db.revision", "-m", "memberships", env=env)
    _, written = created_revision(completed.stdout)
    output = completed.stdout + completed.stderr
    assert "E501" not in output and "-->" not in output, output
    assert "ForeignKeyConstraint" in (project.path / written).read_text()
    assert ruff(project, "check", written).returncode == 0
    assert ruff(project, "format", "--check", written).returncode == 0
    project.inv("lint")


def test_the_bake_writes_revisions_with_the_fixture_s_hooks_and_ignores() -> None:
    # The fixture stands for a bake: the hooks' order and versions/' ignores must be the bake's.
    bake = TEMPLATE_PROJECT / "pyproject.toml"
    if not bake.is_file():
        pytest.skip("the template is not beside this toolkit checkout")
    tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")
    fixture = tomllib.loads((FIXTURE_PROJECT / "pyproject.toml").read_text())
    text = bake.read_text()
    # The bake's file is a Jinja template; these tables hold no Jinja.
    hooks = tomllib.loads(
        text[text.index("[[tool.alembic.post_write_hooks]]") :].split("\n[tool.")[0]
    )
    ignores = tomllib.loads(text[text.index("[tool.ruff.lint.per-file-ignores]") :])
    assert hooks["tool"]["alembic"] == {
        "post_write_hooks": fixture["tool"]["alembic"]["post_write_hooks"]
    }
    assert ignores["tool"]["ruff"] == {
        "lint": {"per-file-ignores": fixture["tool"]["ruff"]["lint"]["per-file-ignores"]}
    }
