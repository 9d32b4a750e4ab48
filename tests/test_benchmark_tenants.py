"""benchmarks/tenants.py: a pair of rows per server in its own section of results.md, which
run.py keeps.

The benchmark itself needs the servers and minutes (benchmarks/README.md, "Tenants"); what is
tested here is its table, its tenants' names, and that neither script overwrites the other's
results.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TEMPLATE_ROOT / "benchmarks"))
sys.path.insert(0, str(TEMPLATE_ROOT / "scripts"))

import run  # noqa: E402
import tenants  # noqa: E402
from tenant_table import SIDES, Measured, render  # noqa: E402


def section(text: str) -> str:
    return f"{tenants.BEGIN_MARKER}\n{text}\n{tenants.END_MARKER}"


def test_the_tenants_section_is_appended_then_replaced(tmp_path: Path) -> None:
    results = tmp_path / "results.md"
    results.write_text("# Benchmark results\n\n| run.py's table |\n")
    tenants.write_section(results, section("first"))
    tenants.write_section(results, section("second"))
    text = results.read_text()
    assert "| run.py's table |" in text
    assert "second" in text and "first" not in text
    assert text.count(tenants.BEGIN_MARKER) == 1


def test_run_py_keeps_the_tenants_section(tmp_path: Path) -> None:
    results = tmp_path / "results.md"
    results.write_text(f"# old run.py results\n\n{section('tenants table')}\n")
    kept = run.other_scripts_sections(results)
    assert kept.strip() == section("tenants table")
    assert run.other_scripts_sections(tmp_path / "missing.md") == ""


def test_each_server_gets_a_verdict_row_and_a_rerun_row_and_an_unset_one_is_skipped() -> None:
    postgresql, mariadb = SIDES
    measured = Measured(postgresql, 200, 20, 4, fan_out=(40.0, 30.0), hand=(500.0, 180.0))
    measured.rerun, measured.loads = (5.0, 2.0), [3.5, 6.25, 4.0]
    slow = Measured(mariadb, 50, 20, 4, fan_out=(20.0, 9.0), hand=(100.0, 45.0))
    skipped = Measured(mariadb, 50, 20, 4, skipped="TEST_MYSQL_URL is not set")
    lines = render([measured, slow]).splitlines()
    assert lines[2].startswith("| PostgreSQL: 200 schemas x 20 revisions | `inv db.upgrade")
    assert "| 0.08 | ≤ 0.1 | PASS | 30 / 180 | 3.5-6.2 |" in lines[2]
    assert lines[3].startswith("| PostgreSQL: 200 schemas x 20 revisions, all at head |")
    assert lines[4].startswith("| MariaDB: 50 databases x 20 revisions |")
    assert "--tenancy database` (best of 2)" in lines[4]
    assert "`alembic -x tenant=NAME -x tenancy=database upgrade head`" in lines[4]
    assert "| 0.20 | ≤ 0.1 | FAIL |" in lines[4]
    (row,) = render([skipped]).splitlines()[2:]
    assert row.startswith("| MariaDB: 50 databases x 20 revisions | skipped: TEST_MYSQL_URL")


def test_tenant_databases_carry_the_run_s_process_id_and_schemas_need_not() -> None:
    postgresql, mariadb = SIDES
    assert tenants.tenant_names(postgresql, 2) == ["tenant_0000", "tenant_0001"]
    databases = tenants.tenant_names(mariadb, 200)
    assert len(set(databases)) == 200
    assert all(str(os.getpid()) in name for name in databases)
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name) for name in databases)


def test_a_quick_run_is_small_on_both_servers() -> None:
    args = tenants.parse_args(["--quick"])
    assert (args.tenants, args.mysql_tenants, args.revisions) == (8, 8, 3)
    assert tenants.parse_args([]).mysql_tenants == 50
