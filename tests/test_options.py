"""The README's option table and the hooks agree with cookiecutter.json."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from dev_env import DEV_VENV, TEMPLATE_ROOT, venv_executable

OPTIONS = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())
OPTION_ROW = re.compile(r"^\| `(\w+)` \| (.+?) \|", re.MULTILINE)


def readme_options() -> dict[str, str]:
    return dict(OPTION_ROW.findall((TEMPLATE_ROOT / "README.md").read_text()))


def test_readme_option_table_lists_exactly_the_options_of_cookiecutter_json() -> None:
    asked = [name for name in OPTIONS if not name.startswith("_")]
    assert list(readme_options()) == asked


@pytest.mark.parametrize("name", ["python_version", "database", "use_async", "use_makefile"])
def test_readme_option_table_gives_the_real_default(name: str) -> None:
    default = OPTIONS[name][0] if isinstance(OPTIONS[name], list) else OPTIONS[name]
    assert readme_options()[name] == f"`{json.dumps(default).strip(chr(34))}`"


def test_every_option_has_a_prompt_and_every_database_a_label() -> None:
    prompts = OPTIONS["__prompts__"]
    assert [name for name in OPTIONS if not name.startswith("_")] == list(prompts)
    assert set(prompts["database"]) - {"__prompt__"} == set(OPTIONS["database"])


def bake_from_replay(tmp_path: Path, **answers: object) -> subprocess.CompletedProcess[str]:
    """Bake with a replay file, which cookiecutter passes on without checking the choices."""
    context = {
        name: value[0] if isinstance(value, list) else value
        for name, value in OPTIONS.items()
        if not name.startswith("_")
    }
    context.update(project_slug="replayed_service", _template=str(TEMPLATE_ROOT), **answers)
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"cookiecutter": context}))
    output_dir = tmp_path / "out"
    command = [venv_executable(DEV_VENV, "cookiecutter"), "--replay-file", replay]
    command += ["--output-dir", output_dir, TEMPLATE_ROOT]
    return subprocess.run(command, capture_output=True, text=True)


@pytest.mark.parametrize(
    "answers, reason",
    [
        ({"database": "oracle"}, "database 'oracle' is not one of sqlite, postgresql, mysql"),
        ({"use_async": "maybe"}, "use_async 'maybe' is not yes/no or true/false"),
    ],
    ids=["unknown-database", "non-boolean-async"],
)
def test_unsupported_combination_fails_in_the_pre_generation_hook(
    tmp_path: Path, answers: dict, reason: str
) -> None:
    completed = bake_from_replay(tmp_path, **answers)
    assert completed.returncode != 0
    errors = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and reason in errors[0], completed.stderr
    assert not (tmp_path / "out" / "replayed_service").exists()


def test_supported_combination_from_a_replay_file_bakes(tmp_path: Path) -> None:
    completed = bake_from_replay(tmp_path, database="mysql", use_async=True, use_makefile=False)
    assert completed.returncode == 0, completed.stderr
    project = tmp_path / "out" / "replayed_service"
    assert "aiomysql" in (project / "pyproject.toml").read_text()
    assert not (project / "Makefile").exists()


@pytest.mark.parametrize(
    "answer, last_line",
    [
        ("database=postgres", "but the choices are ['sqlite', 'postgresql', 'mysql']."),
        ("use_async=maybe", "maybe provided for variable use_async could not be converted"),
    ],
)
def test_command_line_answer_cookiecutter_refuses_creates_nothing_as_documented(
    tmp_path: Path, answer: str, last_line: str
) -> None:
    command = [venv_executable(DEV_VENV, "cookiecutter"), "--no-input", "-o", tmp_path]
    completed = subprocess.run([*command, TEMPLATE_ROOT, answer], capture_output=True, text=True)
    assert completed.returncode == 1
    assert last_line in completed.stderr.strip().splitlines()[-1]
    assert not list(tmp_path.iterdir())
    # cookiecutter refuses before any template code runs: the README says so rather than promise
    # one line.
    readme = " ".join((TEMPLATE_ROOT / "README.md").read_text().split())
    assert f"`{answer}`" in readme
