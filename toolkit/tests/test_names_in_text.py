"""Whether a text names an object is one reading, for a revision file and a definition alike.

The run's leftovers read the revision files, the hand-made dependents and the lost indexes a
definition: each had its own idea of a word, and a name beyond ASCII, or beside a `$`, read as
named in one and not in another.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

# (text, name, whether the text names it)
CASES = [
    ("SELECT t.c6 FROM t", "c6", True),
    ('SELECT "Note" FROM t', "note", True),  # quoted, in another case
    ("SELECT prénom FROM clients", "prénom", True),  # a name beyond ASCII
    ("SELECT notes_id FROM t", "notes", False),  # part of another name
    ("SELECT c$1 FROM t", "c", False),  # `$` goes on a name in PostgreSQL and MySQL/MariaDB
]


@pytest.mark.parametrize(("text", "name", "named"), CASES)
def test_a_revision_file_names_an_object_as_a_definition_does(
    text: str, name: str, named: bool
) -> None:
    from alembic_steward.inspection._run_leftovers import named_in

    difference = SimpleNamespace(subject=f"t.{name}", kind="column", change="missing", facts=())
    assert named_in(difference, text) is named


@pytest.mark.parametrize(("text", "name", "named"), CASES)
def test_a_hand_made_view_reads_a_column_its_definition_names(
    text: str, name: str, named: bool
) -> None:
    from alembic_steward.inspection._hand_made_dependents import changed_read

    key = ("view", None, "", "v")
    facts = {"definition": f"{text} JOIN t"}
    read = changed_read(key, facts, {("t", name): "drop"}, "postgresql")
    assert read == ([(f"t.{name}", "drop")] if named else [])


@pytest.mark.parametrize(("text", "name", "named"), CASES)
def test_an_index_goes_with_a_column_its_definition_names(
    text: str, name: str, named: bool
) -> None:
    from alembic_steward.inspection._lost_objects import mentions

    assert mentions({"definition": text}, {name}) is named


# pg_get_functiondef encloses a body in dollar quotes with no space when it was written as a
# one-line string (`AS 'select count(*) from t'`): the closing `$function$` is no part of `t`.
FUNCTION_DEFINITIONS = [
    ("CREATE FUNCTION public.f()\n AS $function$select count(*) from t$function$\n", True),
    ("CREATE FUNCTION public.f()\n AS $function$\n select count(*) from t\n$function$\n", True),
    ("CREATE FUNCTION public.f()\n AS $q$select count(*) from t2$q$\n", False),
    ("CREATE FUNCTION public.f()\n AS $$select t$1 from u$$\n", False),
]


@pytest.mark.parametrize(("definition", "named"), FUNCTION_DEFINITIONS)
def test_a_function_body_in_dollar_quotes_names_the_tables_it_reads(
    definition: str, named: bool
) -> None:
    from alembic_steward.inspection._hand_made_dependents import changed_read

    key = ("function", None, "", "f()")
    read = changed_read(key, {"definition": definition}, {("t", None): "drop"}, "postgresql")
    assert read == ([("table t", "drop")] if named else [])
