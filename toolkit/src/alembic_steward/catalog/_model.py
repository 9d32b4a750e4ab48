"""The shape of a catalog description: objects keyed by kind, schema, owner and name, each with
facts in the database's own canonical text, and the differences between two descriptions."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# (kind, schema, owner, name): schema is None for the connection's default schema; owner is the
# table an object belongs to ("" for an object of its own: a table, view, sequence, type,
# collation, routine or operator: OWN_OBJECTS; a PostgreSQL sequence a column owns is its
# table's, catalog/_sequence_owners.py). An extension is the database's: schema None, its own
# schema a fact; not an owner (OWN_OBJECTS), as it holds none of the objects described.
Key = tuple[str, "str | None", str, str]
Facts = Mapping[str, str]

# The order differences are listed in, and how each kind reads in a line.
KINDS = (
    "schema",
    "extension",
    "table",
    "view",
    "materialized view",
    "column",
    "primary key",
    "unique constraint",
    "foreign key",
    "check constraint",
    "exclusion constraint",
    "index",
    "trigger",
    "policy",
    "rule",
    "sequence",
    "enum type",
    "domain",
    "composite type",
    "range type",
    "collation",
    "function",
    "procedure",
    "aggregate",
    "operator",
    "event",
)
OWN_OBJECTS = (
    "schema",
    "table",
    "view",
    "materialized view",
    "sequence",
    "enum type",
    "domain",
    "composite type",
    "range type",
    "collation",
    "function",
    "procedure",
    "aggregate",
    "operator",
    "event",
)
# Facts that hold a floor, not a value: MariaDB's AUTO_INCREMENT counter is the next id the
# table hands out, which every insert raises. A database's counter says only that its floor is
# at or below it, so a floor is compared with the models' (which declare it, in a build holding
# no rows) and only when asked (compare_catalogs' floors): at or above the models' agrees.
# Between two databases it would compare the rows each was given, not their schemas.
FLOOR_FACTS = frozenset({"next id"})
# Facts compared only when asked (compare_catalogs' column_order): a table's column order, which
# the models cannot be held to (catalog/_column_order.py).
ORDER_FACTS = frozenset({"column order"})
# An event's times, read with how long after the event was made they fall: the same time or
# the same span agrees (catalog/_mysql_events.py), as a revision may write either.
MOMENT_FACTS = frozenset({"starts", "ends", "at"})
# Facts never compared, shown with the line of an object one side lacks: what a schema nothing
# describes holds (catalog/_postgresql.py), which the side that has it alone can say.
NOTE_FACTS = frozenset({"tables"})
# Facts named on each side of a line, and how their absence reads.
SPOKEN_ABSENT = {("column", "identity"): "no identity"}
# How a fact left out of a description reads in a line, where "none" would say something else:
# a collation left out is the default one (the database's, for a table), which the models may
# well have named.
ABSENT = {
    ("table", "collation"): "the database's default",
    ("column", "collation"): "the default",
    ("table", "row level security"): "off",
    ("table", "persistence"): "logged",
    ("table", "inherits"): "no table",
    ("table", "partitioned by"): "nothing",
    ("table", "strict"): "no",
    ("table", "without rowid"): "no",
    ("table", "storage parameters"): "the defaults",
    ("table", "row format"): "the server's default",
    ("column", "invisible"): "no",
    ("index", "ignored by the optimizer"): "no",
    ("index", "valid"): "yes",
    ("table", "replica identity"): "the primary key (default)",
    ("view", "options"): "none",
    ("sequence", "owned by"): "none",
    ("domain", "nullable"): "yes",
    ("domain", "collation"): "its base type's",
    ("table", "system versioning"): "no",
    ("table", "page compressed"): "no",
    ("event", "starts"): "when it was made",
    ("event", "ends"): "never",
    ("table", "key block size"): "none (pages not compressed by it)",
    ("table", "max rows"): "none set",
}


@dataclass(frozen=True)
class Catalog:
    """One database's schema as read from its catalog: ``objects`` maps each key to its facts.

    Two catalogs of the same kind of database are equal exactly when their schemas are, for
    everything this package reads (README: "What the catalog holds").
    """

    dialect: str
    objects: Mapping[Key, Facts] = field(default_factory=dict)

    def owners(self) -> set[tuple[str | None, str]]:
        """The (schema, name) of every object of its own (OWN_OBJECTS): table, view, sequence,
        type, collation, function, procedure, aggregate, operator."""
        return {(key[1], key[3]) for key in self.objects if is_owner(key)}

    def of(self, owners: Iterable[tuple[str | None, str]]) -> dict[Key, Facts]:
        """The objects of ``owners`` (their own rows and everything they own)."""
        wanted = set(owners)
        return {
            key: facts
            for key, facts in self.objects.items()
            if (key[1], key[2] or key[3]) in wanted
        }

    def without(self, owners: Iterable[tuple[str | None, str]]) -> Catalog:
        """This catalog less ``owners`` and what they own."""
        dropped = self.of(owners)
        kept = {key: facts for key, facts in self.objects.items() if key not in dropped}
        return Catalog(self.dialect, kept)

    def to_json(self) -> str:
        rows = [[*key, dict(facts)] for key, facts in sorted(self.objects.items(), key=sort_key)]
        return json.dumps({"dialect": self.dialect, "objects": rows}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Catalog:
        data = json.loads(text)
        objects = {
            (kind, schema, owner, name): facts
            for kind, schema, owner, name, facts in data["objects"]
        }
        return cls(data["dialect"], objects)


def sort_key(item: tuple[Key, Facts]) -> tuple:
    kind, schema, owner, name = item[0]
    return (schema or "", owner or name, KINDS.index(kind) if kind in KINDS else 99, name)


@dataclass(frozen=True)
class Difference:
    """One object that one catalog has and the other lacks, or has with other facts.

    ``change`` is ``missing`` (only the expected side has it), ``unexpected`` (only the actual
    side) or ``different``; ``facts`` holds (fact, expected, actual) for each fact that differs.
    """

    kind: str
    subject: str
    change: str
    facts: tuple[tuple[str, str | None, str | None], ...] = ()

    def brief(self) -> str:
        """`unexpected table two`, `missing column users.name`, `different index ix (valid)`:
        the actual side described against the expected, in a few words."""
        if self.change == "different":
            return f"different {self.kind} {self.subject} ({', '.join(f[0] for f in self.facts)})"
        return f"{self.change} {self.kind} {self.subject}"

    def line(self, expected: str = "the models", actual: str = "the database") -> str:
        """One readable line, naming the two sides (``expected`` and ``actual``) in words."""
        # What it holds, where a note says (NOTE_FACTS): `(tables hand.a, hand.b and 2 more)`.
        notes = "".join(f" ({fact} {value})" for fact, value, _ in self.facts)
        if self.change == "missing":
            return f"{self.kind} {self.subject} is in {expected} but not in {actual}{notes}"
        if self.change == "unexpected":
            return f"{self.kind} {self.subject} is in {actual} but not in {expected}{notes}"
        details = "; ".join(
            f"{fact_shown(want, self.kind, fact, named=True)} in {expected},"
            f" {fact_shown(have, self.kind, fact)} in {actual}"
            for fact, want, have in self.facts
        )
        return f"{self.kind} {self.subject}: {details}"


def fact_shown(value: str | None, kind: str, fact: str, *, named: bool = False) -> str:
    """``value`` on one side of a line, the fact ``named`` before it (`default 'x'`, then
    `'y'`); a fact whose value reads as a phrase of its own is named on both sides alike:
    `identity by default (...)`, `no identity` (not `identity by default (...)` on one side, a
    bare `by default (...)` on the other)."""
    if (kind, fact) in SPOKEN_ABSENT:
        return SPOKEN_ABSENT[kind, fact] if value is None else f"{fact} {value}"
    return f"{fact} {shown(value, kind, fact)}" if named else shown(value, kind, fact)


def shown(value: str | None, kind: str = "", fact: str = "") -> str:
    """``value`` as a line shows it: a fact left out reads as what that means (ABSENT)."""
    return ABSENT.get((kind, fact), "none") if value is None else value


def is_unnamed(key: Key, facts: Facts) -> bool:
    """Whether ``key`` is a constraint known by its definition, for want of a name of its own
    (SQLite's unnamed ones, MariaDB's numbered ones)."""
    return key[0] not in OWN_OBJECTS and key[3] == facts.get("definition")


def subject_of(key: Key, facts: Facts | None = None) -> str:
    """`users.name`, `audit.users.ix_email`; an unnamed constraint by its table and definition."""
    kind, schema, owner, name = key
    # A sequence a column owns is named by its own name: its table is a fact.
    owner = "" if kind in OWN_OBJECTS else owner
    table = ".".join(part for part in (schema, owner) if part)
    if facts is not None and is_unnamed(key, facts):
        return f"{table} {name}"
    return ".".join(part for part in (table, name) if part)


def compare_catalogs(
    expected: Catalog, actual: Catalog, *, column_order: bool = False, floors: bool = False
) -> list[Difference]:
    """Every difference between two catalogs, in a stable order; what a missing or unexpected
    table (or view) owns is not listed again under it, and where a table lacks one unnamed
    constraint of a kind and has one other instead, the two are one changed constraint.
    ``column_order``: compare the order of a table's columns too (ORDER_FACTS); no verdict of
    the toolkit asks, the order being the history's (catalog/_column_order.py). ``floors``:
    compare FLOOR_FACTS too, for ``expected`` the models' description (FLOOR_FACTS)."""
    from alembic_steward.catalog._sequence_owners import (
        renamed,
        same_sequences,
        with_expected_names,
    )

    want, have = expected.objects, actual.objects
    sequences = same_sequences(want, have)
    names = renamed(sequences)
    missing_owners = {(k[1], k[3]) for k in want.keys() - have.keys() if is_owner(k)}
    extra_owners = {(k[1], k[3]) for k in have.keys() - want.keys() if is_owner(k)}
    gone_owners = (missing_owners | extra_owners) - {(k[1], k[3]) for k in sequences}
    replaced = replaced_unnamed(want, have)
    differences = []
    for key in sorted(want.keys() | have.keys(), key=lambda key: sort_key((key, {}))):
        kind, schema, owner, _name = key
        if (owner and (schema, owner) in gone_owners) or key in replaced.values():
            continue
        if key in sequences.values():
            continue
        if key in sequences:
            facts = differing_facts(want[key], have[sequences[key]], column_order, floors)
            if facts:
                differences.append(Difference(kind, subject_of(key), "different", facts))
        elif key in replaced:
            table = ".".join(part for part in (schema, owner) if part)
            facts = differing_facts(want[key], have[replaced[key]], column_order, floors)
            differences.append(Difference(kind, f"{table} (unnamed)", "different", facts))
        elif key not in have:
            differences.append(
                Difference(kind, subject_of(key, want[key]), "missing", noted(want[key]))
            )
        elif key not in want:
            differences.append(
                Difference(kind, subject_of(key, have[key]), "unexpected", noted(have[key]))
            )
        elif facts := differing_facts(
            want[key], with_expected_names(have[key], schema, names), column_order, floors
        ):
            differences.append(Difference(kind, subject_of(key), "different", facts))
    return differences


def noted(facts: Facts) -> tuple[tuple[str, str | None, str | None], ...]:
    """The NOTE_FACTS of an object one side lacks, as a Difference holds facts."""
    return tuple(
        (fact, value, value) for fact, value in sorted(facts.items()) if fact in NOTE_FACTS
    )


def replaced_unnamed(want: Mapping[Key, Facts], have: Mapping[Key, Facts]) -> dict[Key, Key]:
    """The missing unnamed constraint -> the unexpected one, where a table has exactly one of
    each of a kind: the same constraint, changed (its key is its definition)."""
    sides: dict[tuple, tuple[list[Key], list[Key]]] = {}
    for index, (mine, other) in enumerate(((want, have), (have, want))):
        for key, facts in mine.items():
            if key not in other and is_unnamed(key, facts):
                sides.setdefault(key[:3], ([], []))[index].append(key)
    return {
        missing[0]: unexpected[0]
        for missing, unexpected in sides.values()
        if len(missing) == 1 and len(unexpected) == 1
    }


def differing_facts(
    want: Facts, have: Facts, column_order: bool = False, floors: bool = False
) -> tuple[tuple[str, str | None, str | None], ...]:
    """(fact, expected, actual) for each fact the two sides do not agree on (a floor left out
    reads as 1, where every counter starts); ORDER_FACTS only with ``column_order``,
    FLOOR_FACTS only with ``floors``."""
    differing = []
    for fact in sorted(want.keys() | have.keys()):
        expected, actual = want.get(fact), have.get(fact)
        if (fact in ORDER_FACTS and not column_order) or (fact in FLOOR_FACTS and not floors):
            continue
        if fact in NOTE_FACTS:
            continue
        if fact_agrees(fact, expected, actual):
            continue
        if fact in FLOOR_FACTS:
            expected, actual = expected or "1", actual or "1"
        differing.append((fact, expected, actual))
    return tuple(differing)


def fact_agrees(fact: str, want: str | None, have: str | None) -> bool:
    """Equal, or for a floor (FLOOR_FACTS, none read as 1) at or above the expected one, or
    for an event's time (MOMENT_FACTS) the same time or span after it was made."""
    if fact in FLOOR_FACTS:
        return int(have or 1) >= int(want or 1)
    if fact in ORDER_FACTS:
        from alembic_steward.catalog._column_order import same_order

        return same_order(want, have)
    if fact in MOMENT_FACTS:
        from alembic_steward.catalog._mysql_events import same_moment

        return same_moment(want, have)
    return want == have


def is_owner(key: Key) -> bool:
    """Whether ``key`` is an object of its own (OWN_OBJECTS) that no table owns."""
    return key[0] in OWN_OBJECTS and not key[2]
