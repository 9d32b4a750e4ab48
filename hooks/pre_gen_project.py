"""Reject answers that would bake a broken project, before anything is written.

Values arrive through ``| tojson`` so that a quote or backslash in an answer is data, never code.
"""

import json
import keyword
import re
import sys

PROJECT_SLUG = {{cookiecutter.project_slug | tojson}}
PYTHON_VERSION = {{cookiecutter.python_version | tojson}}
DATABASE = {{cookiecutter.database | tojson}}
# Double tojson: a JSON text in a Python string, so true/false become True/False, and any other
# value (a replay file can hold anything) stays data for the check below.
USE_ASYNC = json.loads({{cookiecutter.use_async | tojson | tojson}})

# The baked project's own top-level packages and its direct dependencies: a slug with one of
# these names would shadow it on sys.path or on PyPI.
RESERVED_NAMES = frozenset(
    {"app", "tasks", "tests", "migrations", "alembic", "sqlalchemy", "invoke", "dotenv"}
    | {"pytest", "ruff", "psycopg", "pymysql", "setuptools", "pip", "site"}
)
OLDEST_SUPPORTED_MINOR = 10


def slug_problem(slug: str) -> str | None:
    """Say why ``slug`` cannot name the project, or return None when it can."""
    if not (slug.isascii() and slug.isidentifier() and slug == slug.lower()):
        return f"project_slug {slug!r} is not a lowercase Python identifier"
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
    if problem is None:
        return 0
    hint = "choose another, e.g. project_slug=my_service python_version=3.12 database=sqlite"
    print(f"error: {problem}; {hint}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
