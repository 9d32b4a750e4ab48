"""Every option combination bakes clean; pairwise, they migrate and pass their own tests, on every
database.

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
    pairwise,
    skip_without_server,
)


def grouped_by_database(*, makefile_options=(False, True), chosen=None) -> list:
    """Every combination of every database (or those ``chosen(db)`` gives), each marked with its
    database's xdist group."""
    return [
        pytest.param(*param.values, id=param.id, marks=pytest.mark.xdist_group(f"matrix-{db}"))
        for db in DATABASES
        for param in (chosen(db) if chosen else combinations(db, makefile_options=makefile_options))
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


# Pairwise: the Makefile changes nothing else (the test above), so each database runs its
# migrations and tests once with each engine, one of the two through `make`.
@pytest.mark.parametrize("combination", grouped_by_database(chosen=pairwise))
def test_combination_migrates_and_passes_its_own_tests(cookies, combination: Combination) -> None:
    skip_without_server(combination)
    project = install_with_uv(bake(cookies, combination))
    with database_for(combination, project.path) as url:
        migrate_and_test(project, combination, url)
