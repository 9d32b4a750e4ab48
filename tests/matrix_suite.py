"""The matrix tests, written once: each `test_matrix*.py` module runs them for one database.

One module per database keeps `--dist loadfile` spreading the three databases over the
pytest-xdist workers; the tests themselves live here so the three cannot drift apart.
"""

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


class MatrixSuite:
    """Subclass as `Test<Database>` with `database` set; pytest runs each test per combination."""

    database: str

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "combination" in metafunc.fixturenames:
            metafunc.parametrize("combination", combinations(self.database))
        if "combination_with_makefile" in metafunc.fixturenames:
            with_makefile = combinations(self.database, makefile_options=[True])
            metafunc.parametrize("combination_with_makefile", with_makefile)

    def test_combination_bakes_lint_clean_with_valid_workflows(
        self, cookies, combination: Combination
    ) -> None:
        check_static(bake(cookies, combination), combination)

    def test_makefile_option_changes_nothing_but_the_makefile(
        self, cookies, combination_with_makefile: Combination
    ) -> None:
        check_makefile_is_the_only_difference(cookies, combination_with_makefile)

    # Every combination, so both the `make` targets and the plain `inv` tasks are driven.
    def test_combination_migrates_and_passes_its_own_tests(
        self, cookies, combination: Combination
    ) -> None:
        skip_without_server(combination)
        project = install_with_uv(bake(cookies, combination))
        with database_for(combination, project.path) as url:
            migrate_and_test(project, combination, url)
