"""`tenant-create` on a tenant that exists already is not refused: it is brought to head.

A README-only tester read the README as if it refused a listed, existing tenant; it exits 0
saying the tenant already existed and is at head. The README quotes that line.
"""

from __future__ import annotations

from pathlib import Path

from tenant_projects import sqlite_project

README = Path(__file__).parents[1] / "README.md"


def test_creating_a_listed_tenant_that_exists_says_so_as_the_readme_quotes_it(
    tmp_path: Path,
) -> None:
    project = sqlite_project(tmp_path, ["acme"])
    project.inv("db.tenant-create", "acme")
    again = project.inv("db.tenant-create", "acme")  # exit 0, or inv() fails
    line = again.stdout.strip()
    assert line == "tenant database acme already existed; it is at head (0003)", line
    quoted = line.replace("database acme", "schema acme").replace("(0003)", "(0042)")
    assert f"`{quoted}`" in " ".join(README.read_text().split()), "the README's wording differs"
