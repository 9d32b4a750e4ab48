"""Every option combination bakes clean, migrates and passes its own tests, on every database.

Each database's tests form one pytest-xdist group (`--dist loadgroup`, see conftest.py), so the
three databases run on separate workers in parallel. Server databases are skipped, saying why,
when TEST_POSTGRESQL_URL / TEST_MYSQL_URL is unset.
"""

from __future__ import annotations

import pytest
from matrix_checks import (
    DATABASES,
    Combination,
    bake,
    check_makefile_is_the_only_difference,
    check_static,
    combinations,
    database_for,
    install_with_uv,
    migrate_and_test,
    skip_without_server,
)


def grouped_by_database(*, makefile_options=(False, True)) -> list:
    """Every combination of every database, each marked with its database's xdist group."""
    return [
        pytest.param(*param.values, id=param.id, marks=pytest.mark.xdist_group(f"matrix-{db}"))
        for db in DATABASES
        for param in combinations(db, makefile_options=makefile_options)
    ]


@pytest.mark.parametrize("combination", grouped_by_database())
def test_combination_bakes_lint_clean_with_valid_workflows(
    cookies, combination: Combination
) -> None:
    check_static(bake(cookies, combination), combination)


@pytest.mark.parametrize("combination", grouped_by_database(makefile_options=[True]))
def test_makefile_option_changes_nothing_but_the_makefile(
    cookies, combination: Combination
) -> None:
    check_makefile_is_the_only_difference(cookies, combination)


# Every combination, so both the `make` targets and the plain `inv` tasks are driven.
@pytest.mark.parametrize("combination", grouped_by_database())
def test_combination_migrates_and_passes_its_own_tests(cookies, combination: Combination) -> None:
    skip_without_server(combination)
    project = install_with_uv(bake(cookies, combination))
    with database_for(combination, project.path) as url:
        migrate_and_test(project, combination, url)
