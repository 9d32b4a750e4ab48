"""The catalog describer names every feature of catalog_features.py on each database, changed in
the models and changed by hand, and finds nothing where nothing changed."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from catalog_databases import Scratch
from catalog_feature import DIALECTS, Feature
from catalog_features import DOC, FEATURES, coverage_table
from catalog_shop import Knobs, shop

from alembic_steward.catalog import Catalog, compare_catalogs

KINDS = [pytest.param(kind, marks=pytest.mark.xdist_group(f"catalog[{kind}]")) for kind in DIALECTS]
CASES = [
    pytest.param(
        feature,
        kind,
        id=f"{kind}-{feature.name}",
        marks=pytest.mark.xdist_group(f"catalog[{kind}]"),
    )
    for feature in FEATURES
    for kind in DIALECTS
    if feature.named_on(kind)
]
# What a line must not hold: SQLAlchemy's reprs, Python's, a second line.
NOT_READABLE = re.compile(
    r"<[\w.]+ (object )?at 0x|sqlalchemy\.|\n|\b(Table|Column|MetaData|Computed)\("
)


@pytest.fixture(scope="module")
def scratches(scratch_pairs):
    """``scratches(kind)``: the base scratch database, the one to change, and the base shop's
    catalog (built once per module)."""
    catalogs: dict[str, Catalog] = {}

    def pair(kind: str) -> tuple[Scratch, Scratch, Catalog]:
        base, changed = scratch_pairs(kind)
        if kind not in catalogs:
            catalogs[kind] = base.build(shop(kind))
        return base, changed, catalogs[kind]

    return pair


def lines(expected: Catalog, actual: Catalog) -> list[str]:
    # The expected side is the models' description: their identity starts are compared too.
    return [difference.line() for difference in compare_catalogs(expected, actual, floors=True)]


def assert_named(found: list[str], feature: Feature, kind: str) -> None:
    wanted = feature.lines_on(kind)
    assert len(found) == len(wanted), found
    for line, start in zip(sorted(found), sorted(wanted), strict=True):
        assert line == start or line.startswith(f"{start} "), found
        assert not NOT_READABLE.search(line), line


@pytest.mark.parametrize(("feature", "kind"), CASES)
def test_a_feature_changed_in_the_models_is_named(scratches, feature: Feature, kind: str) -> None:
    _base, changed, expected = scratches(kind)
    actual = changed.build(shop(kind, replace(Knobs(), **feature.knobs)))
    assert_named(lines(expected, actual), feature, kind)


@pytest.mark.parametrize(("feature", "kind"), CASES)
def test_a_feature_changed_by_hand_is_named(scratches, feature: Feature, kind: str) -> None:
    _base, changed, expected = scratches(kind)
    actual = changed.build(shop(kind), feature.by_hand[kind])
    assert_named(lines(expected, actual), feature, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_models_built_in_two_databases_compare_equal(scratches, kind: str) -> None:
    _base, changed, expected = scratches(kind)
    assert lines(expected, changed.build(shop(kind))) == []


def test_the_coverage_document_matches_the_feature_table() -> None:
    assert coverage_table() in DOC.read_text(encoding="utf-8"), (
        "docs/catalog.md is out of date: run `.venv/bin/python tests/catalog_features.py`"
    )
