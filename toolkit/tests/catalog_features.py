"""The catalog's coverage, measured: every row of catalog_features_*.py is a test on each
database it applies to (test_catalog.py), and docs/catalog.md's table is rendered from them.

`python tests/catalog_features.py` rewrites the table in docs/catalog.md.
"""

from __future__ import annotations

from pathlib import Path

from catalog_feature import DIALECT_TITLES, DIALECTS
from catalog_features_behaviour import BEHAVIOUR
from catalog_features_columns import COLUMNS
from catalog_features_events import EVENTS
from catalog_features_keys import KEYS
from catalog_features_objects import OBJECTS
from catalog_features_types import TYPES

FEATURES = (*COLUMNS, *KEYS, *OBJECTS, *TYPES, *BEHAVIOUR, *EVENTS)
DOC = Path(__file__).resolve().parents[1] / "docs" / "catalog.md"
TABLE_START = "<!-- coverage table: rendered by tests/catalog_features.py -->\n"
TABLE_END = "<!-- end of coverage table -->\n"


def coverage_table() -> str:
    """docs/catalog.md's table: each feature's status on each database."""
    titles = [DIALECT_TITLES[dialect] for dialect in DIALECTS]
    rows = [f"| feature | {' | '.join(titles)} |", f"|---|{'---|' * len(DIALECTS)}"]
    for feature in FEATURES:
        cells = [feature.status(dialect) for dialect in DIALECTS]
        rows.append(f"| {feature.name} | {' | '.join(cells)} |")
    return TABLE_START + "\n".join(rows) + "\n" + TABLE_END


def rewrite_document() -> None:
    text = DOC.read_text(encoding="utf-8")
    before, _, rest = text.partition(TABLE_START)
    _, _, after = rest.partition(TABLE_END)
    DOC.write_text(before + coverage_table() + after, encoding="utf-8")


if __name__ == "__main__":
    rewrite_document()
