"""Every option combination on PostgreSQL bakes clean, migrates and passes its own tests on
the PostgreSQL server in TEST_POSTGRESQL_URL (skipped, saying so, when it is unset)."""

from __future__ import annotations

import pytest
from matrix_checks import (
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

DATABASE = "postgresql"


@pytest.mark.parametrize("combination", combinations(DATABASE))
def test_combination_bakes_lint_clean_with_valid_workflows(
    cookies, combination: Combination
) -> None:
    check_static(bake(cookies, combination), combination)


@pytest.mark.parametrize("combination", combinations(DATABASE, makefile_options=[True]))
def test_makefile_option_changes_nothing_but_the_makefile(
    cookies, combination: Combination
) -> None:
    check_makefile_is_the_only_difference(cookies, combination)


# Every combination, so both the `make` targets and the plain `inv` tasks are driven.
@pytest.mark.parametrize("combination", combinations(DATABASE))
def test_combination_migrates_and_passes_its_own_tests(cookies, combination: Combination) -> None:
    skip_without_server(combination)
    project = install_with_uv(bake(cookies, combination))
    with database_for(combination, project.path) as url:
        migrate_and_test(project, combination, url)
