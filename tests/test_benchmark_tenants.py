"""benchmarks/tenants.py keeps its table in its own section of results.md, and run.py keeps it.

The benchmark itself needs PostgreSQL and minutes (benchmarks/README.md, "Tenants"); what is
tested here is that neither script overwrites the other's results.
"""

from __future__ import annotations

import sys
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TEMPLATE_ROOT / "benchmarks"))
sys.path.insert(0, str(TEMPLATE_ROOT / "scripts"))

import run  # noqa: E402
import tenants  # noqa: E402


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
