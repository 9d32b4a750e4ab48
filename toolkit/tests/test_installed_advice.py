"""Advice read in an installed service names `python -m app.migrations` commands it has."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from project import Project

from alembic_steward import _wiring
from alembic_steward.runtime import _migration_frames, _running_migration
from alembic_steward.runtime._tenancy import Tenant, bind_tenant


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    wiring = SimpleNamespace(
        running_from_checkout=False, deploy_command="python -m app.migrations", tenancy="schema"
    )
    monkeypatch.setattr(_wiring, "active_steward", lambda: wiring)


@pytest.mark.usefixtures("installed")
def test_a_failure_whose_state_was_not_read_names_the_installed_command() -> None:
    assert "`python -m app.migrations current` shows" in _migration_frames.not_read()


@pytest.mark.usefixtures("installed")
def test_a_tenant_s_check_again_names_the_installed_status_of_that_tenant() -> None:
    bind_tenant(Tenant("acme", "schema"))
    try:
        said = _running_migration.check_again()
    finally:
        bind_tenant(None)
    assert said == "check again with `python -m app.migrations status --tenants acme`"
    assert _running_migration.check_again() == "check again with `python -m app.migrations current`"


@pytest.mark.usefixtures("installed")
def test_a_re_pointed_history_s_advice_names_the_installed_upgrade() -> None:
    from alembic_steward.runtime._repointed_revisions import RepointedRevision, repointed_message

    said = repointed_message([RepointedRevision("0003", "0001", ("0002",), ("0002",))], ["0003"])
    assert "`python -m app.migrations upgrade` here" in said, said
    # A checkout of the old history has `inv`; the accept-edit runs from a checkout too.
    assert "`inv db.downgrade -r 0001` there" in said, said
    assert "from a checkout, with DATABASE_URL naming this database, `inv db.accept-edit" in said
    assert "`inv db.upgrade`" not in said, said


def test_advice_printed_by_the_deploy_entry_point_in_a_checkout_names_its_own_commands(
    project: Project,
) -> None:
    """`python -m app.migrations` run from a checkout (an image built from the source tree has
    no invoke) advised `inv db.upgrade -r ...`; what it advises must run where it was typed."""
    from backfill_histories import history_with_backfill
    from servers import ServerDatabase

    database = ServerDatabase("sqlite", f"sqlite:///{project.path / 'deploy.db'}")
    history_with_backfill(project, database)
    project.inv("db.downgrade", env={"DATABASE_URL": database.url})
    ran = project.run(
        "python", "-m", "app.migrations", "backfill", "run", "users_lower",
        env={"DATABASE_URL": database.url},
    )  # fmt: skip
    assert ran.returncode == 1, ran.stderr
    assert "run `python -m app.migrations upgrade bf0001` first" in ran.stderr, ran.stderr
    assert "inv " not in ran.stderr, ran.stderr


def test_under_the_deploy_entry_point_no_inv_only_command_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checkout = SimpleNamespace(
        running_from_checkout=True,
        deploy_command="python -m app.migrations",
        tenancy="schema",
        versions_dir="app/migrations/versions",
    )
    monkeypatch.setattr(_wiring, "active_steward", lambda: checkout)
    from alembic_steward.runtime._advice import advising_deploy_commands
    from alembic_steward.runtime._connecting import fix_url_advice
    from alembic_steward.runtime._repair_targets import revisions_listed
    from alembic_steward.runtime._repairs import status_hint

    with advising_deploy_commands():
        said = [fix_url_advice(), revisions_listed(), *status_hint()]
    assert not any("inv " in each for each in said), said
    assert "inv db.url" in fix_url_advice()


def test_an_unreadable_state_and_several_heads_name_the_deploy_commands_under_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from alembic.util import CommandError

    from alembic_steward.inspection._migration_plan import plan_migration
    from alembic_steward.runtime._advice import advising_deploy_commands
    from alembic_steward.runtime._state_lines import StateAfterFailure

    checkout = SimpleNamespace(
        running_from_checkout=True, deploy_command="python -m app.migrations", tenancy="schema"
    )
    monkeypatch.setattr(_wiring, "active_steward", lambda: checkout)
    state = StateAfterFailure(heads=None, unreadable="connection lost")
    with advising_deploy_commands():
        unknown = state.after_run()
        with pytest.raises(CommandError) as several:
            plan_migration(SimpleNamespace(), ["a", "b"], "head")  # type: ignore[arg-type]
    assert "`python -m app.migrations current` shows where it stands" in unknown, unknown
    assert "run `python -m app.migrations upgrade` to apply the merge" in str(several.value)
