"""What the migration lint reports, and the marker comments that accept a finding deliberately.

A finding names the revision file and line, why the operation is risky on this database and
the safe pattern. A comment `# lint: allow RULE` on the operation's statement accepts it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

MARKER = re.compile(r"#\s*lint:\s*allow\b([^#]*)")
MARKER_EXAMPLE = "# lint: allow {rule}"


@dataclass(frozen=True)
class Finding:
    """One risky operation: where it is, which rule caught it, why, and what to write instead."""

    path: Path
    line: int
    rule: str
    why: str
    safe: str


@dataclass
class RevisionSource:
    """A revision file's statements and lint markers, for placing and accepting findings."""

    path: Path
    # Marked line -> the rule names its marker accepts.
    markers: dict[int, set[str]] = field(default_factory=dict)
    # (first line, last line) of each statement's own lines: a compound statement's header only.
    statements: list[tuple[int, int]] = field(default_factory=list)
    tree: ast.Module | None = None

    @classmethod
    def read(cls, path: Path) -> RevisionSource:
        text = path.read_text(encoding="utf-8")
        source = cls(path, tree=ast.parse(text, filename=str(path)))
        for number, line in enumerate(text.splitlines(), start=1):
            match = MARKER.search(line)
            if match:
                source.markers[number] = set(re.split(r"[\s,]+", match.group(1).strip())) - {""}
        for node in ast.walk(source.tree):
            if isinstance(node, ast.stmt):
                body = getattr(node, "body", None)
                last = body[0].lineno - 1 if body else node.end_lineno or node.lineno
                source.statements.append((node.lineno, max(last, node.lineno)))
        return source

    def statement_lines(self, line: int) -> tuple[int, int]:
        """Return the own lines of the innermost statement at ``line`` (just ``line`` if none)."""
        spans = [span for span in self.statements if span[0] <= line <= span[1]]
        return min(spans, key=lambda span: span[1] - span[0], default=(line, line))

    def accepts(self, rule: str, lines: tuple[int, int]) -> bool:
        first, last = lines
        return any(rule in self.markers.get(number, ()) for number in range(first, last + 1))

    def unknown_marker_rules(self, known: set[str]) -> list[tuple[int, str]]:
        """Return (line, name) for each marker naming no rule or a rule that does not exist."""
        problems = []
        for line, rules in sorted(self.markers.items()):
            if not rules:
                problems.append((line, "(no rule named)"))
            problems.extend((line, rule) for rule in sorted(rules - known))
        return problems


def format_finding(finding: Finding, shown_path: str) -> str:
    """Render a finding as a location line, then why, the safe pattern and the marker."""
    marker = MARKER_EXAMPLE.format(rule=finding.rule)
    return (
        f"{shown_path}:{finding.line}: {finding.rule}\n"
        f"    why:    {finding.why}\n"
        f"    safe:   {finding.safe}\n"
        f"    accept: end line {finding.line} with `{marker}` if you have made it safe otherwise"
    )
