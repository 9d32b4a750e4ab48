"""Turn timings into rows with ratios and verdicts, and render them as a Markdown table."""

from __future__ import annotations

from dataclasses import dataclass

from comparisons import Target
from timing import Timing

HEADER = (
    "| N | command | median (s) | compared with | median (s) | difference (s) | ratio | target"
    " | result | CPU ratio |",
    "|---:|---|---:|---|---:|---:|---:|---|---|---:|",
)


@dataclass
class Row:
    """One line of the results table."""

    size: str
    subject: str
    subject_median: float | None
    baseline: str = ""
    baseline_median: float | None = None
    target: Target | None = None
    # Medians of CPU seconds: steadier than wall-clock time when other programs share the CPU.
    subject_cpu: float | None = None
    baseline_cpu: float | None = None
    # Set when the subject could not be measured: "n/a (...)" or "failed (...)".
    problem: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.subject_median is None or not self.baseline_median:
            return None
        return self.subject_median / self.baseline_median

    @property
    def cpu_ratio(self) -> float | None:
        if self.subject_cpu is None or not self.baseline_cpu:
            return None
        return self.subject_cpu / self.baseline_cpu

    @property
    def difference(self) -> float | None:
        if self.subject_median is None or self.baseline_median is None:
            return None
        return self.subject_median - self.baseline_median

    @property
    def verdict(self) -> str:
        """PASS or FAIL against the target; "n/a" or "failed" when unmeasured; "—" untargeted."""
        if self.problem:
            return self.problem.split(" ")[0]
        if self.target is None:
            return "—"
        value = self.ratio if self.baseline else self.subject_median
        if self.target.on_difference:
            value = self.difference
        if value is None:
            return "failed"
        return "PASS" if self.target.holds(value) else "FAIL"

    def cells(self) -> list[str]:
        subject = f"`{self.subject}`" + (f" ({self.note})" if self.note else "")
        if self.problem:
            subject += f" — {self.problem}"
        return [
            self.size,
            subject,
            seconds(self.subject_median),
            f"`{self.baseline}`" if self.baseline else "",
            seconds(self.baseline_median),
            f"{self.difference:+.3f}" if self.difference is not None else "",
            f"{self.ratio:.2f}" if self.ratio is not None else "",
            str(self.target) if self.target else "",
            self.verdict,
            f"{self.cpu_ratio:.2f}" if self.cpu_ratio is not None else "",
        ]


def seconds(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else ""


def comparison_row(
    size: int,
    subject: str,
    subject_timing: Timing,
    baseline: str,
    baseline_timing: Timing,
    target: Target | None,
    note: str,
) -> Row:
    """A row for a measured comparison; a failed command is reported, not timed."""
    problem = ""
    if subject_timing.error:
        problem = f"failed ({subject_timing.error})"
    elif baseline_timing.error:
        problem = f"failed (baseline: {baseline_timing.error})"
    return Row(
        str(size),
        subject,
        subject_timing.median,
        baseline,
        baseline_timing.median,
        target,
        subject_timing.cpu_median,
        baseline_timing.cpu_median,
        problem,
        note,
    )


def render_table(rows: list[Row]) -> str:
    lines = list(HEADER)
    for row in rows:
        cells = [cell.replace("|", "\\|") for cell in row.cells()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
