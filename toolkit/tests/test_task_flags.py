"""Flags that mean one thing everywhere: `--tenant` is `--tenants` on every fan-out task (a
tester's `inv db.upgrade --tenant acme` met "No idea what '--tenant' is!"), and a short flag
never stands for two options (`-p` was db.upgrade's --phase and db.backfill's --pause)."""

from __future__ import annotations

from pathlib import Path

import pytest
from invoke.parser import Parser, ParserContext
from project import Project

FAN_OUT_TASKS = ("upgrade", "downgrade", "status", "check")


@pytest.fixture
def db_tasks(tmp_path: Path):
    """The fixture service's `db` tasks, by name, as its `inv` builds them."""
    from alembic_steward.tasks import db_collection

    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{tmp_path}/s.db")
    with project.imported():
        from app.migrations import steward

        yield db_collection(steward).tasks


def arguments(task) -> list:
    """``task``'s arguments, read from a copy: invoke pops each help text it reads, and the
    tasks are the toolkit's own objects, shared with every other test of this process."""
    import copy

    reading = copy.copy(task)
    reading.help = dict(task.help)
    return reading.get_arguments()


def parsed(task, *argv: str) -> dict:
    """The keyword arguments invoke calls ``task`` with for ``argv``."""
    context = ParserContext(name="task", args=arguments(task))
    return Parser(contexts=[context]).parse_argv(["task", *argv])[0].as_kwargs


@pytest.mark.parametrize("name", FAN_OUT_TASKS)
def test_tenant_is_the_same_option_as_tenants_on_every_fan_out_task(db_tasks, name: str) -> None:
    assert parsed(db_tasks[name], "--tenant", "acme")["tenants"] == "acme"
    assert parsed(db_tasks[name], "--tenants", "acme,globex")["tenants"] == "acme,globex"


def short_flags(db_tasks) -> dict[str, set[str]]:
    """Each short flag of the `db` tasks, and the options it stands for across them."""
    meanings: dict[str, set[str]] = {}
    for task in db_tasks.values():
        for argument in arguments(task):
            for short in (name for name in argument.names if len(name) == 1):
                meanings.setdefault(short, set()).add(argument.name)
    return meanings


def test_p_is_phase_in_every_task_that_has_it(db_tasks) -> None:
    assert short_flags(db_tasks)["p"] == {"phase"}
    pause = next(
        argument for argument in arguments(db_tasks["backfill"]) if argument.name == "pause"
    )
    assert "p" not in pause.names, pause.names  # --pause is long only


def test_tenancy_is_long_only_wherever_it_is_given(db_tasks) -> None:
    assert "tenancy" not in set().union(*short_flags(db_tasks).values())


def test_no_short_flag_stands_for_two_options_across_the_db_tasks(db_tasks) -> None:
    """`-t` was --timeout in one task and --tag in another, `-r` --rev and --release, ...: a
    hand that learnt one task's flag typed another option in the next."""
    assert db_tasks, "no db tasks were read"
    twice = {short: names for short, names in short_flags(db_tasks).items() if len(names) > 1}
    assert not twice, twice


@pytest.mark.parametrize("name", ["history", "lint"])
def test_rev_range_is_still_the_revision_option_of_history_and_lint(db_tasks, name: str) -> None:
    assert parsed(db_tasks[name], "--rev-range", "base:head")["revision"] == "base:head"
    assert parsed(db_tasks[name], "-r", "base:head")["revision"] == "base:head"
