"""Reject answers that would bake a broken project, before anything is written.

Values arrive through ``| tojson`` so that a quote or backslash in an answer is data, never code.
Every check is an explicit ``if``: ``assert`` would vanish under ``python -O``.
"""

import json
import keyword
import re
import sys


def from_tojson(text: str) -> str:
    """Join the surrogate pairs Jinja's ``tojson`` writes for emoji back into characters."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16")


PROJECT_SLUG = from_tojson({{cookiecutter.project_slug | tojson}})
PYTHON_VERSION = from_tojson({{cookiecutter.python_version | tojson}})
DATABASE = from_tojson({{cookiecutter.database | tojson}})
# Double tojson: a JSON text in a Python string, so true/false become True/False, and any other
# value (a replay file can hold anything) stays data for the check below.
USE_ASYNC = json.loads({{cookiecutter.use_async | tojson | tojson}})
# Double tojson, like USE_ASYNC: a replay file's number or list stays data for the check.
TOOLKIT_REQUIREMENT = json.loads({{cookiecutter.toolkit_requirement | tojson | tojson}})
FREE_TEXT_ANSWERS = {
    "project_name": from_tojson({{cookiecutter.project_name | tojson}}),
    "description": from_tojson({{cookiecutter.description | tojson}}),
    "author_name": from_tojson({{cookiecutter.author_name | tojson}}),
}

# The baked project's own top-level packages and the import names of its dependencies (direct
# and the ones they pull in, for every option and every supported Python): a slug with one of
# these names would shadow it on sys.path.
RESERVED_NAMES = frozenset(
    {"app", "tasks", "tests", "migrations", "conftest", "alembic", "sqlalchemy", "invoke"}
    | {"dotenv", "pytest", "_pytest", "ruff", "psycopg", "psycopg2", "pymysql", "mysqldb"}
    | {"psycopg_binary", "psycopg_c", "psycopg_pool", "aiosqlite", "aiomysql", "asyncpg"}
    | {"mako", "markupsafe", "greenlet", "typing_extensions", "tzdata", "pluggy", "iniconfig"}
    | {"packaging", "pygments", "setuptools", "pkg_resources", "pip", "site", "py"}
    | {"tomli", "exceptiongroup", "colorama"}
    # The standard library's own test package, which sys.stdlib_module_names leaves out.
    | {"test"}
)
OLDEST_SUPPORTED_MINOR = 10


def slug_problem(slug: str) -> str | None:
    """Say why ``slug`` cannot name the project, or return None when it can."""
    if not (slug.isascii() and slug.isidentifier() and slug == slug.lower()):
        return f"project_slug {slug!r} is not a lowercase Python identifier"
    if slug.startswith("__") and slug.endswith("__"):
        return f"project_slug {slug!r} is a double-underscore name, which Python reserves"
    if keyword.iskeyword(slug):
        return f"project_slug {slug!r} is a Python keyword"
    if slug in sys.stdlib_module_names:
        return f"project_slug {slug!r} would shadow the standard-library module of that name"
    if slug in RESERVED_NAMES:
        return f"project_slug {slug!r} would shadow a package the project uses"
    return None


def python_version_problem(version: str) -> str | None:
    """Say why ``version`` is not a supported ``3.N``, or return None when it is."""
    match = re.fullmatch(r"3\.(\d+)", version)
    if match is None or int(match.group(1)) < OLDEST_SUPPORTED_MINOR:
        return (
            f"python_version {version!r} is not 3.{OLDEST_SUPPORTED_MINOR} or newer in the form 3.N"
        )
    return None


def free_text_problem(answers: dict[str, str]) -> str | None:
    """Say which answer is not one printable line, or return None when all are."""
    for name, value in answers.items():
        if not value.strip():
            return f"{name} is empty"
        if not value.isprintable():
            return f"{name} {value!r} is not one line of printable text"
    return None


# A strict subset of PEP 508 for the toolkit's requirement. `packaging` would parse it exactly,
# but hooks run in cookiecutter's (or cruft's) own Python, and neither depends on `packaging`.
TOOLKIT_NAME = "alembic-steward"
VERSION = r"[0-9][0-9A-Za-z.!+_-]*(?:\.\*)?"
SPECIFIER = rf"(?:~=|===?|!=|<=|>=|<|>)\s*{VERSION}"
SPECIFIERS = rf"{SPECIFIER}(?:\s*,\s*{SPECIFIER})*"
VERSION_RANGE = re.compile(SPECIFIERS)
REQUIREMENT = re.compile(
    r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[(?P<extras>[^\]]*)\])?\s*"
    rf"(?:{SPECIFIERS}|\(\s*{SPECIFIERS}\s*\)|@\s*[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'\\;]+)?"
)
# `user:password@` in a URL: pyproject.toml would publish the password with the project.
URL_PASSWORD = re.compile(r"://[^/@\s]*:[^/@\s]*@")


def canonical_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def toolkit_requirement_problem(answer: object) -> str | None:
    """Say why ``answer`` cannot name the toolkit, or return None when it can (or is empty)."""
    if not isinstance(answer, str):
        return f"toolkit_requirement {answer!r} is not text"
    # Checked first, and the answer not shown: the line must not repeat the password.
    if URL_PASSWORD.search(answer):
        return "toolkit_requirement has a password in its URL, which pyproject.toml would publish"
    text = answer.strip()
    if not text or VERSION_RANGE.fullmatch(text):
        return None
    if not text.isprintable():
        return f"toolkit_requirement {answer!r} is not one line of printable text"
    if ";" in text:
        return f"toolkit_requirement {text!r} has a marker: where it is false, no toolkit installs"
    requirement = REQUIREMENT.fullmatch(text)
    if requirement is None:
        return f"toolkit_requirement {text!r} is not a version range or a PEP 508 requirement"
    if canonical_name(requirement["name"]) != TOOLKIT_NAME:
        return f"toolkit_requirement {text!r} names {requirement['name']!r}, not {TOOLKIT_NAME}"
    extras = {canonical_name(extra.strip()) for extra in (requirement["extras"] or "").split(",")}
    if "tasks" not in extras:
        return f"toolkit_requirement {text!r} lacks the [tasks] extra that the inv tasks need"
    return None


# Every database has a blocking and an asyncio driver, so these are all the combinations.
SUPPORTED_DATABASES = ("sqlite", "postgresql", "mysql")


def database_options_problem(database: str, use_async: object) -> str | None:
    """Say why the database and async answers cannot bake together, or return None."""
    if database not in SUPPORTED_DATABASES:
        return f"database {database!r} is not one of {', '.join(SUPPORTED_DATABASES)}"
    if not isinstance(use_async, bool):
        return f"use_async {use_async!r} is not yes/no or true/false"
    return None


def main() -> int:
    problem = (
        slug_problem(PROJECT_SLUG)
        or python_version_problem(PYTHON_VERSION)
        or database_options_problem(DATABASE, USE_ASYNC)
    )
    hint = "choose another, e.g. project_slug=my_service python_version=3.12 database=sqlite"
    if problem is None:
        problem = free_text_problem(FREE_TEXT_ANSWERS)
        hint = "give one line of text"
    if problem is None:
        problem = toolkit_requirement_problem(TOOLKIT_REQUIREMENT)
        hint = (
            "leave it empty, or give a version range such as >=0.1,<0.2 or a requirement such as"
            " alembic-steward[tasks] @ git+https://host/org/template.git@v1#subdirectory=toolkit"
        )
    if problem is None:
        return 0
    print(f"error: {problem}; {hint}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
