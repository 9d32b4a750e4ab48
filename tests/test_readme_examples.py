"""The console examples of both READMEs run as written and print what they show.

Each `$ command` of a ```console block is either run in a baked project (in README order, in a
bash shell, from the project root) or listed in NOT_RUN with the reason. A shown output line
must appear in what the command printed; `...` in it stands for any text (shortened ids).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from baked_project import BakedProject
from dev_env import TEMPLATE_ROOT

CONSOLE_BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)
TEMPLATE_README = TEMPLATE_ROOT / "README.md"
# Commands the tests do not run here, with the reason each is safe to leave out.
NOT_RUN = {
    # The fixture installs with uv, in seconds; the walkthrough runs these two as written.
    "python -m venv .venv && . .venv/bin/activate": "tests/test_walkthrough.py",
    'python -m pip install -e ".[dev]"': "tests/test_walkthrough.py",
    "python -m pip install -U pip": "network; the fixture's virtualenvs have a recent pip",
    'inv db.revision -m "Drop legacy column"': "needs a model with a legacy column",
    'inv db.merge -m "Merge heads"': "needs a second branch of revisions",
    # Shown for a database at head whose models changed; the narrative's is one step behind.
    "inv db.check": "needs a model changed at head; tests/test_workflow.py",
    "TEST_DATABASE_URL=postgresql://app:pw@localhost/app pytest": "needs a PostgreSQL server",
    "python3 scripts/walkthrough.py": "template tooling: tests/test_walkthrough.py",
    "python3 scripts/test.py": "template tooling: it runs this very suite",
    "pip install cookiecutter": "network; tests/test_bake.py bakes with cookiecutter",
    "cookiecutter path/or/url/of/this/template": "placeholder path; tests/test_bake.py",
    "cd my_service": "the project fixture is the baked folder",
    "pip install cruft": "network; tests/test_cruft.py",
    "cruft create path/or/url/of/this/template": "placeholder path; tests/test_cruft.py",
    'cd my_service && git init && git add -A && git commit -m "Bake from the template"': (
        "tests/test_cruft.py"
    ),
    "cruft check": "needs a template with newer commits; tests/test_cruft.py",
    "cruft diff": "needs a template with newer commits; tests/test_cruft.py",
    "cruft update": "needs a template with newer commits; tests/test_cruft.py",
    "python3 benchmarks/run.py": "minutes long; tests/test_benchmark_script.py",
    "inv db.lint": (
        "shown for a risky revision the narrative lacks; toolkit/tests/test_migration_lint.py"
    ),
    "inv db.lint --all": (
        "shown for a revision that cannot run offline, which the narrative lacks;"
        " toolkit/tests/test_lint_unlinted_revisions.py"
    ),
    "inv db.backfill run users_email_lower": "needs the section's revisions: test_backfill_example",
    "inv db.backfill status users_email_lower": "the same: tests/test_backfill_example.py",
    'python -c "import app; app.start_service()"': (
        "shown for a database behind head; toolkit/tests/test_startup_guard.py covers every case"
    ),
}
# Exit codes other than 0 that an example shows by its output (documented in the README).
EXIT_CODES = {"inv db.current --check": 1, "inv db.status": 2}
# The environment an example is shown in, where the README says so in the text around it.
ENVIRONMENTS = {
    "inv db.downgrade": {},
    "alembic downgrade -1": {"APP_ENV": "production"},
    "alembic -x confirm=production downgrade -1": {"APP_ENV": "production"},
    "make db-downgrade yes=1": {"APP_ENV": "production"},
}


# A console block that opens with this comment shows output from a server the tests do not run
# it on; the comment names the test that covers those commands instead.
SHOWN_NOT_RUN = "# shown, not run by the template's tests:"


def examples(readme: str) -> list[tuple[str, list[str]]]:
    """Every (command, shown output lines) of the README's console blocks, in order."""
    found: list[tuple[str, list[str]]] = []
    for block in CONSOLE_BLOCK.findall(readme):
        if block.startswith(SHOWN_NOT_RUN):
            continue
        for line in block.splitlines():
            if line.startswith("$ "):
                command = re.sub(r"\s+#.*$", "", line[2:]).strip()
                found.append((command, []))
            elif found and line.strip():
                found[-1][1].append(line)
    return found


def shown_line_pattern(line: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in line.strip().split("...")))


def run_example(project: BakedProject, command: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=project.path,
        env=project.environment(**env),
        capture_output=True,
        text=True,
    )


def check_example(project: BakedProject, command: str, shown: list[str], **env: str) -> None:
    completed = run_example(project, command, **env)
    output = completed.stdout + completed.stderr
    errors = any(line.startswith(("error:", "FAILED:")) for line in shown)
    expected = EXIT_CODES.get(command, 1 if errors else 0)
    if errors and command.startswith("alembic"):
        expected = 255  # Alembic's own code for its FAILED line
    assert completed.returncode == expected, f"$ {command}\n{output}"
    assert "Traceback" not in output, f"$ {command}\n{output}"
    printed = [line.strip() for line in output.splitlines()]
    for line in shown:
        pattern = shown_line_pattern(line)
        assert any(pattern.fullmatch(text) for text in printed), f"$ {command}: {line}\n{output}"


def set_up_readme_history(project: BakedProject) -> None:
    """The state the README's examples start from: its two revisions, by their own ids."""
    project.add_user_model()
    project.inv("db.revision", "-m", "Initial migration", "--rev-id", "9f26c1c14c01")
    project.inv("db.upgrade")
    project.add_user_name_column()
    project.inv("db.revision", "-m", "Add user name", "--rev-id", "48f2ad3590bd")
    project.inv("db.upgrade")


def test_every_readme_command_is_run_or_marked(default_bake: Path) -> None:
    commands = [
        command
        for readme in ((default_bake / "README.md").read_text(), TEMPLATE_README.read_text())
        for command, _ in examples(readme)
    ]
    assert commands
    # A command that is neither run by the tests below nor marked here is untested.
    unmarked = [c for c in commands if c not in NOT_RUN and not runnable_here(c)]
    assert unmarked == []


def runnable_here(command: str) -> bool:
    return command.split()[0] in ("inv", "alembic", "make", "pytest", "cp", "git")


@pytest.mark.parametrize("readme", ["baked", "template"])
def test_readme_examples_run_as_written(project: BakedProject, readme: str) -> None:
    text = (
        (project.path / "README.md").read_text()
        if readme == "baked"
        else (TEMPLATE_README.read_text())
    )
    if readme == "template":
        project.add_user_model()
    else:
        set_up_readme_history(project)
    for command, shown in examples(text):
        if command in NOT_RUN:
            continue
        env = ENVIRONMENTS.get(command, {})
        if command == "inv db.url":
            (project.path / ".env").write_text(
                "DATABASE_URL=postgresql://app:secret@db.internal:5432/app\n"
            )
        if command == "inv db.downgrade" and any("production" in line for line in shown):
            env = {"APP_ENV": "production"}
        check_example(project, command, shown, **env)
        if command == "inv db.url":
            (project.path / ".env").unlink()
