"""The tenants benchmark's table: one pair of rows per server, and its section of results.md."""

from __future__ import annotations

import datetime
import os
import platform
import re
from dataclasses import dataclass, field
from pathlib import Path

TARGET_RATIO = 0.1
BEGIN_MARKER = "<!-- benchmarks/tenants.py: begin -->"
END_MARKER = "<!-- benchmarks/tenants.py: end -->"
HEADER = (
    "| tenants | command | seconds | compared with | seconds | ratio | target | result"
    " | CPU s (ours / loop) | load average |\n"
    "|---|---|---:|---|---:|---:|---|---|---:|---|"
)


@dataclass(frozen=True)
class Side:
    """One server's comparison: its tenants are schemas of a database, or databases."""

    kind: str  # the URL's backend: postgresql, mysql
    label: str
    variable: str
    tenancy: str
    unit: str


SIDES = (
    Side("postgresql", "PostgreSQL", "TEST_POSTGRESQL_URL", "schema", "schemas"),
    Side("mysql", "MariaDB", "TEST_MYSQL_URL", "database", "databases"),
)


@dataclass
class Measured:
    """One side's timings (seconds, CPU seconds), or why it was not measured."""

    side: Side
    tenants: int
    revisions: int
    parallel: int
    skipped: str = ""
    fan_out: tuple[float, float] = (0.0, 0.0)  # the best of the fan-out's runs
    hand: tuple[float, float] = (0.0, 0.0)
    rerun: tuple[float, float] = (0.0, 0.0)
    # The 1-minute load average before and after each timed command, in the order run.
    loads: list[float] = field(default_factory=list)

    @property
    def size(self) -> str:
        return f"{self.side.label}: {self.tenants} {self.side.unit} x {self.revisions} revisions"

    @property
    def fan_out_command(self) -> str:
        tenancy = " --tenancy database" if self.side.tenancy == "database" else ""
        return f"inv db.upgrade --all-tenants --parallel {self.parallel}{tenancy}"

    @property
    def hand_command(self) -> str:
        tenancy = " -x tenancy=database" if self.side.tenancy == "database" else ""
        return f"alembic -x tenant=NAME{tenancy} upgrade head"

    def load_range(self) -> str:
        return f"{min(self.loads):.1f}-{max(self.loads):.1f}" if self.loads else ""


def render(results: list[Measured]) -> str:
    """The table: per side, the fan-out against the hand loop, and a rerun at head."""
    rows = [HEADER]
    for result in results:
        if result.skipped:
            rows.append(f"| {result.size} | skipped: {result.skipped} |  |  |  |  |  | — |  |  |")
            continue
        ratio = result.fan_out[0] / result.hand[0]
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        rows.append(
            f"| {result.size} | `{result.fan_out_command}` (best of 2) | {result.fan_out[0]:.1f}"
            f" | `{result.hand_command}` per tenant, in turn | {result.hand[0]:.1f}"
            f" | {ratio:.2f} | ≤ {TARGET_RATIO} | {verdict}"
            f" | {result.fan_out[1]:.0f} / {result.hand[1]:.0f} | {result.load_range()} |"
        )
        rows.append(
            f"| {result.size}, all at head | `{result.fan_out_command}` (a rerun: nothing to do)"
            f" | {result.rerun[0]:.1f} |  |  |  |  | — | {result.rerun[1]:.0f} |  |"
        )
    return "\n".join(rows)


def section(table: str, command: str, versions: dict[str, str]) -> str:
    """The results.md section around ``table``, between this script's markers."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    packages = ", ".join(f"{name} {version}" for name, version in versions.items())
    return "\n".join(
        [
            BEGIN_MARKER,
            "## Tenants (issue #23)",
            "",
            f"Measured {now} with `{command}` on {os.cpu_count()} cores"
            f" ({platform.platform()}; {packages}), the servers on the same machine.",
            "",
            table,
            "",
            "Each side starts from the same empty schemas or databases. CPU seconds count the"
            " commands' processes, not the servers'. The load average is the machine's"
            " (1 minute) before and after each timed command: other work shares the 2 cores."
            ' See benchmarks/README.md, "Tenants".',
            END_MARKER,
        ]
    )


def write_section(output: Path, text: str) -> None:
    """Replace this script's section of ``output`` (or append it), keeping the rest."""
    current = output.read_text() if output.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(BEGIN_MARKER) + ".*?" + re.escape(END_MARKER), re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text, current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text + "\n"
    output.write_text(updated)
