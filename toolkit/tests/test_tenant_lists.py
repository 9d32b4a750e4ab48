"""The wiring's tenants callable is the service's own code: whatever it returns or raises,
the run ends in one line that names it, before any tenant is touched.

A README-only tester met a str taken as one tenant per character (`inv db.tenant-create a`
advised), None ending in "TypeError: 'NoneType' object is not iterable", an exception that
never said it came from the callable, and two spellings of one name listed side by side.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from project import Project, one_error_line
from tenant_projects import make_tenant_project

from alembic_steward.runtime._tenancy import TenantError, declared_tenants
from alembic_steward.runtime._tenant_names import unlisted_note

CALLABLE = "the tenants callable app.tenants:list_tenants"


def project_listing(tmp_path: Path, body: str) -> Project:
    """A SQLite service whose `list_tenants()` runs ``body`` (its indented lines)."""
    main = tmp_path / "service.db"
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}"), "database", []
    )
    (project.path / "app" / "tenants.py").write_text(f"def list_tenants():\n{body}\n")
    return project


def refusal(project: Project) -> str:
    with project.imported(), pytest.raises(TenantError) as refused:
        declared_tenants()
    line = str(refused.value)
    assert "\n" not in line and line.endswith("nothing was run"), line
    return line


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("    return 'acme'", "returned the str 'acme', not a list of names"),
        ("    return b'acme'", "returned the bytes b'acme', not a list of names"),
        ("    return None", "returned None (NoneType), not a list of tenant names"),
        ("    return 7", "returned 7 (int), not a list of tenant names"),
        ("    return ['acme', 3]", "returned a list holding 3 (int), not a tenant name"),
        ("    return ['acme', 'bad-name']", "the tenant name 'bad-name' (from " + CALLABLE),
        ("    return ['Globex', 'acme', 'globex']", "names both 'Globex' and 'globex', equal"),
        ("    return {}['acme']", "raised KeyError: acme (at app/tenants.py:2)"),
    ],
    ids=["str", "bytes", "none", "int", "not-str", "bad-name", "case-twins", "raises"],
)
def test_what_the_tenants_callable_gets_wrong_is_one_line_naming_it(
    tmp_path: Path, body: str, said: str
) -> None:
    line = refusal(project_listing(tmp_path, body))
    assert line.startswith(CALLABLE) or f"(from {CALLABLE})" in line, line
    assert said in line, line


def test_a_generator_of_names_is_a_list_of_tenants(tmp_path: Path) -> None:
    project = project_listing(tmp_path, "    yield from ('north', 'south')")
    with project.imported():
        assert declared_tenants() == ["north", "south"]


def test_a_raising_callable_ends_the_command_in_one_line_without_a_traceback(
    tmp_path: Path,
) -> None:
    project = project_listing(tmp_path, "    raise RuntimeError('tenants table is gone')")
    refused = project.inv("db.status", "--all-tenants", code=1)
    line = one_error_line(refused.stderr)
    assert line.startswith(f"error: {CALLABLE} raised RuntimeError: tenants table is gone"), line
    assert "(at app/tenants.py:2)" in line and not list(tmp_path.glob("*.db"))


def test_tenant_create_of_a_case_variant_gives_the_listed_spelling_alone(tmp_path: Path) -> None:
    project = project_listing(tmp_path, "    return ['acme']")
    with project.imported(), pytest.raises(TenantError) as refused:
        unlisted_note("Acme")
    line = str(refused.value)
    assert "'Acme' differs from the tenant 'acme'" in line and "give 'acme';" in line, line
    assert "list 'Acme'" not in line  # listing both spellings is refused, so no way out


def test_named_tenants_equal_but_for_case_are_refused(tmp_path: Path) -> None:
    project = project_listing(tmp_path, "    return ['acme', 'globex']")
    refused = project.inv("db.upgrade", "--tenants", "Acme,acme", code=1)
    line = one_error_line(refused.stderr)
    assert "--tenants on the command line names both 'Acme' and 'acme'" in line, line
